import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { MtaStsHosting } from '../../lib/constructs/mta-sts-hosting';

const HOSTING_DOMAIN_PARAMETER = MtaStsHosting.DOMAIN_PARAMETER;
import { acknowledgementsOf, nagFindings } from '../helpers/nag';

const ENV = { account: '111111111111', region: 'us-east-1' };
const HOSTING_CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/hosting';
/** aws-cdk-lib's built-in template validation reports as errors, not warnings. */
const STRICT = { '@aws-cdk/core:validateAgainstDefaultRules': true };

const zoneOf = (stack: Stack, zoneName: string): route53.IHostedZone =>
  (stack.node.tryFindChild(`Zone-${zoneName}`) as route53.IHostedZone | undefined) ??
  route53.HostedZone.fromHostedZoneAttributes(stack, `Zone-${zoneName}`, { hostedZoneId: `Z${zoneName.length}EXAMPLE`, zoneName });

/** A stack with one hosting and `n` domains `d0.example` ... each in its own zone. */
function make(n: number, extra?: (stack: Stack, hosting: MtaStsHosting) => void, withCertificate = true) {
  const app = new App({ context: STRICT });
  const stack = new Stack(app, 'S', { env: ENV });
  const certificate = withCertificate ? acm.Certificate.fromCertificateArn(stack, 'HostingCert', HOSTING_CERT) : undefined;
  const hosting = new MtaStsHosting(stack, 'Hosting', { certificate });
  for (let i = 0; i < n; i++) hosting.addDomain(`d${i}.example`, { hostedZone: zoneOf(stack, `d${i}.example`) });
  extra?.(stack, hosting);
  return { app, stack, hosting, template: Template.fromStack(stack) };
}

const counted = [
  'AWS::CloudFront::Distribution',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::CloudFront::ConnectionGroup',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::Lambda::Function',
];

describe('MtaStsHosting shared resources', () => {
  const { stack, hosting, template } = make(2);

  test('one multi-tenant distribution: tenant-only, HTTPS only, TLSv1.2_2021 with SNI, GET/HEAD, no compression', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        ConnectionMode: 'tenant-only',
        Enabled: true,
        ViewerCertificate: { AcmCertificateArn: HOSTING_CERT, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'https-only',
          AllowedMethods: ['GET', 'HEAD'],
          CachedMethods: ['GET', 'HEAD'],
          Compress: false,
          CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
        }),
      }),
    });
  });

  test('no field CloudFront refuses on a multi-tenant distribution (aliases, IPv6 flag, price class, staging)', () => {
    const [dist] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const config = dist.Properties.DistributionConfig;
    for (const field of ['Aliases', 'IPV6Enabled', 'PriceClass', 'Staging', 'ContinuousDeploymentPolicyId', 'AnycastIpListId']) {
      expect(config).not.toHaveProperty(field);
    }
  });

  test('no warning when the security policy is pinned', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('hosting-security-policy'));
  });

  test('the origin path is the required tenant parameter, read through the origin access control', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' }),
    });
    const oacId = stack.resolve(hosting.originAccessControl.originAccessControlId);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [Match.objectLike({ OriginPath: `/{{${HOSTING_DOMAIN_PARAMETER}}}`, OriginAccessControlId: oacId, S3OriginConfig: { OriginAccessIdentity: '' } })],
        TenantConfig: { ParameterDefinitions: [{ Name: HOSTING_DOMAIN_PARAMETER, Definition: { StringSchema: Match.objectLike({ Required: true }) } }] },
      }),
    });
  });

  test('IPv6 on the one connection group every tenant uses', () => {
    template.resourceCountIs('AWS::CloudFront::ConnectionGroup', 1);
    template.hasResourceProperties('AWS::CloudFront::ConnectionGroup', { Enabled: true, Ipv6Enabled: true });
  });

  test('a private bucket readable by this distribution only, at the policy keys only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    const distId = stack.resolve(hosting.distributionId);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'AllowCloudFrontReadOfPolicies',
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/*/.well-known/mta-sts.txt']] },
            Condition: { StringEquals: { 'AWS:SourceArn': { 'Fn::Join': ['', Match.arrayWith([':distribution/', distId])] } } },
          },
        ]),
      },
    });
  });
});

describe('MtaStsHosting without a certificate of its own', () => {
  const { stack, template } = make(1, undefined, false);

  test('no ViewerCertificate (CloudFormation takes none without a certificate source), and a warning saying so', () => {
    const [dist] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    expect(dist.Properties.DistributionConfig).not.toHaveProperty('ViewerCertificate');
    Annotations.fromStack(stack).hasWarning('/S/Hosting', Match.stringLikeRegexp('cannot be set to TLSv1.2_2021.*pass a us-east-1 `certificate`'));
  });

  test('tenants still present their own certificate', () => {
    template.hasResourceProperties('AWS::CloudFront::DistributionTenant', { Customizations: { Certificate: { Arn: Match.anyValue() } } });
  });
});

describe('MtaStsHosting.addDomain', () => {
  const { stack, hosting, template } = make(2);

  test.each([0, 1])('domain d%i: a tenant for mta-sts.<d> with its domain parameter, connection group and certificate', (i) => {
    const d = hosting.domains[i];
    template.hasResourceProperties('AWS::CloudFront::DistributionTenant', {
      DistributionId: stack.resolve(hosting.distributionId),
      ConnectionGroupId: stack.resolve(hosting.connectionGroup.attrId),
      Name: `mta-sts.d${i}.example`,
      Domains: [`mta-sts.d${i}.example`],
      Enabled: true,
      Parameters: [{ Name: HOSTING_DOMAIN_PARAMETER, Value: `d${i}.example` }],
      Customizations: { Certificate: { Arn: stack.resolve(d.certificate!.certificateArn) } },
    });
    expect(d.policyObjectKey).toBe(`d${i}.example/.well-known/mta-sts.txt`);
  });

  test('the origin path and the tenant parameter make the object key <d>/.well-known/mta-sts.txt', () => {
    const [dist] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const originPath: string = dist.Properties.DistributionConfig.Origins[0].OriginPath;
    const [tenant] = Object.values(template.findResources('AWS::CloudFront::DistributionTenant'));
    const value = tenant.Properties.Parameters.find((p: { Name: string }) => p.Name === HOSTING_DOMAIN_PARAMETER).Value;
    const key = `${originPath.replace(`{{${HOSTING_DOMAIN_PARAMETER}}}`, value)}/.well-known/mta-sts.txt`.slice(1);
    expect(key).toBe('d0.example/.well-known/mta-sts.txt');
    expect(key).toBe(hosting.domains[0].policyObjectKey);
  });

  test('a DNS-validated certificate per domain, in its zone', () => {
    template.resourceCountIs('AWS::CertificateManager::Certificate', 2);
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'mta-sts.d1.example',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'mta-sts.d1.example', HostedZoneId: 'Z10EXAMPLE' }],
    });
  });

  test('A and AAAA aliases of mta-sts.<d> to the routing endpoint', () => {
    const endpoint = stack.resolve(hosting.routingEndpoint);
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'mta-sts.d0.example.',
        Type: type,
        HostedZoneId: 'Z10EXAMPLE',
        AliasTarget: { DNSName: endpoint, HostedZoneId: Match.anyValue() },
      });
    }
  });

  test('a given certificate is used and none is made; without a zone, no records', () => {
    const app = new App();
    const s = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const h = new MtaStsHosting(s, 'Hosting');
    const certificate = acm.Certificate.fromCertificateArn(s, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
    const d = h.addDomain('Example.COM', { certificate });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    t.hasResourceProperties('AWS::CloudFront::DistributionTenant', {
      Domains: ['mta-sts.example.com'],
      Customizations: { Certificate: { Arn: 'arn:aws:acm:us-east-1:111111111111:certificate/abc' } },
    });
    expect(d.aliasRecord).toBeUndefined();
  });

  test('neither zone nor certificate (DNS elsewhere): a CloudFront-managed certificate, validated by CloudFront, no ACM resource, no region constraint', () => {
    const app = new App({ context: STRICT });
    const s = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const h = new MtaStsHosting(s, 'Hosting');
    const d = h.addDomain('Example.COM');
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    t.hasResourceProperties('AWS::CloudFront::DistributionTenant', {
      Domains: ['mta-sts.example.com'],
      ManagedCertificateRequest: { ValidationTokenHost: 'cloudfront', PrimaryDomainName: 'mta-sts.example.com', CertificateTransparencyLoggingPreference: 'enabled' },
      Customizations: Match.absent(),
    });
    expect(d.certificate).toBeUndefined();
    expect(d.aliasRecord).toBeUndefined();
  });

  test('a given certificate wins over the managed one', () => {
    const { template } = make(0, (stack, hosting) => {
      hosting.addDomain('example.com', { certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc') });
    });
    template.hasResourceProperties('AWS::CloudFront::DistributionTenant', { ManagedCertificateRequest: Match.absent(), Customizations: Match.objectLike({ Certificate: Match.anyValue() }) });
  });

  test('the routing endpoint is a stack output with its stable description', () => {
    const { stack, hosting, template } = make(1);
    const outputs = Object.values(template.findOutputs('*'));
    const routing = outputs.filter((o) => String(o.Description).startsWith('cdk-mta-sts: hosting routing endpoint'));
    expect(routing).toHaveLength(1);
    expect(routing[0].Value).toEqual(stack.resolve(hosting.routingEndpoint));
  });

  test("a domain's logical ids do not change when other domains are added before it", () => {
    const idsOf = (t: Template) => Object.keys(t.findResources('AWS::CloudFront::DistributionTenant'));
    const a = make(1).template;
    const app = new App();
    const s = new Stack(app, 'S', { env: ENV });
    const h = new MtaStsHosting(s, 'Hosting');
    h.addDomain('other.example', { hostedZone: zoneOf(s, 'other.example') });
    h.addDomain('d0.example', { hostedZone: zoneOf(s, 'd0.example') });
    expect(idsOf(Template.fromStack(s))).toEqual(expect.arrayContaining(idsOf(a)));
  });
});

describe('MtaStsHosting account footprint', () => {
  const countsOf = (t: Template) => Object.fromEntries(counted.map((type) => [type, Object.keys(t.findResources(type)).length]));
  const one = make(1).template;

  test.each([10, 100])('with %i domains, only the tenant, certificate and two records per domain are added', (n) => {
    const t = make(n).template;
    expect(countsOf(t)).toEqual(countsOf(one));
    t.resourceCountIs('AWS::CloudFront::DistributionTenant', n);
    t.resourceCountIs('AWS::CertificateManager::Certificate', n);
    t.resourceCountIs('AWS::Route53::RecordSet', 2 * n);
    expect(Object.keys(t.toJSON().Resources).length).toBe(Object.keys(one.toJSON().Resources).length + 4 * (n - 1));
  });

  test('the bucket policy does not grow with the number of domains', () => {
    const statements = (t: Template) => Object.values(t.findResources('AWS::S3::BucketPolicy'))[0].Properties.PolicyDocument.Statement.length;
    expect(statements(make(100).template)).toBe(statements(one));
  });

  test('grantPublish: two statements whatever the number of domains (key and tenant-ARN patterns)', () => {
    const statementsWith = (n: number) =>
      make(n, (stack, hosting) => {
        hosting.grantPublish(new iam.Role(stack, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
      }).template;
    const t1 = statementsWith(1);
    const t100 = statementsWith(100);
    const policy = (t: Template) => Object.values(t.findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
    expect(policy(t100)).toEqual(policy(t1));
    t100.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Resource: { 'Fn::Join': ['', [Match.anyValue(), '/*/.well-known/mta-sts.txt']] } }),
          Match.objectLike({
            Action: ['cloudfront:CreateInvalidationForDistributionTenant', 'cloudfront:GetInvalidationForDistributionTenant'],
            Resource: { 'Fn::Join': ['', Match.arrayWith([':distribution-tenant/*'])] },
          }),
        ]),
      },
    });
  });
});

describe('MtaStsHosting synthesis and cdk-nag', () => {
  test.each([
    ['with', true],
    ['without', false],
  ])("aws-cdk-lib's template validation, as errors, passes %s the hosting certificate (synth of 100 domains)", (_, withCertificate) => {
    // make() synthesizes with `validateAgainstDefaultRules`: a finding would throw.
    const { template } = make(100, undefined, withCertificate);
    template.resourceCountIs('AWS::CloudFront::DistributionTenant', 100);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    const out = nagFindings((stack) => {
      const hosting = new MtaStsHosting(stack, 'Hosting', { certificate: acm.Certificate.fromCertificateArn(stack, 'HostingCert', HOSTING_CERT) });
      hosting.addDomain('example.com', { hostedZone: zoneOf(stack, 'example.com') });
      hosting.addDomain('example.org', { hostedZone: zoneOf(stack, 'example.org') });
    });
    expect(out).toBe('');
  });

  test('every acknowledgement carries its reason', () => {
    const { hosting } = make(1);
    const acks = acknowledgementsOf(hosting);
    // Recorded with CDK's `Annotation::` prefix.
    expect(acks.map(([id]) => id.replace(/^Annotation::/, '')).sort()).toEqual(['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR3', 'AwsSolutions-S1']);
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(30);
  });
});

describe('MtaStsHosting bad input', () => {
  const fresh = (region = 'us-east-1') => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region } });
    return { stack, hosting: new MtaStsHosting(stack, 'Hosting') };
  };

  test('a domain added twice', () => {
    const { stack, hosting } = fresh();
    hosting.addDomain('example.com', { hostedZone: zoneOf(stack, 'example.com') });
    expect(() => hosting.addDomain('EXAMPLE.com.', { hostedZone: zoneOf(stack, 'example.com') })).toThrow(/"example.com" is already in this hosting: add each domain once/);
  });

  test('a domain outside its zone', () => {
    const { stack, hosting } = fresh();
    expect(() => hosting.addDomain('example.com', { hostedZone: zoneOf(stack, 'example.org') })).toThrow(/"example.com" is not in the hosted zone "example.org"/);
  });

  test('a managed certificate keeps the 64-character limit of a certificate name', () => {
    const { hosting } = fresh('eu-west-1');
    const long = `${'a'.repeat(50)}.example.com`;
    expect(() => hosting.addDomain(long)).toThrow(/of 70 characters, more than the 64 ACM allows/);
  });

  test('a certificate to make outside us-east-1', () => {
    const { stack, hosting } = fresh('eu-west-1');
    expect(() => hosting.addDomain('example.com', { hostedZone: zoneOf(stack, 'example.com') })).toThrow(/stack is in eu-west-1, but CloudFront only takes certificates from us-east-1/);
  });

  test('a certificate to make when the region is unknown', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const hosting = new MtaStsHosting(stack, 'Hosting');
    expect(() => hosting.addDomain('example.com', { hostedZone: zoneOf(stack, 'example.com') })).toThrow(/region is not known at synth time/);
  });

  test('a name that is not a domain', () => {
    const { hosting } = fresh();
    expect(() => hosting.addDomain('exa mple.com')).toThrow(/`domainName` must be a domain name, got "exa mple.com"/);
  });

  test('more domains than an account has distribution tenants', () => {
    const { stack, hosting } = fresh();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
    for (let i = 0; i < MtaStsHosting.MAX_TENANTS_PER_ACCOUNT; i++) hosting.addDomain(`d${i}.example`, { certificate });
    expect(() => hosting.addDomain('one-more.example', { certificate })).toThrow(
      /"one-more.example" would be domain 10001 of this hosting, more than the 10000 distribution tenants an account has by default/,
    );
  });

  test('a comment over 128 characters', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    expect(() => new MtaStsHosting(stack, 'Hosting', { comment: 'x'.repeat(129) })).toThrow(/`comment` must be at most 128 characters, got 129/);
  });
});
