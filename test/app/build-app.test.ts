import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStage } from '../../lib/app/build-app';
import { CONFIG_CONTEXT_KEY, MtaStsConfig, parseConfig, resolveStage } from '../../lib/config/stage-config';
import { MtaStsMode } from '../../lib/policy/mode';

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
