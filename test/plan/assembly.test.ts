// Reading what a synthesized app publishes from its cloud assembly (pure: parsed JSON in).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MtaStsStages } from '../../lib/app/mta-sts-stages';
import { publishedDomain } from '../../lib/config/published-domain';
import { parseConfig, resolveStage } from '../../lib/config/stage-config';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { DomainDns } from '../../lib/config/stage-config';
import { MtaSts } from '../../lib/constructs/mta-sts';
import { MtaStsHosting } from '../../lib/constructs/mta-sts-hosting';
import { OUTPUT_DESCRIPTIONS } from '../../lib/constructs/private/outputs';
import { assemblyEntries, CNAME_RECORDS_OUTPUT, templateDomains } from '../../lib/plan/assembly';
import { MtaStsMode, TlsRptDestination } from '../../lib/policy';

const ROOT = join(__dirname, '..', '..');
const context = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const outdir = () => {
  const d = mkdtempSync(join(tmpdir(), 'mta-sts-assembly-'));
  dirs.push(d);
  return d;
};
const json = (dir: string, file: string): unknown => JSON.parse(readFileSync(join(dir, file), 'utf8'));

/** The domains of every stack of a synthesized assembly folder. */
function domainsOf(dir: string) {
  return assemblyEntries(json(dir, 'manifest.json')).stacks.map((s) => templateDomains(s.stackName, json(dir, s.templateFile)));
}

describe('templateDomains', () => {
  test('the example app: what each stack publishes is what the stage config publishes', () => {
    const dir = outdir();
    const app = new App({ outdir: dir, context });
    MtaStsStages.fromContext(app);
    app.synth();
    const found = domainsOf(dir);
    expect(found.flatMap((f) => f.problems)).toEqual([]);
    const domains = found.flatMap((f) => f.domains);
    expect(domains.map((d) => [d.stackName, d.hostedZoneId])).toEqual([['MtaStsDevDevExampleCom', 'Z0DEV0EXAMPLE0ZONE']]);
    const expected = publishedDomain('dev', resolveStage(parseConfig(context.mtaSts), 'dev').domains[0]);
    expect(domains[0].published).toEqual({ ...expected, stage: 'MtaStsDevDevExampleCom' });
    expect(domains[0].published.tlsRptRecord).toEqual({ name: '_smtp._tls.dev.example.com', value: 'v=TLSRPTv1; rua=mailto:tlsrpt@example.com' });
  });

  function stackWith(build: (stack: Stack) => void): unknown {
    const dir = outdir();
    const app = new App({ outdir: dir });
    const stack = new Stack(app, 'Mail', { env: { account: '111111111111', region: 'us-east-1' } });
    build(stack);
    app.synth();
    return json(dir, 'Mail.template.json');
  }
  const zoneById = (stack: Stack) => route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });

  test('no TLS-RPT destination: no _smtp._tls record; enforce mode and mx from the body', () => {
    const t = stackWith((s) => new MtaSts(s, 'Example', { domainName: 'example.com', hostedZone: zoneById(s), mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'] }));
    const { domains, problems } = templateDomains('Mail', t);
    expect(problems).toEqual([]);
    expect(domains[0].published).toMatchObject({ domain: 'example.com', mode: 'enforce', mx: ['mx1.example.com'], tlsRptRecord: null, maxAgeSeconds: 1209600 });
  });

  test('a domain on external DNS: recognised by its _mta-sts CNAME output, its records named in the delegation zone', () => {
    const t = stackWith((s) => {
      const hosting = new MtaStsHosting(s, 'Hosting', { certificate: acm.Certificate.fromCertificateArn(s, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/h') });
      const delegationZone = route53.HostedZone.fromHostedZoneAttributes(s, 'Delegation', { hostedZoneId: 'Z9DELEGATION', zoneName: 'mta-sts.ops.example.net' });
      new MtaSts(s, 'Brand', { domainName: 'Brand.Example', delegationZone, hosting, mx: ['mx1.brand.example'], tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.net')] });
      new MtaSts(s, 'Own', { domainName: 'example.com', hostedZone: zoneById(s), hosting, mx: ['mx1.example.com'] });
    });
    const { domains, problems } = templateDomains('Mail', t);
    expect(problems).toEqual([]);
    const brand = domains.find((d) => d.published.domain === 'brand.example')!;
    expect(brand.hostedZoneId).toBe('Z9DELEGATION');
    expect(brand.published).toMatchObject({
      dns: DomainDns.EXTERNAL,
      mtaStsRecord: { name: '_mta-sts.brand.example.mta-sts.ops.example.net' },
      tlsRptRecord: { name: '_smtp._tls.brand.example.mta-sts.ops.example.net', value: 'v=TLSRPTv1; rua=mailto:tlsrpt@example.net' },
      delegation: { zone: 'mta-sts.ops.example.net' },
    });
    expect(brand.published.delegation!.records.map((r) => [r.name, r.target])).toEqual([
      ['mta-sts.brand.example', undefined],
      ['_smtp._tls.brand.example', '_smtp._tls.brand.example.mta-sts.ops.example.net'],
      ['_mta-sts.brand.example', '_mta-sts.brand.example.mta-sts.ops.example.net'],
    ]);
    expect(domains.find((d) => d.published.domain === 'example.com')!.published).toMatchObject({ dns: DomainDns.ROUTE53, mtaStsRecord: { name: '_mta-sts.example.com' } });
    expect(domains.find((d) => d.published.domain === 'example.com')!.published.delegation).toBeUndefined();
  });

  test("the CNAME output description read here is the constructs' own", () => {
    expect(CNAME_RECORDS_OUTPUT).toBe(OUTPUT_DESCRIPTIONS.cnameRecords);
  });

  test('a hosted zone made in the same stack: refused, naming the record and the fix', () => {
    const t = stackWith((s) => new MtaSts(s, 'Example', { domainName: 'example.com', hostedZone: new route53.HostedZone(s, 'Zone', { zoneName: 'example.com' }), mx: ['mx1.example.com'] }));
    const { domains, problems } = templateDomains('Mail', t);
    expect(domains).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^stack Mail, _mta-sts\.example\.com \(\w+\): its HostedZoneId is not a literal \(\{"Ref":"\w+"\}\).*fromHostedZoneAttributes.*--stage/);
  });

  test('a record with no policy resource of its id: refused, naming the id', () => {
    const template = {
      Resources: {
        Rec: { Type: 'AWS::Route53::RecordSet', Properties: { Type: 'TXT', Name: '_MTA-STS.Example.com.', HostedZoneId: 'Z1', ResourceRecords: ['"v=STSv1; id=abc;"'] } },
      },
    };
    expect(templateDomains('S', template).problems).toEqual(['stack S, _mta-sts.example.com (Rec): no Custom::MtaStsPolicy resource in the stack publishes the policy id abc']);
  });

  test('a record value that is not one literal record: refused with the value', () => {
    const template = { Resources: { Rec: { Type: 'AWS::Route53::RecordSet', Properties: { Type: 'TXT', Name: '_mta-sts.example.com.', HostedZoneId: 'Z1', ResourceRecords: [{ 'Fn::Join': ['', ['x']] }] } } } };
    expect(templateDomains('S', template).problems[0]).toMatch(/its value \[\{"Fn::Join":\["",\["x"\]\]\}\] is not one literal "v=STSv1; id=\.\.\.;" record/);
  });

  test.each([[null], [[]], ['x'], [{ Resources: [] }], [{ Resources: { A: null, B: { Type: 'AWS::Route53::RecordSet' } } }]])('a template that is not one (%j) publishes nothing', (t) => {
    expect(templateDomains('S', t)).toEqual({ domains: [], problems: [] });
  });
});

describe('assemblyEntries', () => {
  test('stacks of the top level and the nested assemblies of a pipeline stage', () => {
    const dir = outdir();
    const app = new App({ outdir: dir });
    new sns.Topic(new Stack(app, 'Top'), 'T');
    const stage = new Stage(app, 'Enforce');
    new sns.Topic(new Stack(stage, 'Inner'), 'T');
    app.synth();
    const top = assemblyEntries(json(dir, 'manifest.json'));
    expect(top.stacks).toEqual([{ stackName: 'Top', templateFile: 'Top.template.json' }]);
    expect(top.nestedAssemblies).toEqual(['assembly-Enforce']);
    const inner = assemblyEntries(json(join(dir, 'assembly-Enforce'), 'manifest.json'));
    expect(inner.stacks.map((s) => s.stackName)).toEqual(['Enforce-Inner']);
  });

  test.each([[null], [{}], [{ artifacts: [] }]])('not a manifest (%j): refused', (m) => {
    expect(() => assemblyEntries(m)).toThrow('manifest.json has no "artifacts" object: it is not a cloud assembly manifest');
  });

  test('a stack artifact without a template file: refused, naming it', () => {
    expect(() => assemblyEntries({ artifacts: { S: { type: 'aws:cloudformation:stack', properties: {} } } })).toThrow('manifest.json: stack artifact "S" has no properties.templateFile');
  });
});
