import { App, CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { MtaSts } from '../../lib/constructs/mta-sts';
import { MtaStsHosting } from '../../lib/constructs/mta-sts-hosting';
import { MtaStsMode } from '../../lib/policy/mode';
import { TlsRptDestination } from '../../lib/policy/tls-rpt-destination';
import { acknowledgementsOf, nagFindings } from '../helpers/nag';

const ENV = { account: '111111111111', region: 'us-east-1' };
const HOSTING_CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/hosting';
/** aws-cdk-lib's built-in template validation reports as errors, not warnings. */
const STRICT = { '@aws-cdk/core:validateAgainstDefaultRules': true };

const zoneOf = (stack: Stack, zoneName: string): route53.IHostedZone =>
  (stack.node.tryFindChild(`Zone-${zoneName}`) as route53.IHostedZone | undefined) ??
  route53.HostedZone.fromHostedZoneAttributes(stack, `Zone-${zoneName}`, { hostedZoneId: `Z${zoneName.length}EXAMPLE`, zoneName });

const logicalIdOf = (c: { node: { defaultChild?: unknown } } | CfnElement) => {
  const el = (c instanceof CfnElement ? c : c.node.defaultChild) as CfnElement;
  return Stack.of(el).getLogicalId(el);
};

/** A hosting stack and a domain stack holding `n` domains `d0.example` ... on that hosting. */
function make(n: number, names: string[] = Array.from({ length: n }, (_, i) => `d${i}.example`)) {
  const app = new App({ context: STRICT });
  const hostingStack = new Stack(app, 'Hosting', { env: ENV });
  const hosting = new MtaStsHosting(hostingStack, 'Hosting', { certificate: acm.Certificate.fromCertificateArn(hostingStack, 'HostingCert', HOSTING_CERT) });
  const stack = new Stack(app, 'Domains', { env: ENV });
  const domains = names.map(
    (d) =>
      new MtaSts(stack, d, {
        domainName: d,
        hostedZone: zoneOf(stack, d),
        mode: MtaStsMode.TESTING,
        mx: [`mx.${d}`],
        tlsRptDestinations: [TlsRptDestination.mailto("tlsrpt@reports.example.com")],
        hosting,
      }),
  );
  return { app, hostingStack, hosting, stack, domains, template: Template.fromStack(stack), hostingTemplate: Template.fromStack(hostingStack) };
}

describe('MtaSts on a shared hosting', () => {
  const { stack, hosting, domains, template, hostingTemplate } = make(3);

  test('no bucket, distribution or origin access control of its own: the hosting has the only ones', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'AWS::CloudFront::Distribution', 'AWS::CloudFront::OriginAccessControl']) {
      template.resourceCountIs(type, 0);
      hostingTemplate.resourceCountIs(type, 1);
    }
    // The hosting's stack holds nothing per domain.
    hostingTemplate.resourceCountIs('AWS::CloudFront::DistributionTenant', 0);
    hostingTemplate.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });

  test.each([0, 1, 2])('domain d%i: its tenant, certificate and A/AAAA aliases in its own stack, under its MtaSts', (i) => {
    const d = domains[i];
    template.hasResourceProperties('AWS::CloudFront::DistributionTenant', {
      Name: `mta-sts.d${i}.example`,
      Domains: [`mta-sts.d${i}.example`],
      Parameters: [{ Name: MtaStsHosting.DOMAIN_PARAMETER, Value: `d${i}.example` }],
      Customizations: { Certificate: { Arn: { Ref: logicalIdOf(d.certificate as acm.Certificate) } } },
    });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: `mta-sts.d${i}.example`, ValidationMethod: 'DNS' });
    for (const type of ['A', 'AAAA']) template.hasResourceProperties('AWS::Route53::RecordSet', { Name: `mta-sts.d${i}.example.`, Type: type });
    expect(d.node.findAll().some((c) => c === hosting.domains[i].tenant)).toBe(true);
    expect(d.bucket).toBe(hosting.bucket);
    expect(stack.resolve(d.distribution.distributionId)).toEqual(stack.resolve(hosting.distributionId));
  });

  test.each([0, 1, 2])('domain d%i: the publication writes <d>/.well-known/mta-sts.txt in the hosting bucket and invalidates its tenant', (i) => {
    const d = domains[i];
    const publication = template.toJSON().Resources[logicalIdOf(d.policyDeployment)];
    expect(publication.Properties).toEqual(
      expect.objectContaining({
        BucketName: stack.resolve(hosting.bucket.bucketName),
        ObjectKey: `d${i}.example/.well-known/mta-sts.txt`,
        DistributionTenantId: { 'Fn::GetAtt': [logicalIdOf(hosting.domains[i].tenant), 'Id'] },
        InvalidationPath: '/.well-known/mta-sts.txt',
        PolicyText: d.policyText,
        PolicyId: d.policyId,
        ContentType: 'text/plain',
        RetainOnDelete: 'false',
      }),
    );
    expect(publication.Properties).not.toHaveProperty('DistributionId');
  });

  test.each([0, 1, 2])('domain d%i: _mta-sts TXT depends on its own publication, which follows its tenant', (i) => {
    const resources = template.toJSON().Resources;
    const txt = resources[logicalIdOf(domains[i].mtaStsRecord)];
    expect(txt.DependsOn).toEqual(expect.arrayContaining([logicalIdOf(domains[i].policyDeployment)]));
    // Not on another domain's publication: each record waits for its own body only.
    for (const j of [0, 1, 2].filter((j) => j !== i)) expect(txt.DependsOn).not.toContain(logicalIdOf(domains[j].policyDeployment));
    // The publication reads the tenant's id, so CloudFormation creates the tenant first.
    expect(JSON.stringify(resources[logicalIdOf(domains[i].policyDeployment)].Properties)).toContain(logicalIdOf(hosting.domains[i].tenant));
  });

  test('one publisher per stack, granted the hosting once: key-prefix and tenant-ARN patterns', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2); // the publisher and the MX guard
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: { 'Fn::Join': ['', [Match.anyValue(), '/*/.well-known/mta-sts.txt']] } },
          {
            Effect: 'Allow',
            Action: ['cloudfront:CreateInvalidationForDistributionTenant', 'cloudfront:GetInvalidationForDistributionTenant'],
            Resource: { 'Fn::Join': ['', Match.arrayWith([':distribution-tenant/*'])] },
          },
        ]),
      },
    });
  });

  test("the publisher's policy does not grow with the number of domains", () => {
    const publisherStatements = (t: Template) =>
      Object.values(t.findResources('AWS::IAM::Policy'))
        .map((p) => p.Properties.PolicyDocument.Statement)
        .find((s) => JSON.stringify(s).includes('distribution-tenant/*'));
    const one = publisherStatements(make(1).template);
    expect(one).toBeDefined();
    expect(publisherStatements(make(40).template)).toEqual(one);
  });

  test('the hosting is referenced through a constant set of exports, whatever the number of domains', () => {
    const exportsOf = (t: Template) => Object.keys(t.toJSON().Outputs ?? {}).filter((k) => k.startsWith('ExportsOutput')).length;
    expect(exportsOf(make(40).hostingTemplate)).toBe(exportsOf(hostingTemplate));
  });

  test('one stack output per domain (the policy URL); the shared bucket and distribution are not repeated', () => {
    const outputs = Object.values(template.toJSON().Outputs ?? {}) as { Description: string }[];
    expect(outputs.filter((o) => o.Description.startsWith('cdk-mta-sts: policy URL'))).toHaveLength(3);
    expect(outputs.filter((o) => /policy bucket|policy distribution/.test(o.Description))).toHaveLength(0);
  });
});

describe('MtaSts on a shared hosting: certificates, ids and validation', () => {
  test('a given us-east-1 certificate is the tenant\'s, and none is made (a stack outside us-east-1)', () => {
    const app = new App({ context: STRICT });
    const hostingStack = new Stack(app, 'Hosting', { env: { account: '111111111111', region: 'eu-west-1' } });
    const hosting = new MtaStsHosting(hostingStack, 'Hosting', { certificate: acm.Certificate.fromCertificateArn(hostingStack, 'HostingCert', HOSTING_CERT) });
    const stack = new Stack(app, 'Domains', { env: { account: '111111111111', region: 'eu-west-1' } });
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
    new MtaSts(stack, 'example.com', { domainName: 'example.com', hostedZone: zoneOf(stack, 'example.com'), mx: ['mx.example.com'], certificate, hosting });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.hasResourceProperties('AWS::CloudFront::DistributionTenant', { Customizations: { Certificate: { Arn: 'arn:aws:acm:us-east-1:111111111111:certificate/abc' } } });
  });

  test('outside us-east-1 without a certificate: refused with the fixes, as without a hosting', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const hosting = new MtaStsHosting(stack, 'Hosting');
    expect(() => new MtaSts(stack, 'example.com', { domainName: 'example.com', hostedZone: zoneOf(stack, 'example.com'), mx: ['mx.example.com'], hosting })).toThrow(
      /`certificate` is not given and the stack is in eu-west-1, but CloudFront only takes certificates from us-east-1/,
    );
  });

  test('a domain given twice to one hosting is refused, naming the domain', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const hosting = new MtaStsHosting(stack, 'Hosting');
    const props = { domainName: 'example.com', hostedZone: zoneOf(stack, 'example.com'), mx: ['mx.example.com'], hosting };
    new MtaSts(stack, 'A', props);
    expect(() => new MtaSts(stack, 'B', props)).toThrow(/"example.com" is already in this hosting: add each domain once/);
  });

  test.each([
    ['priceClass', { priceClass: cloudfront.PriceClass.PRICE_CLASS_100 }],
    ['removalPolicy', { removalPolicy: RemovalPolicy.RETAIN }],
  ])('`%s` with `hosting` is refused (it would be ignored)', (prop, extra) => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const hosting = new MtaStsHosting(stack, 'Hosting');
    expect(() => new MtaSts(stack, 'example.com', { domainName: 'example.com', hostedZone: zoneOf(stack, 'example.com'), mx: ['mx.example.com'], hosting, ...extra })).toThrow(
      new RegExp(`\`${prop}\` is given with \`hosting\`, where it has no effect .*: remove \`${prop}\`, or remove \`hosting\` for a dedicated distribution`),
    );
  });

  test('a domain stack in another account than the hosting is refused', () => {
    const app = new App();
    const hosting = new MtaStsHosting(new Stack(app, 'H', { env: ENV }), 'Hosting');
    const stack = new Stack(app, 'S', { env: { account: '222222222222', region: 'us-east-1' } });
    expect(() => new MtaSts(stack, 'example.com', { domainName: 'example.com', hostedZone: zoneOf(stack, 'example.com'), mx: ['mx.example.com'], hosting })).toThrow(
      /`scope` of "example.com" is in account 222222222222, the hosting in 111111111111: a distribution tenant must be in the account of its distribution/,
    );
  });

  test("a domain's logical ids do not change when other domains are added before it", () => {
    const ids = (t: Template) => Object.keys(t.toJSON().Resources).filter((k) => k.includes('d1example'));
    const before = ids(make(0, ['d1.example']).template);
    expect(before.length).toBeGreaterThan(5);
    expect(ids(make(0, ['a.example', 'd1.example']).template)).toEqual(expect.arrayContaining(before));
  });

  test("aws-cdk-lib's template validation, as errors, passes (synth of 40 domains)", () => {
    // make() synthesizes with `validateAgainstDefaultRules`: a finding would throw.
    make(40).template.resourceCountIs('AWS::CloudFront::DistributionTenant', 40);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding, and every acknowledgement has its reason', () => {
    let domainScope: MtaSts | undefined;
    const out = nagFindings((stack) => {
      const hosting = new MtaStsHosting(stack, 'Hosting', { certificate: acm.Certificate.fromCertificateArn(stack, 'HostingCert', HOSTING_CERT) });
      for (const d of ['example.com', 'example.org']) {
        domainScope = new MtaSts(stack, d, { domainName: d, hostedZone: zoneOf(stack, d), mx: [`mx.${d}`], tlsRptDestinations: [TlsRptDestination.mailto("tlsrpt@reports.example.com")], hosting });
      }
    });
    expect(out).toBe('');
    const acks = acknowledgementsOf(Stack.of(domainScope!));
    expect(acks.map(([id]) => id.replace(/^Annotation::/, ''))).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution-tenant/*]',
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<HostingBucket[0-9A-F]+\.Arn>\/\*\/\.well-known\/mta-sts\.txt\]$/),
      ]),
    );
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(30);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding with the hosting in another stack', () => {
    const out = nagFindings((stack) => {
      const hostingStack = new Stack(stack.node.root, 'NagHosting', { env: ENV });
      const hosting = new MtaStsHosting(hostingStack, 'Hosting', { certificate: acm.Certificate.fromCertificateArn(hostingStack, 'HostingCert', HOSTING_CERT) });
      new MtaSts(stack, 'example.com', { domainName: 'example.com', hostedZone: zoneOf(stack, 'example.com'), mx: ['mx.example.com'], tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@reports.example.com')], hosting });
    });
    expect(out).toBe('');
  });
});
