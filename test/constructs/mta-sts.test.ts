import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { MtaSts, MtaStsProps } from '../../lib/constructs/mta-sts';
import { MtaStsCertificate } from '../../lib/constructs/mta-sts-certificate';
import { MtaStsMode } from '../../lib/policy/mode';
import { TlsRptDestination } from '../../lib/policy/tls-rpt-destination';

const ENV = { account: '111111111111', region: 'us-east-1' };

function make(props: Partial<MtaStsProps> = {}, env: { account?: string; region?: string } | null = ENV, zoneName = 'example.com') {
  const app = new App();
  const stack = new Stack(app, 'S', { env: env ?? undefined });
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName });
  const mtaSts = new MtaSts(stack, 'ExampleCom', {
    domainName: 'example.com',
    hostedZone,
    mx: ['mx1.example.com', 'mx2.example.com'],
    tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.com')],
    ...props,
  });
  return { app, stack, mtaSts, template: Template.fromStack(stack) };
}

const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);

describe('MtaSts resources', () => {
  const { stack, mtaSts, template } = make();

  test('a private, encrypted, SSL-only bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' }),
        ]),
      },
    });
  });

  test('a CloudFront distribution for mta-sts.<domain>: OAC, HTTPS only, TLS 1.2_2021, SNI, IPv6', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['mta-sts.example.com'],
        IPV6Enabled: true,
        ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' }),
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'https-only', Compress: false, AllowedMethods: ['GET', 'HEAD'] }),
      }),
    });
  });

  test('a DNS-validated certificate for mta-sts.<domain> in the zone', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'mta-sts.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'mta-sts.example.com', HostedZoneId: 'Z1EXAMPLE' }],
    });
  });

  test('A and AAAA alias records for the policy host', () => {
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'mta-sts.example.com.',
        Type: type,
        HostedZoneId: 'Z1EXAMPLE',
        AliasTarget: Match.objectLike({ DNSName: { 'Fn::GetAtt': [logicalId(stack, mtaSts.distribution), 'DomainName'] } }),
      });
    }
  });

  test('the two TXT records with the exact values', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: '_mta-sts.example.com.',
      Type: 'TXT',
      TTL: '300',
      ResourceRecords: [`"v=STSv1; id=${mtaSts.policyId};"`],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: '_smtp._tls.example.com.',
      Type: 'TXT',
      ResourceRecords: ['"v=TLSRPTv1; rua=mailto:tlsrpt@example.com"'],
    });
  });

  test('the policy publication writes the exact body as text/plain and invalidates the path', () => {
    template.hasResourceProperties('Custom::MtaStsPolicy', {
      BucketName: { Ref: logicalId(stack, mtaSts.bucket) },
      ObjectKey: '.well-known/mta-sts.txt',
      PolicyText: 'version: STSv1\r\nmode: testing\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 86400\r\n',
      PolicyId: mtaSts.policyId,
      ContentType: 'text/plain',
      CacheControl: 'max-age=60',
      DistributionId: { Ref: logicalId(stack, mtaSts.distribution) },
    });
  });

  test('the _mta-sts record depends on the publication (the id changes only once the body is live)', () => {
    const txt = template.toJSON().Resources[logicalId(stack, mtaSts.mtaStsRecord)];
    expect(txt.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(mtaSts.policyDeployment.node.defaultChild as CfnElement)]));
  });

  test('the publication waits for the publisher and its scoped permissions', () => {
    const publication = template.toJSON().Resources[stack.getLogicalId(mtaSts.policyDeployment.node.defaultChild as CfnElement)];
    const publisherPolicies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, p]) => JSON.stringify(p).includes('s3:PutObject'));
    expect(publisherPolicies).toHaveLength(1);
    expect(publication.DependsOn).toEqual(expect.arrayContaining([publisherPolicies[0][0]]));
  });

  test('the publisher may write exactly the policy object and invalidate exactly this distribution', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['s3:PutObject', 's3:DeleteObject'],
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, mtaSts.bucket), 'Arn'] }, '/.well-known/mta-sts.txt']] },
          },
          {
            Effect: 'Allow',
            Action: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
            Resource: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':distribution/$'), { Ref: logicalId(stack, mtaSts.distribution) }])] }),
          },
        ]),
      },
    });
  });

  test('the publisher runs on a current Node.js runtime with a bounded log retention', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Handler: 'index.handler', Timeout: 900 });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('public attributes', () => {
    expect(mtaSts.policyUrl).toBe('https://mta-sts.example.com/.well-known/mta-sts.txt');
    expect(mtaSts.policyText).toBe(mtaSts.policy.text);
    expect(mtaSts.domainName).toBe('example.com');
    expect(mtaSts.tlsRptRecord).toBeDefined();
  });
});

describe('policy id in the template', () => {
  const txtValue = (t: Template) => {
    const records = t.findResources('AWS::Route53::RecordSet', { Properties: { Name: '_mta-sts.example.com.' } });
    return Object.values(records)[0].Properties.ResourceRecords[0] as string;
  };

  test('is identical across two synths', () => {
    expect(txtValue(make().template)).toBe(txtValue(make().template));
  });

  test('is unchanged when mx are reordered or re-cased', () => {
    expect(txtValue(make({ mx: ['MX2.example.com.', 'mx1.example.com'] }).template)).toBe(txtValue(make().template));
  });

  test.each([
    ['mode', { mode: MtaStsMode.ENFORCE, maxAge: Duration.days(14) }],
    ['mx', { mx: ['mx1.example.com', 'mx3.example.com'] }],
    ['max_age', { maxAge: Duration.days(2) }],
  ])('changes when %s changes', (_what, props) => {
    expect(txtValue(make(props).template)).not.toBe(txtValue(make().template));
  });

  test('an explicit id is published as given, with a warning', () => {
    const { stack, template } = make({ policyId: '20261128T000000' });
    expect(txtValue(template)).toBe('"v=STSv1; id=20261128T000000;"');
    Annotations.fromStack(stack).hasWarning('/S/ExampleCom', Match.stringLikeRegexp('`policyId` is fixed to "20261128T000000"'));
  });
});

describe('domains and zones', () => {
  test('a domain below the hosted zone gets its records in that zone', () => {
    const { template } = make({ domainName: 'Mail.Dev.Example.com.', mx: ['mx.dev.example.com'] });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: '_mta-sts.mail.dev.example.com.', HostedZoneId: 'Z1EXAMPLE' });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'mta-sts.mail.dev.example.com.', Type: 'A' });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'mta-sts.mail.dev.example.com' });
  });

  test('no TLS-RPT record without destinations', () => {
    const { mtaSts, template } = make({ tlsRptDestinations: undefined });
    expect(mtaSts.tlsRptRecord).toBeUndefined();
    expect(template.findResources('AWS::Route53::RecordSet', { Properties: { Name: '_smtp._tls.example.com.' } })).toEqual({});
  });

  test('many domains in one stack share one publisher and collide nowhere', () => {
    const app = new App();
    const stack = new Stack(app, 'Many', { env: ENV });
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
    for (let i = 0; i < 5; i++) {
      new MtaSts(stack, `D${i}`, { domainName: `d${i}.example.com`, hostedZone: zone, mx: [`mx.d${i}.example.com`] });
    }
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudFront::Distribution', 5);
    t.resourceCountIs('Custom::MtaStsPolicy', 5);
    // One publisher and one MX guard per stack, whatever the number of domains.
    t.resourceCountIs('AWS::Lambda::Function', 2);
    t.resourceCountIs('AWS::IAM::Role', 2);
  });
});

describe('certificates and regions', () => {
  test('outside us-east-1 without a certificate: refused with both fixes', () => {
    expect(() => make({}, { account: '111111111111', region: 'eu-west-1' })).toThrow(
      /`certificate` is not given and the stack is in eu-west-1, but CloudFront only takes certificates from us-east-1: either deploy this stack in us-east-1, or create the certificate in a us-east-1 stack .* `crossRegionReferences: true` .* pass it as `certificate`/,
    );
  });

  test('an environment-agnostic stack without a certificate: refused', () => {
    expect(() => make({}, null)).toThrow(/the stack's region is not known at synth time/);
  });

  test('outside us-east-1 with a certificate from a us-east-1 stack', () => {
    const app = new App();
    const certStack = new Stack(app, 'Certs', { env: ENV, crossRegionReferences: true });
    const euStack = new Stack(app, 'Eu', { env: { account: ENV.account, region: 'eu-west-1' }, crossRegionReferences: true });
    const certZone = route53.HostedZone.fromHostedZoneAttributes(certStack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
    const euZone = route53.HostedZone.fromHostedZoneAttributes(euStack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
    const cert = new MtaStsCertificate(certStack, 'Cert', { domainName: 'example.com', hostedZone: certZone });
    new MtaSts(euStack, 'ExampleCom', { domainName: 'example.com', hostedZone: euZone, mx: ['mx1.example.com'], certificate: cert.certificate });
    Template.fromStack(certStack).hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'mta-sts.example.com' });
    const eu = Template.fromStack(euStack);
    eu.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    eu.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ ViewerCertificate: Match.objectLike({ AcmCertificateArn: Match.anyValue() }) }),
    });
  });

  test('a given certificate is used instead of creating one', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
    new MtaSts(stack, 'X', { domainName: 'example.com', hostedZone: zone, mx: ['mx1.example.com'], certificate });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ ViewerCertificate: Match.objectLike({ AcmCertificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/abc' }) }),
    });
  });
});

describe('warnings for legal but risky settings', () => {
  test.each([
    [{ mode: MtaStsMode.ENFORCE, maxAge: Duration.days(7) }, 'max-age-short-enforce', /below 1209600 \(two weeks\) MailCheck warns/],
    [{ mode: MtaStsMode.TESTING, maxAge: Duration.hours(1) }, 'max-age-short-testing', /below 86400 \(one day\)/],
    [{ mode: MtaStsMode.NONE }, 'mode-none', /To finish a removal \(RFC 8461 section 8.3\): deploy this, wait at least the old max_age, then remove the MtaSts construct/],
  ])('%j warns %s', (props, id, message) => {
    const { stack } = make(props);
    const warnings = Annotations.fromStack(stack).findWarning('/S/ExampleCom', Match.stringLikeRegexp('.*'));
    const ours = warnings.map((w) => String(w.entry.data));
    expect(ours.some((m) => message.test(m) && m.includes(`cdk-mta-sts:${id}`))).toBe(true);
  });

  test('the defaults warn about nothing', () => {
    const { stack } = make();
    expect(Annotations.fromStack(stack).findWarning('/S/ExampleCom', Match.stringLikeRegexp('cdk-mta-sts'))).toEqual([]);
  });
});

describe('bad input is refused at synth with the field, the value and the fix', () => {
  test.each([
    ['an invalid domain name', { domainName: 'example..com' }, /`domainName` must be a domain name, got "example..com": it has an empty label/],
    ['a domain outside the zone', { domainName: 'example.org' }, /`domainName` "example.org" is not in the hosted zone "example.com"/],
    ['an unknown mode', { mode: 'strict' as MtaStsMode }, /`mode` must be one of enforce, testing or none \(lower case\), got "strict"/],
    ['no mx in testing', { mx: [] }, /`mx` is empty/],
    ['a bad mx', { mx: ['mail.*.example.com'] }, /`mx\[0\]` "mail.\*.example.com" is not a valid MX pattern/],
    ['max_age 0', { maxAge: Duration.seconds(0) }, /`maxAge` must be at least 1 second, got 0/],
    ['max_age too large', { maxAge: Duration.days(400) }, /`maxAge` must be at most 31557600 seconds, got 34560000/],
    ['fractional max_age', { maxAge: Duration.millis(1500) }, /`maxAge` must be a whole number of seconds, got 1.5/],
    ['a bad policy id', { policyId: 'not-valid' }, /`policyId` must be 1 to 32 letters and digits/],
    ['empty destinations', { tlsRptDestinations: [] }, /`tlsRptDestinations` is empty/],
  ])('%s', (_name, props, message) => {
    expect(() => make(props as Partial<MtaStsProps>)).toThrow(message);
  });

  test('the message names the construct path and lists every problem', () => {
    expect(() => make({ mode: 'strict' as MtaStsMode, mx: ['*'] })).toThrow(/^MtaSts S\/ExampleCom: \n  - `mode`.*\n  - `mx\[0\]`/);
  });
});

describe('names over their limits are refused before CDK sees them', () => {
  const long = 'a'.repeat(50) + '.example.com';

  test('mta-sts.<domain> over the 64 characters of an ACM certificate, when MtaSts makes the certificate', () => {
    expect(() => make({ domainName: long })).toThrow(
      `MtaSts S/ExampleCom: \`domainName\` "${long}" makes the policy host "mta-sts.${long}" of 70 characters, more than the 64 ACM allows in a certificate's domain name (at most 56 for the domain): use a shorter domain, or pass your own \`certificate\``,
    );
    expect(() => make({ domainName: long })).not.toThrow(/Domain name must be 64 characters or less/);
  });

  test('the same domain with a given certificate synthesizes', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
    new MtaSts(stack, 'X', { domainName: long, hostedZone: zone, mx: ['mx1.example.com'], certificate });
    Template.fromStack(stack).hasResourceProperties('AWS::Route53::RecordSet', { Name: `_mta-sts.${long}.` });
  });

  test('with a given certificate, a domain whose _smtp._tls name is over 253 octets is refused', () => {
    const domain = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(42), 'example', 'com'].join('.');
    expect(domain.length).toBe(246);
    const certificate = (stack: Stack) => acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
    const props = { domainName: domain, hostedZone: zone, mx: ['mx1.example.com'], certificate: certificate(stack), tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.com')] };
    expect(() => new MtaSts(stack, 'X', props)).toThrow(
      new RegExp(
        `makes the policy host "mta-sts\\.${domain.replace(/\./g, '\\.')}" of 254 octets, more than the 253 a DNS name may have \\(Route 53 refuses it\\): use a domain of at most 245 octets` +
          `[^]*the MTA-STS record name "_mta-sts\\.[^"]+" of 255 octets[^]*the TLS-RPT record name "_smtp\\._tls\\.[^"]+" of 257 octets[^]*use a domain of at most 242 octets`,
      ),
    );
  });

  test('MtaStsCertificate refuses a domain over 56 characters with the same finding', () => {
    const app = new App();
    const stack = new Stack(app, 'Certs', { env: ENV });
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
    expect(() => new MtaStsCertificate(stack, 'Cert', { domainName: long, hostedZone: zone })).toThrow(
      `MtaStsCertificate Certs/Cert: \`domainName\` "${long}" makes the policy host "mta-sts.${long}" of 70 characters, more than the 64 ACM allows`,
    );
  });
});
