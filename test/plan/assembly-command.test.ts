// `mta-sts plan --app <assembly>`: a synthesized app in a temporary folder, Route 53 mocked.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { MtaStsHosting } from '../../lib/constructs/mta-sts-hosting';
import { TestDnsServer } from '../check/servers/dns-server';
import '../../lib/cli/plan-command';
import { runCli } from '../../lib/cli/program';
import { MtaStsStages } from '../../lib/app/mta-sts-stages';
import { MtaSts } from '../../lib/constructs/mta-sts';
import { MtaStsMode } from '../../lib/policy';

const route53Mock = mockClient(Route53Client);
const context = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
let root: string;
let example: string;
let pipeline: string;
let external: string;
let dns: TestDnsServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mta-sts-plan-app-'));
  // The example app's default stage, as `cdk synth` writes it.
  example = join(root, 'cdk.out');
  const app = new App({ outdir: example, context });
  MtaStsStages.fromContext(app);
  app.synth();
  // Constructs called directly, without the stage config, inside a pipeline stage.
  pipeline = join(root, 'pipeline.out');
  const p = new App({ outdir: pipeline });
  const stack = new Stack(new Stage(p, 'Prod'), 'Mail', { env: { account: '111111111111', region: 'us-east-1' } });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.org' });
  new MtaSts(stack, 'Example', { domainName: 'example.org', hostedZone: zone, mode: MtaStsMode.ENFORCE, mx: ['mx1.example.org'] });
  p.synth();
  // A domain on external DNS, on a shared hosting.
  external = join(root, 'external.out');
  const e = new App({ outdir: external });
  const es = new Stack(e, 'Brand', { env: { account: '111111111111', region: 'eu-west-1' } });
  const hosting = new MtaStsHosting(es, 'Hosting', { certificate: acm.Certificate.fromCertificateArn(es, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/h') });
  const delegationZone = route53.HostedZone.fromHostedZoneAttributes(es, 'Delegation', { hostedZoneId: 'Z9DELEGATION', zoneName: 'mta-sts.ops.example.net' });
  new MtaSts(es, 'Brand', { domainName: 'brand.example', delegationZone, hosting, mode: MtaStsMode.ENFORCE, mx: ['mx1.brand.example'] });
  e.synth();
  dns = await new TestDnsServer(`127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}.53`).start();
  dns.set('brand.example', { MX: [{ preference: 10, exchange: 'mx1.brand.example' }] });
  dns.set('_mta-sts.brand.example', { CNAME: '_mta-sts.brand.example.mta-sts.ops.example.net' });
  dns.set('mta-sts.brand.example', { CNAME: 'd111111abcdef8.cloudfront.net' });
  dns.set('d111111abcdef8.cloudfront.net', { A: ['192.0.2.10'] });
});
afterAll(async () => {
  await dns?.stop();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  route53Mock.reset();
  route53Mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false });
});

const mx = (zone: string, name: string, values: string[]) =>
  route53Mock.on(ListResourceRecordSetsCommand, { HostedZoneId: zone, StartRecordName: `${name}.`, StartRecordType: 'MX' }).resolves({
    ResourceRecordSets: [{ Name: `${name}.`, Type: 'MX', TTL: 300, ResourceRecords: values.map((Value) => ({ Value })) }],
    IsTruncated: false,
  });

async function plan(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  // No cdk.json is read with --app: point --config at nothing to prove it.
  const code = await runCli(['plan', '--config', join(root, 'missing.json'), ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('mta-sts plan --app', () => {
  test('a domain on external DNS: its TXT read in the delegation zone, its MX and CNAMEs through DNS', async () => {
    const r = await plan('--app', external, '--dns-server', dns.server, '--routing-endpoint', 'd111111abcdef8.cloudfront.net', '--json');
    expect(r.err).toBe('');
    const d = JSON.parse(r.out).domains[0];
    expect(d).toMatchObject({ domain: 'brand.example', hostedZoneId: 'Z9DELEGATION', hostedZoneName: 'mta-sts.ops.example.net', mx: { source: 'dns', verdict: 'covered' } });
    expect(d.delegation.records.map((x: { name: string; status: string }) => [x.name, x.status])).toEqual([
      ['mta-sts.brand.example', 'ok'],
      ['_mta-sts.brand.example', 'ok'],
    ]);
    expect(route53Mock.commandCalls(ListResourceRecordSetsCommand).map((c) => [c.args[0].input.HostedZoneId, c.args[0].input.StartRecordName])).toEqual([
      ['Z9DELEGATION', '_mta-sts.brand.example.mta-sts.ops.example.net.'],
      ['Z9DELEGATION', '_smtp._tls.brand.example.mta-sts.ops.example.net.'],
    ]);
    // enforce with no live _mta-sts record yet: plan-enforce-first is the only warning.
    expect(d.findings.filter((f: { severity: string }) => f.severity !== 'info').map((f: { code: string }) => f.code)).toEqual(['plan-enforce-first']);
    expect(r.code).toBe(0);
  });


  test('the example app: its domain planned from the templates, its zone read, exit 0', async () => {
    mx('Z0DEV0EXAMPLE0ZONE', 'dev.example.com', ['10 mx1.dev.example.com.', '20 a.mx.dev.example.com.']);
    const r = await plan('--app', example);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('## dev.example.com (zone (not in the assembly), Z0DEV0EXAMPLE0ZONE)');
    expect(r.out).toContain('- `a.mx.dev.example.com` (20): covered by `*.mx.dev.example.com`');
    expect(r.out).toContain('`_smtp._tls.dev.example.com` TXT | - | `v=TLSRPTv1; rua=mailto:tlsrpt@example.com` | create');
    const starts = route53Mock.commandCalls(ListResourceRecordSetsCommand).map((c) => [c.args[0].input.HostedZoneId, c.args[0].input.StartRecordName]);
    expect(starts).toEqual([
      ['Z0DEV0EXAMPLE0ZONE', '_mta-sts.dev.example.com.'],
      ['Z0DEV0EXAMPLE0ZONE', '_smtp._tls.dev.example.com.'],
      ['Z0DEV0EXAMPLE0ZONE', 'mta-sts.dev.example.com.'],
      ['Z0DEV0EXAMPLE0ZONE', 'dev.example.com.'],
    ]);
  });

  test('--json: the same plan as data, the stack as the stage of the domain', async () => {
    mx('Z0DEV0EXAMPLE0ZONE', 'dev.example.com', ['10 mx1.dev.example.com.']);
    const j = JSON.parse((await plan('--app', example, '--json')).out);
    expect(j.domains.map((d: { domain: string; stage: string }) => [d.domain, d.stage])).toEqual([['dev.example.com', 'MtaStsDevDevExampleCom']]);
  });

  test('a nested (pipeline stage) assembly; enforce with an uncovered MX is an error, exit 2', async () => {
    mx('Z1EXAMPLE', 'example.org', ['10 mx1.example.org.', '20 backup.example.net.']);
    const r = await plan('--app', pipeline);
    expect(r.code).toBe(2);
    expect(r.out).toContain('## example.org (zone (not in the assembly), Z1EXAMPLE)');
    expect(r.out).toMatch(/\*\*error\*\* MX host\(s\) backup\.example\.net of example\.org are not covered/);
  });

  test('--domain picks one domain; an unknown one is refused with the domains there', async () => {
    expect((await plan('--app', example, '--domain', 'DEV.example.com.')).code).toBe(0);
    const r = await plan('--app', example, '--domain', 'other.example');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`mta-sts: --domain "other.example" is not in ${example}; its domains: dev.example.com\n`);
  });

  test('--app with --stage is refused', async () => {
    const r = await plan('--app', example, '--stage', 'dev');
    expect(r.code).toBe(2);
    expect(r.err).toContain('give one of `--app <assembly>` (a synthesized app) and `--stage <name>` (the cdk.json stage config)');
  });

  test('a folder that is not an assembly, or publishes no domain: one line naming the fix', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect((await plan('--app', empty)).err).toBe(`mta-sts: --app ${empty}: no manifest.json there; give the cloud assembly folder that \`npx cdk synth\` writes (cdk.out)\n`);
    writeFileSync(join(empty, 'manifest.json'), '{"version":"1","artifacts":{}}');
    expect((await plan('--app', empty)).err).toBe(`mta-sts: no stack in ${empty} publishes an _mta-sts record: synthesize an app that uses MtaSts (npx cdk synth)\n`);
    writeFileSync(join(empty, 'manifest.json'), '{"artifacts":{"S":{"type":"aws:cloudformation:stack","properties":{"templateFile":"../../etc/passwd"}}}}');
    expect((await plan('--app', empty)).err).toContain('names "../../etc/passwd", outside the assembly folder');
    expect(route53Mock.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
  });
});
