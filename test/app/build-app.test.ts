import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStage } from '../../lib/app/build-app';
import { CONFIG_CONTEXT_KEY, MtaStsConfig, parseConfig, resolveStage } from '../../lib/config/stage-config';
import { MtaStsMode } from '../../lib/policy/mode';
import { stageDelegatedRecords } from '../../lib/cli/records-command';
import { outputValue } from '../../lib/cli/stage-outputs';
import { renderZoneLines } from '../../lib/policy/delegation';

const shipped = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context[CONFIG_CONTEXT_KEY];

function build(config: unknown, stage?: string) {
  const app = new App();
  const stacks = buildStage(app, resolveStage(parseConfig(config), stage));
  return { app, ...stacks };
}

describe('the shipped example config', () => {
  test('is valid and every stage starts in testing (the rollout begins there)', () => {
    const config = parseConfig(shipped);
    expect(Object.values(config.stages).map((s) => s.mode)).toEqual(['testing', 'testing']);
  });

  test('the default stage builds one stack per domain in its own region, no certificate stack', () => {
    const { stacks, certificateStacks, domains } = build(shipped);
    expect([...stacks.values()].map((s) => [s.stackName, s.region])).toEqual([['MtaStsDevDevExampleCom', 'us-east-1']]);
    expect(certificateStacks.size).toBe(0);
    const stack = stacks.values().next().value!;
    Template.fromStack(stack).resourceCountIs('AWS::CertificateManager::Certificate', 1);
    expect([...domains.keys()]).toEqual(['dev.example.com']);
  });

  test('a stage with a collector gets its collector stack, and the domains publish its destinations', () => {
    const { collectorStack, collector, domains } = build(shipped, 'prod');
    expect(collectorStack!.stackName).toBe('MtaStsProdCollector');
    expect(collectorStack!.region).toBe('eu-west-1');
    expect(collector!.domainNames).toEqual(['example.com']);
    const mtaSts = domains.get('example.com')!;
    Template.fromStack(Stack.of(mtaSts)).hasResourceProperties('AWS::Route53::RecordSet', {
      Name: '_smtp._tls.example.com.',
      ResourceRecords: [`"v=TLSRPTv1; rua=${collector!.destinations.map(String).join(',')}"`],
    });
  });

  test('a stage outside us-east-1 gets a us-east-1 certificate stack, referenced across regions', () => {
    const { stacks, certificateStacks } = build(shipped, 'prod');
    const [stack] = [...stacks.values()];
    const [certStack] = [...certificateStacks.values()];
    expect([stack.region, certStack.region]).toEqual(['eu-west-1', 'us-east-1']);
    expect(stack.dependencies).toContain(certStack);
    Template.fromStack(certStack).hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'mta-sts.example.com' });
    Template.fromStack(stack).resourceCountIs('AWS::CertificateManager::Certificate', 0);
    Template.fromStack(stack).resourceCountIs('Custom::CrossRegionExportReader', 1);
  });
});

describe('many domains', () => {
  const config = (n: number, group?: string): MtaStsConfig => ({
    domains: Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`d${i}.example.com`, { hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', mx: [`mx.d${i}.example.com`], ...(group ? { stack: group } : {}) }]),
    ),
    stages: { prod: { account: '111111111111', region: 'us-east-1', mode: MtaStsMode.TESTING } },
    defaultStage: 'prod',
  });

  test('adding a domain leaves the stacks and logical ids of the others unchanged', () => {
    const before = build(config(3));
    const after = build(config(4));
    expect([...after.stacks.keys()].slice(0, 3)).toEqual([...before.stacks.keys()]);
    for (const name of before.domains.keys()) {
      const a = before.domains.get(name)!;
      const b = after.domains.get(name)!;
      const id = (m: typeof a) => Stack.of(m).getLogicalId(m.mtaStsRecord.node.defaultChild as CfnElement);
      expect(id(b)).toBe(id(a));
      expect(Template.fromStack(Stack.of(b)).toJSON()).toEqual(Template.fromStack(Stack.of(a)).toJSON());
    }
  });

  test('a group puts several domains in one stack, sharing its zone import and publisher', () => {
    const { stacks } = build(config(20, 'Bulk'));
    expect([...stacks.keys()]).toEqual(['Bulk']);
    const t = Template.fromStack(stacks.get('Bulk')!);
    const single = Template.fromStack(build(config(1, 'Bulk')).stacks.get('Bulk')!);
    t.resourceCountIs('AWS::CloudFront::Distribution', 20);
    // The Lambda providers are per stack, not per domain.
    t.resourceCountIs('AWS::Lambda::Function', Object.keys(single.findResources('AWS::Lambda::Function')).length);
    expect(Object.keys(t.toJSON().Resources).length).toBeLessThan(500);
  });
});

describe('domains on external DNS', () => {
  const ZONE = 'mta-sts.ops.example.net';
  /** A shared stage: external domains `external` listed first, then Route 53 domains `own`, each in a stack group of its own. */
  const config = (region: string, names: { own?: string[]; external?: string[] }, mode = 'enforce'): unknown => {
    const stack = (n: string) => n.replace(/\./g, '-');
    const own = Object.fromEntries((names.own ?? []).map((n) => [n, { hostedZoneId: 'Z0EXAMPLE', hostedZoneName: n, mx: [`mx.${n}`], stack: stack(n) }]));
    const external = Object.fromEntries((names.external ?? []).map((n) => [n, { dns: 'external', mx: [`mx.${n}`], tlsRpt: ['mailto:tlsrpt@example.com'], stack: stack(n) }]));
    return {
      domains: { ...external, ...own },
      stages: { prod: { account: '111111111111', region, mode, hosting: 'shared', delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName: ZONE } } },
      defaultStage: 'prod',
    };
  };
  const certificates = (st: Stack) => Object.values(Template.fromStack(st).findResources('AWS::CertificateManager::Certificate')).map((r) => r.Properties.DomainName);

  test('outside us-east-1: no certificate stack and no ACM certificate for an external domain, its TXT records in the delegation zone, no alias records', () => {
    const { stacks, certificateStacks, domains } = build(config('eu-west-1', { own: ['example.com'], external: ['brand.example'] }));
    expect([...certificateStacks.keys()]).toEqual(['example-com']);
    const brandStack = Stack.of(domains.get('brand.example')!);
    expect([...certificateStacks.values()].flatMap(certificates)).toEqual(['mta-sts.example.com']);
    const t = Template.fromStack(brandStack);
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.resourceCountIs('Custom::CrossRegionExportReader', 0);
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: `_mta-sts.brand.example.${ZONE}.`, Type: 'TXT', HostedZoneId: 'Z0DELEGATION' });
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: `_smtp._tls.brand.example.${ZONE}.`, Type: 'TXT', HostedZoneId: 'Z0DELEGATION' });
    expect(Object.values(t.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties.Type)).toEqual(['TXT', 'TXT']);
    expect(brandStack.dependencies.map((s) => s.stackName)).toEqual(['MtaStsProdHosting']);
    expect(stacks.size).toBe(2);
  });

  test('the hosting certificate is the first Route 53 domain\'s, even when an external domain comes first: adding external domains keeps it', () => {
    const hostingCertificate = (c: unknown) => {
      const { app } = build(c);
      const t = Template.fromStack(app.node.findChild('MtaStsProdHostingCertificate') as Stack).toJSON();
      return Object.entries(t.Resources as Record<string, { Type: string; Properties: unknown }>).filter(([, r]) => r.Type === 'AWS::CertificateManager::Certificate');
    };
    const before = hostingCertificate(config('eu-west-1', { own: ['example.com', 'example.org'] }));
    expect(before.map(([, r]) => (r.Properties as { DomainName: string }).DomainName)).toEqual(['mta-sts.example.com']);
    expect(hostingCertificate(config('eu-west-1', { own: ['example.com', 'example.org'], external: ['brand.example'] }))).toEqual(before);
  });

  test('a stage of external domains only: the hosting certificate is mta-sts.<delegation zone>, validated in that zone', () => {
    const { hostingStack, certificateStacks } = build(config('us-east-1', { external: ['brand.example', 'other.example'] }));
    expect(certificateStacks.size).toBe(0);
    Template.fromStack(hostingStack!).hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: `mta-sts.${ZONE}`,
      DomainValidationOptions: [{ DomainName: `mta-sts.${ZONE}`, HostedZoneId: 'Z0DELEGATION' }],
    });
    const outside = build(config('eu-west-1', { external: ['brand.example'] }));
    expect(outside.certificateStacks.size).toBe(0);
    expect(certificates(outside.app.node.findChild('MtaStsProdHostingCertificate') as Stack)).toEqual([`mta-sts.${ZONE}`]);
  });

  test('the stack outputs are what `mta-sts records` prints: the hosting\'s routing endpoint, and each CNAME\'s zone-file line', () => {
    const c = config('us-east-1', { own: ['example.com'], external: ['brand.example'] });
    const { hostingStack, domains } = build(c);
    const outputsOf = (st: Stack) => Object.values(Template.fromStack(st).toJSON().Outputs as Record<string, { Description: string; Value: unknown }>).map((o) => ({ Description: o.Description, OutputValue: o.Value as string }));
    expect(outputValue(outputsOf(hostingStack!), 'routingEndpoint')).toBeDefined();
    const outputs = outputsOf(Stack.of(domains.get('brand.example')!));
    const [policyHost, tlsRpt, mtaSts] = renderZoneLines(stageDelegatedRecords(resolveStage(parseConfig(c)).domains, 'd111111abcdef8.cloudfront.net')[0].records);
    // One output, the lines in the order to make them; the endpoint is imported from the hosting stack.
    const value = Stack.of(domains.get('brand.example')!).resolve(outputValue(outputs, 'cnameRecords')) as { 'Fn::Join': [string, unknown[]] };
    const text = value['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'd111111abcdef8.cloudfront.net')).join('');
    expect(text.split('\n')).toEqual([policyHost, tlsRpt, mtaSts]);
  });

  test('the monitor reads an external domain\'s MX through DNS only: its role may list the Route 53 domain\'s zone, not the delegation zone', () => {
    const { monitor } = build(config('us-east-1', { own: ['example.com'], external: ['brand.example'] }));
    const policies = Template.fromStack(Stack.of(monitor!)).findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as { Sid?: string; Resource: unknown }[]);
    const list = statements.find((s) => s.Sid === 'ListOwnZonesMx')!;
    expect(JSON.stringify(list.Resource)).toContain('hostedzone/Z0EXAMPLE');
    expect(JSON.stringify(list.Resource)).not.toContain('Z0DELEGATION');
  });
});
