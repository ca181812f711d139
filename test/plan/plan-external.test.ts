// `mta-sts plan` for domains on external DNS: the TXT records from the delegation zone through
// the Route 53 API (mocked), the MX records and the three CNAMEs through real DNS answers (the
// loopback DNS server), the routing endpoint from the hosting stack's outputs (mocked).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { MAX_DNS_MX_RECORDS } from '../../lib/check/dns-mx';
import '../../lib/cli/plan-command';
import { runCli } from '../../lib/cli/program';
import { publishedDomain } from '../../lib/config/published-domain';
import { parseConfig, resolveStage } from '../../lib/config/stage-config';
import { DnsBehavior, DnsNode, TestDnsServer } from '../check/servers/dns-server';

const ZONE = 'mta-sts.ops.example.net';
const ENDPOINT = 'd111111abcdef8.cloudfront.net';

const CONFIG = {
  domains: {
    'example.com': { hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', mx: ['mx1.example.com'] },
    'brand.example': { dns: 'external', mx: ['mx1.brand.example'], tlsRpt: ['mailto:tlsrpt@example.com'] },
  },
  stages: {
    testing: { account: '111111111111', region: 'eu-west-1', mode: 'testing', hosting: 'shared', delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName: ZONE } },
    // The same domain under enforce (a domain is a tenant of one shared stage only: per-domain mode).
    enforce: { account: '222222222222', region: 'eu-west-1', mode: 'testing', hosting: 'shared', delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName: ZONE }, domains: { 'brand.example': { mode: 'enforce' } } },
  },
};

const route53 = mockClient(Route53Client);
const cfn = mockClient(CloudFormationClient);
let dns: TestDnsServer;
let dir: string;
let configPath: string;

beforeAll(async () => {
  dns = await new TestDnsServer(`127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}.53`).start();
  dir = mkdtempSync(join(tmpdir(), 'mta-sts-plan-ext-'));
  configPath = join(dir, 'cdk.json');
  writeFileSync(configPath, JSON.stringify({ app: 'x', context: { mtaSts: { ...CONFIG, stages: { testing: CONFIG.stages.testing } } } }));
  writeFileSync(join(dir, 'enforce.json'), JSON.stringify({ app: 'x', context: { mtaSts: { ...CONFIG, stages: { enforce: CONFIG.stages.enforce } } } }));
});
afterAll(async () => {
  await dns?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** DNS at the user's provider: the three CNAMEs made, MX covered; each overridable. */
function provider(over: Record<string, DnsNode> = {}): void {
  const nodes: Record<string, DnsNode> = {
    'brand.example': { MX: [{ preference: 10, exchange: 'mx1.brand.example' }] },
    'mta-sts.brand.example': { CNAME: ENDPOINT },
    '_smtp._tls.brand.example': { CNAME: `_smtp._tls.brand.example.${ZONE}` },
    '_mta-sts.brand.example': { CNAME: `_mta-sts.brand.example.${ZONE}` },
    [ENDPOINT]: { A: ['192.0.2.10'] },
    ...over,
  };
  for (const [name, node] of Object.entries(nodes)) dns.set(name, node);
}

/** The hosting stack of `stage`, deployed with its routing-endpoint output. */
const deployed = (stack: string, endpoint = ENDPOINT) =>
  cfn.on(DescribeStacksCommand, { StackName: stack }).resolves({
    Stacks: [{ StackName: stack, CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'RoutingEndpointOutput', OutputValue: endpoint, Description: `cdk-mta-sts: hosting routing endpoint (${stack}/Hosting)` }] }],
  });

beforeEach(() => {
  route53.reset();
  cfn.reset();
  route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false });
  cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id MtaStsTestingHosting does not exist'), { name: 'ValidationError' }));
  route53.on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z1EXAMPLE', StartRecordName: 'example.com.', StartRecordType: 'MX' }).resolves({
    ResourceRecordSets: [{ Name: 'example.com.', Type: 'MX', TTL: 300, ResourceRecords: [{ Value: '10 mx1.example.com.' }] }],
    IsTruncated: false,
  });
  provider();
});

async function plan(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const config = args.includes('enforce') ? join(dir, 'enforce.json') : configPath;
  const code = await runCli(['plan', '--config', config, '--dns-server', dns.server, '--timeout', '1000', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const brand = (stage: 'testing' | 'enforce') => publishedDomain(stage, resolveStage(parseConfig({ ...CONFIG, stages: { [stage]: CONFIG.stages[stage] } }), stage).domains.find((d) => d.domainName === 'brand.example')!);
const findingsOf = (out: string) => (JSON.parse(out) as { domains: { domain: string; findings: { code: string; severity: string; message: string }[] }[] }).domains.find((d) => d.domain === 'brand.example')!.findings;

describe('mta-sts plan, a domain on external DNS', () => {
  test('reads its TXT records in the delegation zone through Route 53, its MX and CNAMEs through DNS; all made: exit 0', async () => {
    deployed('MtaStsTestingHosting');
    const p = brand('testing');
    route53.on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z0DELEGATION', StartRecordName: `_mta-sts.brand.example.${ZONE}.` }).resolves({
      ResourceRecordSets: [{ Name: `_mta-sts.brand.example.${ZONE}.`, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: JSON.stringify(p.mtaStsRecord.value) }] }],
      IsTruncated: false,
    });
    const r = await plan('--stage', 'testing');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`## brand.example (external DNS; delegation zone ${ZONE}, Z0DELEGATION)`);
    expect(r.out).toContain(`Policy: mode **testing**, unchanged, id \`${p.policyId}\``);
    expect(r.out).toContain(`| \`_mta-sts.brand.example.${ZONE}\` TXT |`);
    expect(r.out).toContain(`| \`_mta-sts.brand.example\` CNAME | \`_mta-sts.brand.example.${ZONE}\` | \`_mta-sts.brand.example.${ZONE}\` | ok |`);
    expect(r.out).toContain(`| \`mta-sts.brand.example\` CNAME | \`${ENDPOINT}\` | \`${ENDPOINT}\` | ok |`);
    expect(r.out).toContain('MX (live through DNS, not the Route 53 API, against `mx`: `mx1.brand.example`): **covered**');
    expect(r.out).toMatch(/\*\*info\*\* the MX records of brand\.example were read through DNS, as senders read them \(its DNS is not in Route 53\) \[plan-mx-from-dns\]/);
    // The Route 53 domain is planned as before; the external one reads only its two TXT names, in the delegation zone.
    const calls = route53.commandCalls(ListResourceRecordSetsCommand).map((c) => [c.args[0].input.HostedZoneId, c.args[0].input.StartRecordName, c.args[0].input.StartRecordType]);
    expect(calls.filter(([zone]) => zone === 'Z0DELEGATION')).toEqual([
      ['Z0DELEGATION', `_mta-sts.brand.example.${ZONE}.`, undefined],
      ['Z0DELEGATION', `_smtp._tls.brand.example.${ZONE}.`, undefined],
    ]);
    expect(calls.filter(([zone]) => zone === 'Z1EXAMPLE')).toHaveLength(4);
    expect(dns.queries).toContain('MX brand.example');
  });

  test('before the CNAMEs are made: a warning each with the zone line, exit 0, and 1 with --strict', async () => {
    deployed('MtaStsTestingHosting');
    provider({ 'mta-sts.brand.example': {}, '_smtp._tls.brand.example': {}, '_mta-sts.brand.example': {} });
    const r = await plan('--stage', 'testing', '--domain', 'brand.example');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`| \`_mta-sts.brand.example\` CNAME | \`_mta-sts.brand.example.${ZONE}\` | absent | missing |`);
    expect(r.out).toContain(
      `- **warning** _mta-sts.brand.example has no CNAME at your DNS provider (nodata), so senders see no MTA-STS policy for brand.example (no mail is stranded, and none is protected): create "_mta-sts.brand.example. 3600 IN CNAME _mta-sts.brand.example.${ZONE}." at your DNS provider [delegation-cname-missing]`,
    );
    expect(r.out).toContain(`create "mta-sts.brand.example. 3600 IN CNAME ${ENDPOINT}." at your DNS provider [delegation-cname-missing]`);
    expect((await plan('--stage', 'testing', '--domain', 'brand.example', '--strict')).code).toBe(1);
  });

  test('the enforce gate: a missing CNAME fails plan --strict; a wrong one fails plan', async () => {
    deployed('MtaStsEnforceHosting');
    route53.on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z0DELEGATION', StartRecordName: `_mta-sts.brand.example.${ZONE}.` }).resolves({
      ResourceRecordSets: [{ Name: `_mta-sts.brand.example.${ZONE}.`, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: JSON.stringify(brand('enforce').mtaStsRecord.value) }] }],
      IsTruncated: false,
    });
    provider({ '_mta-sts.brand.example': {} });
    const missing = await plan('--stage', 'enforce', '--strict', '--json');
    expect(missing.code).toBe(1);
    expect(findingsOf(missing.out).filter((f) => f.severity !== 'info').map((f) => f.code)).toEqual(['delegation-cname-missing']);
    expect((await plan('--stage', 'enforce')).code).toBe(0);
    provider({ '_mta-sts.brand.example': { CNAME: '_mta-sts.brand.example.old-vendor.net' }, '_mta-sts.brand.example.old-vendor.net': { TXT: [['v=STSv1; id=old;']] } });
    const r = await plan('--stage', 'enforce', '--json');
    expect(r.code).toBe(2);
    expect(findingsOf(r.out).find((f) => f.code === 'delegation-cname-wrong')).toEqual({
      code: 'delegation-cname-wrong',
      severity: 'error',
      field: '_mta-sts.brand.example CNAME',
      message:
        `_mta-sts.brand.example is a CNAME to _mta-sts.brand.example.old-vendor.net, not to _mta-sts.brand.example.${ZONE}: senders read the record at its end, so the app's changes never reach them; ` +
        `replace it with "_mta-sts.brand.example. 3600 IN CNAME _mta-sts.brand.example.${ZONE}." at your DNS provider`,
    });
  });

  test('a TXT record at _smtp._tls instead of the CNAME: an error, exit 2', async () => {
    deployed('MtaStsTestingHosting');
    provider({ '_smtp._tls.brand.example': { TXT: [['v=TLSRPTv1; rua=mailto:old@brand.example']] } });
    const r = await plan('--stage', 'testing', '--domain', 'brand.example');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/\*\*error\*\* _smtp\._tls\.brand\.example holds 1 TXT record\(s\) of its own at your DNS provider \("v=TLSRPTv1; rua=mailto:old@brand\.example"\) instead of a CNAME: .*\[delegation-cname-shadowed\]/);
  });

  test('--routing-endpoint wins over the stack output, and is compared normalised', async () => {
    deployed('MtaStsTestingHosting', 'd999999zzzzzz9.cloudfront.net');
    const r = await plan('--stage', 'testing', '--domain', 'brand.example', '--routing-endpoint', 'D111111ABCDEF8.CloudFront.net.');
    expect(r.code).toBe(0);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
    expect(r.out).toContain(`| \`mta-sts.brand.example\` CNAME | \`${ENDPOINT}\` | \`${ENDPOINT}\` | ok |`);
  });

  test('the hosting stack not deployed: stderr says why, the CNAME is checked to lead into cloudfront.net, a warning', async () => {
    const r = await plan('--stage', 'testing', '--domain', 'brand.example');
    // The reason is stageRoutingEndpoint's own message (its wording is tested with it).
    expect(r.err).toMatch(
      /^mta-sts: the routing endpoint is not known \(cannot read the outputs of stack MtaStsTestingHosting in eu-west-1 \(account 111111111111\): ValidationError: Stack with id MtaStsTestingHosting does not exist; .*--routing-endpoint\): each mta-sts\.<domain> CNAME is only checked to lead into cloudfront\.net\n$/,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('| `mta-sts.brand.example` CNAME | the routing endpoint (not known here) | `d111111abcdef8.cloudfront.net` | not-compared |');
    expect(r.out).toMatch(/\*\*warning\*\* mta-sts\.brand\.example is a CNAME into CloudFront .* \[delegation-endpoint-not-compared\]/);
  });

  test('a stage of Route 53 domains only makes no DNS lookup and reads no stack output', async () => {
    writeFileSync(join(dir, 'r53.json'), JSON.stringify({ app: 'x', context: { mtaSts: { ...CONFIG, domains: { 'example.com': CONFIG.domains['example.com'] }, stages: { testing: { account: '111111111111', region: 'eu-west-1', mode: 'testing' } } } } }));
    const before = dns.queries.length;
    let out = '';
    const code = await runCli(['plan', '--config', join(dir, 'r53.json'), '--stage', 'testing'], { out: (s) => (out += s), err: () => undefined });
    expect(code).toBe(0);
    expect(out).not.toContain('through DNS');
    expect(dns.queries.length).toBe(before);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  describe('MX through DNS', () => {
    beforeEach(() => deployed('MtaStsEnforceHosting'));

    test('an uncovered MX host under enforce: exit 2, the same assessment and message as from Route 53', async () => {
      provider({ 'brand.example': { MX: [{ preference: 10, exchange: 'MX1.Brand.Example' }, { preference: 20, exchange: 'backup.example.net' }] } });
      const r = await plan('--stage', 'enforce');
      expect(r.code).toBe(2);
      expect(r.out).toContain('- `mx1.brand.example` (10): covered by `mx1.brand.example`');
      expect(r.out).toMatch(/\*\*error\*\* MX host\(s\) backup\.example\.net of brand\.example are not covered by `mx` \(mx1\.brand\.example\): under enforce senders refuse to deliver there.*\[plan-mx-uncovered\]/);
    });

    test('no MX in DNS under enforce: an error that says DNS, not the hosted zone', async () => {
      provider({ 'brand.example': { A: ['192.0.2.1'] } });
      const r = await plan('--stage', 'enforce');
      expect(r.code).toBe(2);
      expect(r.out).toContain(
        '- **error** DNS has no MX record at brand.example: a mode enforce policy protects no mail host (the MX guard fails an enforce deploy); check the domain, or add the MX records at its DNS provider [plan-no-mx]',
      );
    });

    test('a DNS failure: not assessed, an error under enforce naming the outcome and the server (never "covered")', async () => {
      provider({ 'brand.example': { behavior: DnsBehavior.SERVFAIL } });
      const r = await plan('--stage', 'enforce', '--json');
      expect(r.code).toBe(2);
      const json = JSON.parse(r.out);
      expect(json.domains[0].mx).toMatchObject({ read: false, source: 'dns', hosts: [] });
      expect(findingsOf(r.out).filter((f) => f.code.startsWith('plan-') && f.code.includes('mx'))).toEqual([
        {
          code: 'plan-mx-dns-failed',
          severity: 'error',
          field: 'mx',
          message: `the MX records of brand.example could not be read through DNS (SERVFAIL (ESERVFAIL) at ${dns.server}), so they were not compared with \`mx\`: run again, or check the domain's name servers answer (its DNS is not in Route 53)`,
        },
      ]);
      const text = await plan('--stage', 'enforce');
      expect(text.out).toContain('MX (live through DNS, not the Route 53 API, against `mx`: `mx1.brand.example`): **not read**');
    });

    test(`an answer with more than ${MAX_DNS_MX_RECORDS} MX records (over TCP): the first ${MAX_DNS_MX_RECORDS} assessed, the rest reported at the MX severity`, async () => {
      const many = Array.from({ length: MAX_DNS_MX_RECORDS + 20 }, (_, i) => ({ preference: i, exchange: 'mx1.brand.example' + (i === 0 ? '' : `.h${i}.example`) }));
      provider({ 'brand.example': { MX: many } });
      const r = await plan('--stage', 'enforce', '--json');
      expect(r.code).toBe(2);
      const json = JSON.parse(r.out);
      expect(json.domains[0].mx.hosts).toHaveLength(MAX_DNS_MX_RECORDS);
      expect(findingsOf(r.out).find((f) => f.code === 'plan-mx-dns-too-many')).toEqual({
        code: 'plan-mx-dns-too-many',
        severity: 'error',
        field: 'mx',
        message: `DNS gave ${MAX_DNS_MX_RECORDS + 20} MX records for brand.example, more than the ${MAX_DNS_MX_RECORDS} assessed: the hosts past them were not compared with \`mx\`; check the domain's MX records at its DNS provider`,
      });
    });
  });

  test('a bad --dns-server or --timeout is refused before any AWS call', async () => {
    let err = '';
    const code = await runCli(['plan', '--config', configPath, '--stage', 'testing', '--dns-server', 'ns.example'], { out: () => undefined, err: (s) => (err += s) });
    expect(code).toBe(2);
    expect(err).toContain('`--dns-server` must be an IP address with an optional port (127.0.0.1, 127.0.0.1:5353, [::1]:53), got "ns.example"');
    err = '';
    expect(await runCli(['plan', '--config', configPath, '--stage', 'testing', '--timeout', '0'], { out: () => undefined, err: (s) => (err += s) })).toBe(2);
    expect(err).toContain('`--timeout` must be a whole number from 1 to 600000, got "0"');
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
  });
});
