import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { MtaSts, MtaStsProps, MxGuard } from '../../lib/constructs/mta-sts';
import { MtaStsHosting } from '../../lib/constructs/mta-sts-hosting';
import { MtaStsMode } from '../../lib/policy/mode';
import { TlsRptDestination } from '../../lib/policy/tls-rpt-destination';
import { nagFindings } from '../helpers/nag';

const ENV = { account: '111111111111', region: 'us-east-1' };
const GUARD_TYPE = 'Custom::MtaStsMxGuard';

function make(props: Partial<MtaStsProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: ENV });
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
  const mtaSts = new MtaSts(stack, 'ExampleCom', {
    domainName: 'example.com',
    hostedZone,
    mx: ['mx1.example.com', '*.mx.example.com'],
    tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.com')],
    ...props,
  });
  return { stack, hostedZone, mtaSts, template: Template.fromStack(stack) };
}

const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const dependsOn = (template: Template, id: string): string[] => (template.toJSON().Resources[id].DependsOn as string[] | undefined) ?? [];
const guardFunctions = (template: Template) => template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('checks the live MX records') } });

describe('MxGuard defaults per mode', () => {
  test.each([
    [MtaStsMode.ENFORCE, MxGuard.FAIL],
    [MtaStsMode.TESTING, MxGuard.REPORT],
  ])('mode %s gets a guard in mode %s, with the policy id and patterns as properties', (mode, guardMode) => {
    const { mtaSts, template } = make({ mode });
    template.resourceCountIs(GUARD_TYPE, 1);
    template.hasResourceProperties(GUARD_TYPE, {
      HostedZoneId: 'Z1EXAMPLE',
      DomainName: 'example.com',
      GuardMode: guardMode,
      PolicyMode: mode,
      PolicyId: mtaSts.policyId,
      MxPatterns: ['*.mx.example.com', 'mx1.example.com'],
    });
    expect(mtaSts.mxGuardResource).toBeDefined();
    expect(mtaSts.node.tryFindChild('MxGuard')).toBe(mtaSts.mxGuardResource);
  });

  test('mode none gets no guard, no guard Lambda', () => {
    const { mtaSts, template } = make({ mode: MtaStsMode.NONE });
    template.resourceCountIs(GUARD_TYPE, 0);
    expect(Object.keys(guardFunctions(template))).toHaveLength(0);
    expect(mtaSts.mxGuardResource).toBeUndefined();
  });

  test('MxGuard.OFF removes the guard even in enforce, with a warning', () => {
    const { stack, mtaSts, template } = make({ mode: MtaStsMode.ENFORCE, mxGuard: MxGuard.OFF });
    template.resourceCountIs(GUARD_TYPE, 0);
    expect(Object.keys(guardFunctions(template))).toHaveLength(0);
    expect(mtaSts.mxGuardResource).toBeUndefined();
    Annotations.fromStack(stack).hasWarning('/S/ExampleCom', Match.stringLikeRegexp('mxGuard.*off.*enforce'));
  });

  test('an explicit mode wins over the default: REPORT in enforce (warned), FAIL in testing (not warned)', () => {
    const enforce = make({ mode: MtaStsMode.ENFORCE, mxGuard: MxGuard.REPORT });
    enforce.template.hasResourceProperties(GUARD_TYPE, { GuardMode: 'report', PolicyMode: 'enforce' });
    Annotations.fromStack(enforce.stack).hasWarning('/S/ExampleCom', Match.stringLikeRegexp('mxGuard.*report.*enforce'));

    const testing = make({ mode: MtaStsMode.TESTING, mxGuard: MxGuard.FAIL });
    testing.template.hasResourceProperties(GUARD_TYPE, { GuardMode: 'fail', PolicyMode: 'testing' });
    Annotations.fromStack(testing.stack).hasNoWarning('/S/ExampleCom', Match.stringLikeRegexp('mxGuard'));
  });

  test('the default enforce guard adds no warning', () => {
    const { stack } = make({ mode: MtaStsMode.ENFORCE });
    Annotations.fromStack(stack).hasNoWarning('/S/ExampleCom', Match.stringLikeRegexp('mxGuard'));
  });
});

describe('MxGuard ordering: guard -> publication -> _mta-sts record', () => {
  const { stack, mtaSts, template } = make({ mode: MtaStsMode.ENFORCE });
  const guardId = logicalId(stack, mtaSts.mxGuardResource!);
  const publicationId = logicalId(stack, mtaSts.policyDeployment);
  const txtId = logicalId(stack, mtaSts.mtaStsRecord);

  test('the publication depends on the guard', () => {
    expect(dependsOn(template, publicationId)).toContain(guardId);
  });

  test('the _mta-sts record depends on the publication, and not the other way round', () => {
    expect(dependsOn(template, txtId)).toContain(publicationId);
    expect(dependsOn(template, guardId)).not.toContain(publicationId);
    expect(dependsOn(template, publicationId)).not.toContain(txtId);
  });

  test('the guard waits for its role policy (the grant is in place before it runs)', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'route53:ListResourceRecordSets' })]) } },
    });
    const [policyId] = Object.keys(policies);
    expect(policyId).toBeDefined();
    expect(dependsOn(template, guardId)).toContain(policyId);
  });

  test('the guard calls the guard Lambda (Node.js 24, arm64)', () => {
    const fns = guardFunctions(template);
    expect(Object.keys(fns)).toHaveLength(1);
    const [fnId] = Object.keys(fns);
    expect(fns[fnId].Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(template.toJSON().Resources[guardId].Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
  });
});

describe('MxGuard IAM', () => {
  test('route53:ListResourceRecordSets on exactly the zone ARN, DescribeStacks on exactly this stack', () => {
    const { stack, hostedZone, template } = make({ mode: MtaStsMode.ENFORCE });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{ Action: 'route53:ListResourceRecordSets', Effect: 'Allow', Resource: stack.resolve(hostedZone.hostedZoneArn) }]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{ Action: 'cloudformation:DescribeStacks', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } }]),
      },
    });
    // No Route 53 or CloudFormation action on "*" anywhere.
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    for (const s of statements.filter((st) => [st.Action].flat().some((a) => /^(route53|cloudformation):/.test(a)))) {
      expect(JSON.stringify(s.Resource)).not.toContain('"*"');
    }
  });

  test('one guard Lambda per stack; each zone granted once, in one statement', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const zoneA = route53.HostedZone.fromHostedZoneAttributes(stack, 'ZoneA', { hostedZoneId: 'Z1AAAA', zoneName: 'a.com' });
    const zoneB = route53.HostedZone.fromHostedZoneAttributes(stack, 'ZoneB', { hostedZoneId: 'Z1BBBB', zoneName: 'b.com' });
    new MtaSts(stack, 'A', { domainName: 'a.com', hostedZone: zoneA, mx: ['mx.a.com'], mode: MtaStsMode.ENFORCE });
    new MtaSts(stack, 'SubA', { domainName: 'sub.a.com', hostedZone: zoneA, mx: ['mx.a.com'], mode: MtaStsMode.TESTING });
    new MtaSts(stack, 'B', { domainName: 'b.com', hostedZone: zoneB, mx: ['mx.b.com'], mode: MtaStsMode.ENFORCE });
    const template = Template.fromStack(stack);
    template.resourceCountIs(GUARD_TYPE, 3);
    expect(Object.keys(guardFunctions(template))).toHaveLength(1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 'route53:ListResourceRecordSets', Effect: 'Allow', Resource: [stack.resolve(zoneA.hostedZoneArn), stack.resolve(zoneB.hostedZoneArn)] },
        ]),
      },
    });
  });
});

describe('MxGuard of a domain on external DNS (delegationZone)', () => {
  /** A stack with one external domain (enforce) and, with `withZoneDomain`, one domain in Route 53. */
  function external(withZoneDomain: boolean) {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const hosting = new MtaStsHosting(stack, 'Hosting');
    const delegationZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Delegation', { hostedZoneId: 'Z9DELEGATION', zoneName: 'mta-sts.ops.example.net' });
    const ext = new MtaSts(stack, 'Ext', { domainName: 'example.com', delegationZone, hosting, mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'] });
    const zoneB = route53.HostedZone.fromHostedZoneAttributes(stack, 'ZoneB', { hostedZoneId: 'Z1BBBB', zoneName: 'b.com' });
    if (withZoneDomain) new MtaSts(stack, 'B', { domainName: 'b.com', hostedZone: zoneB, mx: ['mx.b.com'], mode: MtaStsMode.ENFORCE });
    return { stack, ext, zoneB, template: Template.fromStack(stack) };
  }
  const route53Statements = (template: Template) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement)
      .filter((st) => [st.Action].flat().some((a) => a.startsWith('route53:')));

  test('the guard reads DNS: MxSource dns, no HostedZoneId, still before the publication', () => {
    const { stack, ext, template } = external(false);
    template.hasResourceProperties(GUARD_TYPE, { MxSource: 'dns', HostedZoneId: Match.absent(), DomainName: 'example.com', GuardMode: 'fail' });
    expect(dependsOn(template, stack.getLogicalId(ext.policyDeployment.node.defaultChild as CfnElement))).toContain(stack.getLogicalId(ext.mxGuardResource!.node.defaultChild as CfnElement));
  });

  test('no route53:ListResourceRecordSets in any policy when every domain of the stack is external', () => {
    const { template } = external(false);
    expect(route53Statements(template)).toEqual([]);
  });

  test('beside a Route 53 domain: one guard Lambda, the Route 53 grant names that zone only', () => {
    const { stack, zoneB, template } = external(true);
    expect(Object.keys(guardFunctions(template))).toHaveLength(1);
    expect(route53Statements(template)).toEqual([{ Action: 'route53:ListResourceRecordSets', Effect: 'Allow', Resource: stack.resolve(zoneB.hostedZoneArn) }]);
    template.hasResourceProperties(GUARD_TYPE, { HostedZoneId: 'Z1BBBB', MxSource: Match.absent() });
  });
});

describe('MxGuard re-runs', () => {
  const guardProps = (props: Partial<MtaStsProps>) => {
    const { template } = make({ mode: MtaStsMode.ENFORCE, ...props });
    return Object.values(template.findResources(GUARD_TYPE))[0].Properties as Record<string, unknown>;
  };

  test('the properties are the same on every synth (deterministic: no update without a change)', () => {
    expect(guardProps({})).toEqual(guardProps({}));
  });

  test.each<[string, Partial<MtaStsProps>]>([
    ['mx', { mx: ['mx1.example.com'] }],
    ['mode', { mode: MtaStsMode.TESTING }],
  ])('a change of %s changes the properties (CloudFormation calls Update, the guard runs again)', (_what, change) => {
    expect(guardProps(change)).not.toEqual(guardProps({}));
  });
});

describe('MxGuard and cdk-nag', () => {
  test.each([MtaStsMode.ENFORCE, MtaStsMode.TESTING])('no unacknowledged AwsSolutions finding with the guard in mode %s (two zones)', (mode) => {
    const out = nagFindings((stack) => {
      const zoneA = route53.HostedZone.fromHostedZoneAttributes(stack, 'ZoneA', { hostedZoneId: 'Z1AAAA', zoneName: 'a.com' });
      const zoneB = route53.HostedZone.fromHostedZoneAttributes(stack, 'ZoneB', { hostedZoneId: 'Z1BBBB', zoneName: 'b.com' });
      new MtaSts(stack, 'A', { domainName: 'a.com', hostedZone: zoneA, mx: ['mx.a.com'], mode });
      new MtaSts(stack, 'B', { domainName: 'b.com', hostedZone: zoneB, mx: ['mx.b.com'], mode });
    }, ENV);
    expect(out).toBe('');
  });
});
