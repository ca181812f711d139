import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListResourceRecordSetsCommand, ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import '../../lib/cli/plan-command';
import { runCli } from '../../lib/cli/program';
import { publishedDomain } from '../../lib/config/published-domain';
import { parseConfig, resolveStage } from '../../lib/config/stage-config';

const route53 = mockClient(Route53Client);

const CONFIG = {
  defaultStage: 'dev',
  domains: {
    'example.com': { hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', mx: ['mx1.example.com', '*.mx.example.com'], tlsRpt: ['mailto:tlsrpt@example.com'] },
    'other.org': { hostedZoneId: 'Z2OTHER', hostedZoneName: 'other.org', mx: ['mx.other.org'] },
  },
  stages: {
    dev: { account: '111111111111', region: 'us-east-1', mode: 'testing', domains: { 'example.com': {} } },
    prod: { account: '111111111111', region: 'eu-west-1', mode: 'enforce', domains: { 'example.com': {}, 'other.org': {} } },
  },
};

let dir: string;
let configPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mta-sts-plan-'));
  configPath = join(dir, 'cdk.json');
  writeFileSync(configPath, JSON.stringify({ app: 'x', context: { mtaSts: CONFIG } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  route53.reset();
  // Anything not set up below: an empty answer (nothing at that name).
  route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false });
});

async function plan(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['plan', '--config', configPath, ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const mx = (zone: string, name: string, values: string[], extra: Partial<ResourceRecordSet> = {}) =>
  route53.on(ListResourceRecordSetsCommand, { HostedZoneId: zone, StartRecordName: `${name}.`, StartRecordType: 'MX' }).resolves({
    ResourceRecordSets: [{ Name: `${name}.`, Type: 'MX', TTL: 300, ResourceRecords: values.map((Value) => ({ Value })), ...extra }],
    IsTruncated: false,
  });

const stageDomain = (stage: string, domain: string) => publishedDomain(stage, resolveStage(parseConfig(CONFIG), stage).domains.find((d) => d.domainName === domain)!);

describe('mta-sts plan', () => {
  test('a zone with matching MX: the plan, exit 0; reads the four record sets of the domain', async () => {
    mx('Z1EXAMPLE', 'example.com', ['10 mx1.example.com.', '20 a.mx.example.com.']);
    const r = await plan('--stage', 'dev');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('## example.com (zone example.com, Z1EXAMPLE)');
    expect(r.out).toContain('- `a.mx.example.com` (20): covered by `*.mx.example.com`');
    expect(r.out).toMatch(/0 error\(s\), 0 warning\(s\)\*\*: ready to deploy/);
    const starts = route53.commandCalls(ListResourceRecordSetsCommand).map((c) => [c.args[0].input.StartRecordName, c.args[0].input.StartRecordType]);
    expect(starts).toEqual([
      ['_mta-sts.example.com.', undefined],
      ['_smtp._tls.example.com.', undefined],
      ['mta-sts.example.com.', undefined],
      ['example.com.', 'MX'],
    ]);
  });

  test('the default stage is used without --stage', async () => {
    mx('Z1EXAMPLE', 'example.com', ['10 mx1.example.com.']);
    const r = await plan();
    expect(r.out).toContain('# mta-sts plan: stage dev');
  });

  test('an extra MX under testing: a warning, exit 0, and 1 with --strict', async () => {
    mx('Z1EXAMPLE', 'example.com', ['10 mx1.example.com.', '20 a.mx.example.com.', '30 backup.example.net.']);
    expect((await plan('--stage', 'dev')).code).toBe(0);
    const strict = await plan('--stage', 'dev', '--strict');
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/\*\*warning\*\* MX host\(s\) backup\.example\.net/);
  });

  test('an extra MX under enforce: exit 2, the host named', async () => {
    mx('Z1EXAMPLE', 'example.com', ['10 mx1.example.com.', '30 backup.example.net.']);
    mx('Z2OTHER', 'other.org', ['10 mx.other.org.']);
    const r = await plan('--stage', 'prod');
    expect(r.code).toBe(2);
    expect(r.out).toContain('- `backup.example.net` (30): **not covered**');
    expect(r.out).toContain('## other.org (zone other.org, Z2OTHER)');
  });

  test('a wildcard MX covers one label only', async () => {
    mx('Z1EXAMPLE', 'example.com', ['10 a.mx.example.com.', '20 a.b.mx.example.com.', '30 mx1.example.com.']);
    const r = await plan('--stage', 'prod', '--domain', 'example.com', '--json');
    expect(r.code).toBe(2);
    const json = JSON.parse(r.out);
    expect(json.domains[0].mx.uncoveredHosts).toEqual(['a.b.mx.example.com']);
    expect(json.domains).toHaveLength(1);
  });

  test('no MX under enforce: exit 2; under testing: exit 0 with a warning', async () => {
    const prod = await plan('--stage', 'prod', '--domain', 'example.com');
    expect(prod.code).toBe(2);
    expect(prod.out).toMatch(/\*\*error\*\* the hosted zone has no MX record at example\.com/);
    const dev = await plan('--stage', 'dev');
    expect(dev.code).toBe(0);
    expect(dev.out).toMatch(/\*\*warning\*\* the hosted zone has no MX record at example\.com/);
  });

  test('paginated record sets: follows IsTruncated/NextRecordName, stops at the next name', async () => {
    route53
      .on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z1EXAMPLE', StartRecordName: 'example.com.', StartRecordType: 'MX', StartRecordIdentifier: undefined })
      .resolves({
        ResourceRecordSets: [{ Name: 'example.com.', Type: 'MX', SetIdentifier: 'a', Weight: 1, TTL: 300, ResourceRecords: [{ Value: '10 mx1.example.com.' }] }],
        IsTruncated: true,
        NextRecordName: 'example.com.',
        NextRecordType: 'MX',
        NextRecordIdentifier: 'b',
      })
      .on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z1EXAMPLE', StartRecordName: 'example.com.', StartRecordType: 'MX', StartRecordIdentifier: 'b' })
      .resolves({
        ResourceRecordSets: [
          { Name: 'example.com.', Type: 'MX', SetIdentifier: 'b', Weight: 1, TTL: 300, ResourceRecords: [{ Value: '10 other.example.net.' }] },
          { Name: 'example.com.', Type: 'NS', TTL: 300, ResourceRecords: [{ Value: 'ns.example.' }] },
        ],
        IsTruncated: true,
        NextRecordName: 'example.com.',
        NextRecordType: 'SOA',
      });
    const r = await plan('--stage', 'prod', '--domain', 'example.com', '--json');
    const json = JSON.parse(r.out);
    expect(json.domains[0].mx.hosts.map((h: { host: string }) => h.host)).toEqual(['mx1.example.com', 'other.example.net']);
    expect(json.domains[0].mx.uncoveredHosts).toEqual(['other.example.net']);
    expect(route53.commandCalls(ListResourceRecordSetsCommand, { StartRecordType: 'MX' })).toHaveLength(2);
    expect(r.code).toBe(2);
  });

  test('the live records of a previous deploy: unchanged, and the id change on promotion', async () => {
    const testing = stageDomain('dev', 'example.com');
    const enforce = stageDomain('prod', 'example.com');
    mx('Z1EXAMPLE', 'example.com', ['10 mx1.example.com.', '20 a.mx.example.com.']);
    route53.on(ListResourceRecordSetsCommand, { StartRecordName: '_mta-sts.example.com.' }).resolves({
      ResourceRecordSets: [{ Name: '_mta-sts.example.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: JSON.stringify(testing.mtaStsRecord.value) }] }],
      IsTruncated: false,
    });
    const dev = await plan('--stage', 'dev');
    expect(dev.out).toContain(`Policy: mode **testing**, unchanged, id \`${testing.policyId}\``);
    const prod = await plan('--stage', 'prod', '--domain', 'example.com');
    expect(prod.out).toContain(`Policy: mode **enforce**, id \`${testing.policyId}\` → \`${enforce.policyId}\``);
    expect(prod.code).toBe(0);
  });

  describe('AWS failures: one line saying what is missing, exit 2', () => {
    const oneLine = (err: string) => {
      expect(err.trimEnd().split('\n')).toHaveLength(1);
      expect(err).not.toMatch(/\n\s+at /);
    };

    test('throttled after the retries', async () => {
      route53.on(ListResourceRecordSetsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { attempts: 8 } }));
      const r = await plan('--stage', 'dev');
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      oneLine(r.err);
      expect(r.err).toMatch(/^mta-sts: plan of example\.com \(hosted zone Z1EXAMPLE\): Route 53 still throttled ListResourceRecordSets .* after 8 attempt\(s\).*run again/);
    });

    test('access denied: the permission and the zone ARN', async () => {
      route53.on(ListResourceRecordSetsCommand).rejects(
        Object.assign(new Error('User: arn:aws:iam::111111111111:user/ci is not authorized to perform: route53:ListResourceRecordSets'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      );
      const r = await plan('--stage', 'dev');
      expect(r.code).toBe(2);
      oneLine(r.err);
      expect(r.err).toContain('access denied: missing permission route53:ListResourceRecordSets on arn:aws:route53:::hostedzone/Z1EXAMPLE');
    });

    test('no credentials', async () => {
      route53.on(ListResourceRecordSetsCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
      const r = await plan('--stage', 'dev');
      expect(r.code).toBe(2);
      oneLine(r.err);
      expect(r.err).toMatch(/no AWS credentials found: set AWS_PROFILE .*route53:ListResourceRecordSets on arn:aws:route53:::hostedzone\/Z1EXAMPLE/);
    });
  });

  test('an unknown --domain is refused, naming the stage domains', async () => {
    const r = await plan('--stage', 'prod', '--domain', 'nope.example');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--domain "nope\.example" is not in stage "prod"; its domains: example\.com, other\.org/);
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
  });

  test('an unknown stage is refused before any AWS call', async () => {
    const r = await plan('--stage', 'qa');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/stage "qa" is not in mtaSts\.stages; known stages: dev, prod/);
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
  });
});
