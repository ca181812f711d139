// The example app's default stage (one domain in testing, us-east-1) written by hand with plain
// aws-cdk-lib constructs: the same 19 resources and 3 outputs, with none of the library's work
// (no config parsing or check, no policy rendering or id, no validation, no warnings). Run as
// its own process by bench/synth.bench.ts (transpiled to plain JavaScript first, like dist/).
import { join } from 'node:path';
import { App, CfnOutput, CustomResource, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';

const ROOT = process.env.BENCH_ROOT ?? join(__dirname, '..');
const DOMAIN = 'dev.example.com';
const HOST = `mta-sts.${DOMAIN}`;
const MX = ['*.mx.dev.example.com', 'mx1.dev.example.com'];
const BODY = `version: STSv1\r\nmode: testing\r\n${MX.map((m) => `mx: ${m}\r\n`).join('')}max_age: 86400\r\n`;
const ID = '96274e50b7aad46bcdf9624b77d7c71d';

function handler(stack: Stack, id: string, asset: string, timeout: Duration, description: string) {
  const logGroup = new logs.LogGroup(stack, `${id}LogGroup`, { retention: logs.RetentionDays.THREE_MONTHS });
  const role = new iam.Role(stack, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
  const fn = new lambda.Function(stack, `${id}Function`, {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(join(ROOT, 'assets', asset)),
    role,
    logGroup,
    memorySize: 256,
    timeout,
    description,
  });
  return { fn, role };
}

const app = new App();
const stack = new Stack(app, 'MtaStsDevDevExampleCom', { env: { account: '111111111111', region: 'us-east-1' } });
Tags.of(stack).add('cdk-mta-sts:stage', 'dev');
const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0DEV0EXAMPLE0ZONE', zoneName: 'example.com' });
const bucket = new s3.Bucket(stack, 'Bucket', {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  encryption: s3.BucketEncryption.S3_MANAGED,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  removalPolicy: RemovalPolicy.DESTROY,
});
const certificate = new acm.Certificate(stack, 'Certificate', { domainName: HOST, validation: acm.CertificateValidation.fromDns(zone) });
const distribution = new cloudfront.Distribution(stack, 'Distribution', {
  comment: `MTA-STS policy of ${DOMAIN}`,
  domainNames: [HOST],
  certificate,
  minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
  httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
  defaultBehavior: {
    origin: origins.S3BucketOrigin.withOriginAccessControl(bucket, { originAccessLevels: [cloudfront.AccessLevel.READ] }),
    viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
    cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
    compress: false,
  },
});
const publisher = handler(stack, 'Publisher', 'policy-publisher', Duration.minutes(15), 'publishes the MTA-STS policy');
publisher.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [bucket.arnForObjects('.well-known/mta-sts.txt')] }));
publisher.role.addToPrincipalPolicy(
  new iam.PolicyStatement({ actions: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'], resources: [stack.formatArn({ service: 'cloudfront', region: '', resource: 'distribution', resourceName: distribution.distributionId })] }),
);
const guardFn = handler(stack, 'Guard', 'mx-guard', Duration.minutes(3), 'checks the live MX records');
guardFn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'], resources: [zone.hostedZoneArn] }));
guardFn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }));
const guard = new CustomResource(stack, 'MxGuard', {
  serviceToken: guardFn.fn.functionArn,
  resourceType: 'Custom::MtaStsMxGuard',
  properties: { HostedZoneId: zone.hostedZoneId, DomainName: DOMAIN, GuardMode: 'report', PolicyMode: 'testing', PolicyId: ID, MxPatterns: MX },
});
const publication = new CustomResource(stack, 'PolicyDeployment', {
  serviceToken: publisher.fn.functionArn,
  resourceType: 'Custom::MtaStsPolicy',
  properties: {
    BucketName: bucket.bucketName,
    ObjectKey: '.well-known/mta-sts.txt',
    PolicyText: BODY,
    PolicyId: ID,
    ContentType: 'text/plain',
    CacheControl: 'max-age=60',
    DistributionId: distribution.distributionId,
    RetainOnDelete: 'false',
  },
});
publication.node.addDependency(guard);
const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution));
new route53.ARecord(stack, 'AliasRecord', { zone, recordName: `${HOST}.`, target });
new route53.AaaaRecord(stack, 'AliasRecordIpv6', { zone, recordName: `${HOST}.`, target });
new route53.TxtRecord(stack, 'MtaStsRecord', { zone, recordName: `_mta-sts.${DOMAIN}.`, values: [`v=STSv1; id=${ID};`] }).node.addDependency(publication);
new route53.TxtRecord(stack, 'TlsRptRecord', { zone, recordName: `_smtp._tls.${DOMAIN}.`, values: ['v=TLSRPTv1; rua=mailto:tlsrpt@example.com'] });
new CfnOutput(stack, 'PolicyUrl', { value: `https://${HOST}/.well-known/mta-sts.txt`, description: 'policy URL' });
new CfnOutput(stack, 'PolicyBucket', { value: bucket.bucketName, description: 'policy bucket' });
new CfnOutput(stack, 'DistributionOutput', { value: distribution.distributionId, description: 'policy distribution id' });
app.synth();
