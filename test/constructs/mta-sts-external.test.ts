// MtaSts for a domain whose DNS is at another provider: `delegationZone` instead of `hostedZone`.
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { MtaSts, MtaStsProps } from '../../lib/constructs/mta-sts';
import { MtaStsHosting } from '../../lib/constructs/mta-sts-hosting';
import { OUTPUT_DESCRIPTIONS } from '../../lib/constructs/private/outputs';
import { DelegatedRecordKind } from '../../lib/policy/delegation';
import { MtaStsMode } from '../../lib/policy/mode';
import { TlsRptDestination } from '../../lib/policy/tls-rpt-destination';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const HOSTING_CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/hosting';
/** aws-cdk-lib's built-in template validation reports as errors, not warnings. */
const STRICT = { '@aws-cdk/core:validateAgainstDefaultRules': true };
const DELEGATION = 'mta-sts.ops.example.net';
const TLSRPT = [TlsRptDestination.mailto('tlsrpt@reports.example.net')];

const zoneOf = (stack: Stack, zoneName: string, id = `Zone-${zoneName}`): route53.IHostedZone =>
  (stack.node.tryFindChild(id) as route53.IHostedZone | undefined) ?? route53.HostedZone.fromHostedZoneAttributes(stack, id, { hostedZoneId: 'Z9DELEGATION', zoneName });
const logicalIdOf = (c: { node: { defaultChild?: unknown } }) => Stack.of(c as never).getLogicalId(c.node.defaultChild as CfnElement);

/** A hosting stack and a domain stack, both outside us-east-1 (no certificate is made), with one external domain. */
function make(props: Partial<MtaStsProps> = {}) {
  const app = new App({ context: STRICT });
  const hostingStack = new Stack(app, 'Hosting', { env: ENV });
  const hosting = new MtaStsHosting(hostingStack, 'Hosting', { certificate: acm.Certificate.fromCertificateArn(hostingStack, 'HostingCert', HOSTING_CERT) });
  const stack = new Stack(app, 'Domains', { env: ENV });
  const mtaSts = new MtaSts(stack, 'ExampleCom', {
    domainName: 'Example.COM',
    delegationZone: zoneOf(stack, DELEGATION),
    mode: MtaStsMode.ENFORCE,
    mx: ['mx1.example.com'],
    tlsRptDestinations: TLSRPT,
    hosting,
    ...props,
  });
  return { app, hosting, hostingStack, stack, mtaSts, template: Template.fromStack(stack) };
}

describe('MtaSts with delegationZone (DNS at another provider)', () => {
  const { stack, mtaSts, template, hosting } = make();

  test('the tenant requests a CloudFront-managed certificate and has no Customizations.Certificate; no ACM resource', () => {
    template.hasResourceProperties('AWS::CloudFront::DistributionTenant', {
      Domains: ['mta-sts.example.com'],
      ManagedCertificateRequest: { ValidationTokenHost: 'cloudfront', PrimaryDomainName: 'mta-sts.example.com', CertificateTransparencyLoggingPreference: 'enabled' },
      Customizations: Match.absent(),
    });
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    expect(mtaSts.certificate).toBeUndefined();
  });

  test('the TXT records are in the delegation zone, at _mta-sts.<d>.<zone> and _smtp._tls.<d>.<zone>', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'TXT', HostedZoneId: 'Z9DELEGATION', Name: `_mta-sts.example.com.${DELEGATION}.`, ResourceRecords: [Match.stringLikeRegexp('^"v=STSv1; id=')] });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'TXT', HostedZoneId: 'Z9DELEGATION', Name: `_smtp._tls.example.com.${DELEGATION}.`, ResourceRecords: ['"v=TLSRPTv1; rua=mailto:tlsrpt@reports.example.net"'] });
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
  });

  test('no A or AAAA alias records (the user makes the mta-sts CNAME)', () => {
    expect(template.findResources('AWS::Route53::RecordSet', { Properties: { Type: Match.stringLikeRegexp('^(A|AAAA)$') } })).toEqual({});
    expect(mtaSts.aliasRecord).toBeUndefined();
    expect(mtaSts.aliasRecordIpv6).toBeUndefined();
  });

  test('the _mta-sts record still depends on the publication', () => {
    const deps = template.toJSON().Resources[logicalIdOf(mtaSts.mtaStsRecord)].DependsOn as string[];
    expect(deps).toContain(stack.getLogicalId(mtaSts.policyDeployment.node.defaultChild as CfnElement));
  });

  test('delegatedRecords: the three CNAMEs in order, the policy host to the routing endpoint', () => {
    const records = mtaSts.delegatedRecords!;
    expect(records.map((r) => [r.kind, r.name, r.type])).toEqual([
      [DelegatedRecordKind.POLICY_HOST, 'mta-sts.example.com', 'CNAME'],
      [DelegatedRecordKind.TLS_RPT, '_smtp._tls.example.com', 'CNAME'],
      [DelegatedRecordKind.MTA_STS, '_mta-sts.example.com', 'CNAME'],
    ]);
    expect(records[1].target).toBe(`_smtp._tls.example.com.${DELEGATION}`);
    expect(records[2].target).toBe(`_mta-sts.example.com.${DELEGATION}`);
    expect(records[0].target).toBe(hosting.routingEndpoint);
  });

  test('one output with the zone-file lines of the CNAMEs, in the order to make them, under its stable description', () => {
    const found = Object.values(template.findOutputs('*')).filter((o) => String(o.Description).startsWith(OUTPUT_DESCRIPTIONS.cnameRecords));
    expect(found).toHaveLength(1);
    // The routing endpoint is the hosting's, imported from its stack; the rest are literals.
    const [sep, parts] = (found[0].Value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    expect(sep).toBe('');
    expect(parts[0]).toBe('mta-sts.example.com. 3600 IN CNAME ');
    expect(Object.keys(parts[1] as object)).toEqual(['Fn::ImportValue']);
    expect(parts.slice(2)).toEqual([
      `.\n_smtp._tls.example.com. 3600 IN CNAME _smtp._tls.example.com.${DELEGATION}.\n_mta-sts.example.com. 3600 IN CNAME _mta-sts.example.com.${DELEGATION}.`,
    ]);
  });
});

describe('MtaSts with delegationZone: variants', () => {
  test('without TLS-RPT destinations: no _smtp._tls record and no TLS-RPT CNAME line', () => {
    const { mtaSts, template } = make({ tlsRptDestinations: undefined, mode: MtaStsMode.ENFORCE });
    template.resourceCountIs('AWS::Route53::RecordSet', 1);
    const outputs = Object.values(template.findOutputs('*')).map((o) => String(o.Description));
    const lines = Object.values(template.findOutputs('*')).filter((o) => String(o.Description).startsWith(OUTPUT_DESCRIPTIONS.cnameRecords));
    expect(JSON.stringify(lines)).not.toContain('_smtp._tls');
    expect(JSON.stringify(lines)).toContain(`_mta-sts.example.com. 3600 IN CNAME _mta-sts.example.com.${DELEGATION}.`);
    expect(outputs.filter((d) => d.startsWith(OUTPUT_DESCRIPTIONS.cnameRecords))).toHaveLength(1);
    expect(mtaSts.delegatedRecords!.map((r) => r.kind)).toEqual([DelegatedRecordKind.POLICY_HOST, DelegatedRecordKind.MTA_STS]);
  });

  test('a given certificate is the tenant\'s, and no managed certificate is requested', () => {
    const { stack, template, mtaSts } = make({ certificate: acm.Certificate.fromCertificateArn(new Stack(new App(), 'X'), 'C', 'arn:aws:acm:us-east-1:111111111111:certificate/own') });
    template.hasResourceProperties('AWS::CloudFront::DistributionTenant', {
      ManagedCertificateRequest: Match.absent(),
      Customizations: { Certificate: { Arn: 'arn:aws:acm:us-east-1:111111111111:certificate/own' } },
    });
    expect(stack.resolve(mtaSts.certificate!.certificateArn)).toBe('arn:aws:acm:us-east-1:111111111111:certificate/own');
  });

  test('a domain with a hostedZone keeps its alias records and has no CNAME outputs or delegatedRecords', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { ...ENV, region: 'us-east-1' } });
    const hosting = new MtaStsHosting(stack, 'Hosting');
    const mtaSts = new MtaSts(stack, 'D', { domainName: 'example.org', hostedZone: zoneOf(stack, 'example.org'), mx: ['mx.example.org'], tlsRptDestinations: TLSRPT, hosting });
    const outputs = Object.values(Template.fromStack(stack).findOutputs('*')).map((o) => String(o.Description));
    expect(outputs.filter((d) => d.includes('CNAMEs to create'))).toEqual([]);
    expect(mtaSts.delegatedRecords).toBeUndefined();
    expect(mtaSts.aliasRecord).toBeDefined();
  });
});

describe('MtaSts with delegationZone: bad input', () => {
  /** Builds a domain stack with the props `f` gives; with a hosting unless `withHosting` is false. */
  const run = (f: (stack: Stack) => Partial<MtaStsProps>, withHosting = true) => () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const hosting = withHosting ? new MtaStsHosting(stack, 'Hosting') : undefined;
    new MtaSts(stack, 'D', { domainName: 'example.com', mx: ['mx1.example.com'], tlsRptDestinations: TLSRPT, hosting, ...f(stack) });
  };

  test('neither hostedZone nor delegationZone (zone-missing)', () => {
    expect(run(() => ({}))).toThrow(/`hostedZone` and `delegationZone` are both missing: give `hostedZone`.*or.*`delegationZone`.*with `hosting`$/);
  });

  test('both hostedZone and delegationZone (zone-both)', () => {
    expect(run((s) => ({ hostedZone: zoneOf(s, 'example.com'), delegationZone: zoneOf(s, DELEGATION) }))).toThrow(/`hostedZone` and `delegationZone` are both given: give `hostedZone` alone.*or `delegationZone` alone/);
  });

  test('delegationZone without hosting (delegation-needs-hosting)', () => {
    expect(run((s) => ({ delegationZone: zoneOf(s, DELEGATION) }), false)).toThrow(/`delegationZone` is given without `hosting`.*add `hosting`/);
  });

  test('a delegation zone inside the domain itself', () => {
    expect(run((s) => ({ delegationZone: zoneOf(s, 'ops.Example.com.') }))).toThrow(/the delegation zone "ops\.example\.com" is inside "example\.com" itself/);
  });

  test('a delegation zone that makes the TLS-RPT name too long', () => {
    const zone = `${'z'.repeat(60)}.${'y'.repeat(60)}.${'x'.repeat(60)}.${'w'.repeat(40)}.example.net`;
    expect(run((s) => ({ delegationZone: zoneOf(s, zone) }))).toThrow(/more than the 253 a DNS name may have: use a shorter delegation zone/);
  });
});
