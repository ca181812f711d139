import { App, CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MtaSts } from '../../lib/constructs/mta-sts';
import {
  RuleSetActivation,
  SES_RECEIVING_REGIONS,
  TlsRptCollector,
  TlsRptCollectorProps,
  TlsRptDomain,
  TlsRptMetric,
} from '../../lib/constructs/tls-rpt-collector';
import { parseCollectorConfig } from '../../lib/constructs/private/collector-config';
import { acknowledgementsOf, nagFindings } from '../helpers/nag';

const ENV = { account: '111111111111', region: 'us-east-1' };
type Env = { account?: string; region?: string } | undefined;

function zoneOf(stack: Stack, zoneName = 'example.com'): route53.IHostedZone {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName });
}

/** Both channels on tlsrpt.example.com, plus `extra`. */
function make(extra: (zone: route53.IHostedZone, stack: Stack) => Partial<TlsRptCollectorProps> = () => ({}), env: Env | null = ENV) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: env ?? undefined });
  const hostedZone = zoneOf(stack);
  const collector = new TlsRptCollector(stack, 'TlsRpt', {
    email: { domainName: 'tlsrpt.example.com', hostedZone },
    https: { domainName: 'tlsrpt.example.com', hostedZone },
    ...extra(hostedZone, stack),
  });
  return { app, stack, hostedZone, collector };
}

const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const bucketArnJoin = (stack: Stack, collector: TlsRptCollector, suffix: string) => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, collector.bucket), 'Arn'] }, suffix]],
});

describe('TlsRptCollector with both channels', () => {
  const { stack, collector } = make((_z, s) => ({ alarmTopic: new sns.Topic(s, 'Alarms') }));
  collector.addDomain(TlsRptDomain.of({ domainName: 'example.com', mx: ['mx1.example.com', '*.mail.example.com'] }));
  const template = Template.fromStack(stack);

  test('destinations, address and URL are plain strings known at synth', () => {
    expect(collector.destinations.map((d) => d.uri)).toEqual(['mailto:tlsrpt@tlsrpt.example.com', 'https://tlsrpt.example.com/v1/report']);
    expect(collector.emailAddress).toBe('tlsrpt@tlsrpt.example.com');
    expect(collector.endpointUrl).toBe('https://tlsrpt.example.com/v1/report');
  });

  test('the report bucket: private, encrypted, SSL only, retained, lifecycle per prefix (400 days, rollups kept)', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [
            { Id: 'AbortIncompleteUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
            { Id: 'ExpireRaw', Prefix: 'raw/', ExpirationInDays: 400, Status: 'Enabled' },
            { Id: 'ExpireReports', Prefix: 'reports/', ExpirationInDays: 400, Status: 'Enabled' },
            { Id: 'ExpireQuarantine', Prefix: 'quarantine/', ExpirationInDays: 400, Status: 'Enabled' },
            { Id: 'ExpireOverwrittenVersions', NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('the trust boundary: the bucket policy lets no one but the processor write reports/, rollups/ or state/', () => {
    const roleId = stack.getLogicalId(collector.processor.role!.node.defaultChild as CfnElement);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'OnlyTheProcessorWritesEvidence',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Resource: ['/reports/*', '/rollups/*', '/state/*'].map((p) => bucketArnJoin(stack, collector, p)),
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [roleId, 'Arn'] } } },
          },
        ]),
      },
    });
  });

  test('SES may write raw MIME under raw/channel=email/ only, for this account and this exact receipt rule', () => {
    const ruleName = (template.findResources('AWS::SES::ReceiptRule')[stack.getLogicalId(collector.receiptRule!.node.defaultChild as CfnElement)].Properties.Rule as { Name: string }).Name;
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowSesReceiptRuleToStoreRawReports',
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: bucketArnJoin(stack, collector, '/raw/channel=email/*'),
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111111111111' },
              ArnEquals: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':ses:us-east-1:111111111111:receipt-rule-set/',
                      { Ref: stack.getLogicalId(collector.receiptRuleSet!.node.defaultChild as CfnElement) },
                      `:receipt-rule/${ruleName}`,
                    ],
                  ],
                },
              },
            },
          },
        ]),
      },
    });
  });

  test('SES inbound: domain identity with its DKIM CNAMEs, MX to inbound-smtp.<region>, a receipt rule storing raw MIME', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'tlsrpt.example.com' });
    const identity = logicalId(stack, collector.emailIdentity!);
    for (const n of [1, 2, 3]) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Type: 'CNAME',
        Name: { 'Fn::GetAtt': [identity, `DkimDNSTokenName${n}`] },
        ResourceRecords: [{ 'Fn::GetAtt': [identity, `DkimDNSTokenValue${n}`] }],
      });
    }
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'MX',
      Name: 'tlsrpt.example.com.',
      ResourceRecords: ['10 inbound-smtp.us-east-1.amazonaws.com'],
    });
    template.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
    template.hasResource('AWS::SES::ReceiptRule', {
      Properties: {
        RuleSetName: { Ref: logicalId(stack, collector.receiptRuleSet!) },
        Rule: Match.objectLike({
          Enabled: true,
          Recipients: ['tlsrpt@tlsrpt.example.com'],
          ScanEnabled: true,
          TlsPolicy: 'Optional',
          Actions: [{ S3Action: { BucketName: { Ref: logicalId(stack, collector.bucket) }, ObjectKeyPrefix: 'raw/channel=email/' } }],
        }),
      },
      // SES writes a probe object when the rule is created: the bucket policy must exist first.
      DependsOn: Match.arrayWith([logicalId(stack, collector.bucket.policy!)]),
    });
  });

  test('the created rule set is activated by the setup custom resource, after the rule exists', () => {
    template.hasResource('Custom::SesActiveReceiptRuleSet', {
      Properties: Match.objectLike({ RuleSetName: { Ref: logicalId(stack, collector.receiptRuleSet!) }, Region: 'us-east-1' }),
      DependsOn: Match.arrayWith([logicalId(stack, collector.receiptRule!)]),
    });
  });

  test('HTTPS: an HTTP API on its own domain only (execute-api disabled), throttled, access-logged, only POST /v1/report to the ingest', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', DisableExecuteApiEndpoint: true, IpAddressType: 'dualstack' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/report', AuthorizationType: 'NONE' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 50 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'tlsrpt.example.com', ValidationMethod: 'DNS' });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'tlsrpt.example.com',
      DomainNameConfigurations: [Match.objectLike({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2', IpAddressType: 'dualstack' })],
    });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', { Type: type, Name: 'tlsrpt.example.com.', AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }) });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: { BUCKET_NAME: { Ref: logicalId(stack, collector.bucket) }, MAX_BODY_BYTES: '1048576' } },
    });
  });

  test('the processor: Node 24 arm64, triggered by objects created under raw/, retried twice, then the dead-letter queue', () => {
    const processor = logicalId(stack, collector.processor);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ METRIC_NAMESPACE: 'CdkMtaSts/TlsRpt', CONFIG_KEY: 'config/tls-rpt-collector.json', CONFIG_VERSION: Match.stringLikeRegexp('^[0-9a-f]{16}$') }) },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalId(stack, collector.bucket) },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'raw/' }] } }, LambdaFunctionArn: { 'Fn::GetAtt': [processor, 'Arn'] } },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: processor },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack, collector.deadLetterQueue), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  test('least privilege: the processor reads raw/ and its config, writes reports/, rollups/, quarantine/, puts metrics in its namespace only', () => {
    const roleId = stack.getLogicalId(collector.processor.role!.node.defaultChild as CfnElement);
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    const statements = Object.values(policies).flatMap((p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
    const s3Statements = statements.filter((s) => String(s.Action).startsWith('s3:'));
    expect(s3Statements).toEqual([
      {
        Sid: 'ReadRawInputsAndConfig',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [bucketArnJoin(stack, collector, '/raw/*'), bucketArnJoin(stack, collector, '/config/tls-rpt-collector.json')],
      },
      {
        Sid: 'WriteReportsRollupsQuarantine',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: ['/reports/*', '/rollups/*', '/quarantine/*', '/state/*'].map((p) => bucketArnJoin(stack, collector, p)),
      },
      { Sid: 'ReadMetricsState', Effect: 'Allow', Action: 's3:GetObject', Resource: bucketArnJoin(stack, collector, '/state/*') },
      // A missing claim or marker must answer 404, not 403.
      { Sid: 'TellMissingState', Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [stack.getLogicalId(collector.bucket.node.defaultChild as CfnElement), 'Arn'] } },
    ]);
    expect(statements).toContainEqual({
      Sid: 'PutMetricsInOwnNamespace',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'CdkMtaSts/TlsRpt' } },
    });
    expect(JSON.stringify(statements)).not.toMatch(/s3:\*|s3:DeleteObject|s3:PutBucket/);
  });

  test('least privilege: the ingest may only put objects under raw/channel=https/', () => {
    const roleId = stack.getLogicalId(collector.ingestFunction!.role!.node.defaultChild as CfnElement);
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    const statements = Object.values(policies).flatMap((p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
    expect(statements.filter((s) => String(s.Action).startsWith('s3:'))).toEqual([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: bucketArnJoin(stack, collector, '/raw/channel=https/*') },
    ]);
  });

  test('the configuration object holds the domains added after construction', () => {
    const resources = template.findResources('Custom::TlsRptCollectorConfig');
    expect(Object.keys(resources)).toHaveLength(1);
    const props = Object.values(resources)[0].Properties as { ObjectKey: string; Config: string };
    expect(props.ObjectKey).toBe('config/tls-rpt-collector.json');
    expect(parseCollectorConfig(props.Config)).toEqual({
      version: 1,
      domains: [{ domain: 'example.com', mx: ['*.mail.example.com', 'mx1.example.com'] }],
      reporters: ['Google', 'Microsoft', 'Mail.ru'],
    });
    expect(collector.domainNames).toEqual(['example.com']);
  });

  test('alarms: failed sessions > 0 over a day, quarantine > 0, dead-letter queue not empty; all notify the topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    const topic = { Ref: stack.getLogicalId(stack.node.findChild('Alarms').node.defaultChild as CfnElement) };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkMtaSts/TlsRpt',
      MetricName: 'FailedSessions',
      Statistic: 'Sum',
      Period: 86400,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'QuarantinedReports', AlarmActions: [topic] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', AlarmActions: [topic] });
  });

  test('a dashboard of sessions and failures per domain and day (SEARCH over the Domain dimension)', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(stack.resolve(Object.values(dashboards)[0].Properties.DashboardBody));
    expect(body).toContain('SEARCH(\'{\\\\\\"CdkMtaSts/TlsRpt\\\\\\",Domain} MetricName=\\\\\\"FailedSessions\\\\\\"\', \'Sum\', 86400)');
    expect(body).toContain('Failed sessions per domain and day');
    expect(body).toContain('Successful sessions per domain and day');
  });

  test('a Glue database and a JSON table over reports/, partitioned by day with partition projection', () => {
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: collector.glueDatabaseName, Description: Match.anyValue() } });
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: collector.glueDatabaseName,
      TableInput: Match.objectLike({
        Name: 'reports',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [Match.objectLike({ Name: 'day', Type: 'string' })],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.day.type': 'date',
          'projection.day.format': 'yyyy-MM-dd',
          'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: logicalId(stack, collector.bucket) }, '/reports/day=${day}/']] },
        }),
        StorageDescriptor: Match.objectLike({
          Location: { 'Fn::Join': ['', ['s3://', { Ref: logicalId(stack, collector.bucket) }, '/reports/']] },
          SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' }),
          Columns: Match.arrayWith([Match.objectLike({ Name: 'organization', Type: 'string' }), Match.objectLike({ Name: 'policies', Type: Match.stringLikeRegexp('^array<struct<policytype:string') })]),
        }),
      }),
    });
    expect(collector.glueDatabaseName).toMatch(/^tlsrpt_[a-z0-9_]+$/);
  });

  test('stable construct ids', () => {
    expect(collector.node.children.map((c) => c.node.id)).toEqual(
      expect.arrayContaining([
        'Bucket',
        'Config',
        'ProcessorDeadLetterQueue',
        'ProcessorLogGroup',
        'ProcessorRole',
        'Processor',
        'EmailIdentity',
        'DkimRecord1',
        'MxRecord',
        'ReceiptRuleSet',
        'ReceiptRule',
        'ReceiptRuleSetActivation',
        'HttpsCertificate',
        'Ingest',
        'HttpApi',
        'HttpStage',
        'HttpsDomainName',
        'HttpsAliasRecord',
        'FailedSessionsAlarm',
        'Dashboard',
        'GlueDatabase',
        'ReportsTable',
      ]),
    );
  });

  test('metric() names the collector namespace and the Domain dimension', () => {
    const m = collector.metric(TlsRptMetric.FAILED_SESSIONS, 'example.com');
    expect([m.namespace, m.metricName, m.dimensions, m.statistic, m.period.toSeconds()]).toEqual(['CdkMtaSts/TlsRpt', 'FailedSessions', { Domain: 'example.com' }, 'Sum', 86400]);
  });
});

describe('TlsRptCollector variants', () => {
  test('an existing receipt rule set: the rule is added to it, nothing is created or activated', () => {
    const { stack, collector } = make((z, s) => ({
      email: { domainName: 'tlsrpt.example.com', hostedZone: z, receiptRuleSet: ses.ReceiptRuleSet.fromReceiptRuleSetName(s, 'Active', 'main-rules') },
    }));
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
    t.resourceCountIs('Custom::SesActiveReceiptRuleSet', 0);
    t.hasResourceProperties('AWS::SES::ReceiptRule', { RuleSetName: 'main-rules' });
    expect(collector.receiptRuleSet!.receiptRuleSetName).toBe('main-rules');
    // The setup role gets no SES permission.
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).not.toContain('ses:SetActiveReceiptRuleSet');
  });

  test('RuleSetActivation.MANUAL: no activation, and a warning with the command to run', () => {
    const { stack } = make((z) => ({ email: { domainName: 'tlsrpt.example.com', hostedZone: z, ruleSetActivation: RuleSetActivation.MANUAL } }));
    Template.fromStack(stack).resourceCountIs('Custom::SesActiveReceiptRuleSet', 0);
    Annotations.fromStack(stack).hasWarning('/S/TlsRpt', Match.stringLikeRegexp('aws ses set-active-receipt-rule-set'));
  });

  test('HTTPS only, with custom limits and path; no SES resources, region not checked', () => {
    const { stack, collector } = make(
      (z) => ({ email: undefined, https: { domainName: 'reports.example.com', hostedZone: z, path: '/tls/v2', maxBodyBytes: 4096, throttlingRateLimit: 2.5, throttlingBurstLimit: 5 } }),
      { account: '111111111111', region: 'eu-south-1' },
    );
    expect(collector.destinations.map((d) => d.uri)).toEqual(['https://reports.example.com/tls/v2']);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SES::ReceiptRule', 0);
    t.resourceCountIs('AWS::SES::EmailIdentity', 0);
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /tls/v2' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 2.5, ThrottlingBurstLimit: 5 } });
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MAX_BODY_BYTES: '4096' }) } });
  });

  test('the processor and the ingest have reserved concurrency (5 and 20 by default, configurable)', () => {
    const reserved = (stack: Stack, c: TlsRptCollector) => {
      const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function');
      return [fns[logicalId(stack, c.processor)].Properties.ReservedConcurrentExecutions, fns[logicalId(stack, c.ingestFunction!)].Properties.ReservedConcurrentExecutions];
    };
    const d = make();
    expect(reserved(d.stack, d.collector)).toEqual([5, 20]);
    const c = make(() => ({ processorReservedConcurrency: 2, ingestReservedConcurrency: 50 }));
    expect(reserved(c.stack, c.collector)).toEqual([2, 50]);
  });

  test('retention, namespace, reporters and removal are configurable', () => {
    const { stack } = make(() => ({
      rawRetention: Duration.days(30),
      reportRetention: Duration.days(60),
      quarantineRetention: Duration.days(7),
      rollupRetention: Duration.days(800),
      metricNamespace: 'Mail/TlsRpt',
      reporters: ['Google', 'Yahoo'],
      glueDatabaseName: 'mail_tlsrpt',
    }));
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'raw/', ExpirationInDays: 30 }),
          Match.objectLike({ Prefix: 'reports/', ExpirationInDays: 60 }),
          Match.objectLike({ Prefix: 'quarantine/', ExpirationInDays: 7 }),
          Match.objectLike({ Prefix: 'rollups/', ExpirationInDays: 800 }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Condition: { StringEquals: { 'cloudwatch:namespace': 'Mail/TlsRpt' } } })]) },
    });
    t.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: 'mail_tlsrpt' }) });
    const config = Object.values(t.findResources('Custom::TlsRptCollectorConfig'))[0].Properties.Config as string;
    expect(parseCollectorConfig(config).reporters).toEqual(['Google', 'Yahoo']);
  });

  test('trustHttpsReports: off by default; on, the configuration says so and the synth warns', () => {
    const configOf = (st: Stack) => parseCollectorConfig(Object.values(Template.fromStack(st).findResources('Custom::TlsRptCollectorConfig'))[0].Properties.Config as string);
    expect(configOf(make().stack).trustHttps).toBeUndefined();
    const { stack } = make(() => ({ trustHttpsReports: true }));
    expect(configOf(stack).trustHttps).toBe(true);
    Annotations.fromStack(stack).hasWarning('/S/TlsRpt', Match.stringLikeRegexp('trustHttpsReports. is on: unauthenticated HTTPS reports count toward the readiness verdict'));
  });

  test('a token region skips the SES region check with a warning', () => {
    const { stack } = make(() => ({}), null);
    Annotations.fromStack(stack).hasWarning('/S/TlsRpt', Match.stringLikeRegexp('region is not known at synth time'));
  });

  test('synthesis is deterministic', () => {
    const a = Template.fromStack(make().stack).toJSON();
    const b = Template.fromStack(make().stack).toJSON();
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  test('destinations plugged into an MtaSts in the same stack make its _smtp._tls record; the domain feeds the collector', () => {
    const { stack, hostedZone, collector } = make();
    const mtaSts = new MtaSts(stack, 'ExampleCom', { domainName: 'example.com', hostedZone, mx: ['mx1.example.com'], tlsRptDestinations: collector.destinations });
    collector.addDomain(TlsRptDomain.fromMtaSts(mtaSts));
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'TXT',
      Name: '_smtp._tls.example.com.',
      ResourceRecords: ['"v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt.example.com,https://tlsrpt.example.com/v1/report"'],
    });
    const config = Object.values(t.findResources('Custom::TlsRptCollectorConfig'))[0].Properties.Config as string;
    expect(parseCollectorConfig(config).domains).toEqual([{ domain: 'example.com', mx: ['mx1.example.com'] }]);
  });
});

describe('TlsRptCollector refuses bad props, naming the prop, the value and the fix', () => {
  const cases: [string, (z: route53.IHostedZone, s: Stack) => Partial<TlsRptCollectorProps>, RegExp][] = [
    ['no channel', () => ({ email: undefined, https: undefined }), /`email` and `https` are both missing: give at least one channel/],
    ['email.domainName invalid', (z) => ({ email: { domainName: 'tls..example.com', hostedZone: z } }), /`email.domainName` must be a domain name, got "tls\.\.example\.com".*remove the extra dot/],
    ['email.domainName outside the zone', (z) => ({ email: { domainName: 'tlsrpt.example.org', hostedZone: z } }), /`email.domainName` "tlsrpt.example.org" is not in the hosted zone "example.com": give the zone/],
    ['email.localPart', (z) => ({ email: { domainName: 'tlsrpt.example.com', hostedZone: z, localPart: 'TLS RPT' } }), /`email.localPart` must be .*got "TLS RPT"; for example 'tlsrpt'/],
    [
      'ruleSetActivation with receiptRuleSet',
      (z, s) => ({ email: { domainName: 'tlsrpt.example.com', hostedZone: z, receiptRuleSet: ses.ReceiptRuleSet.fromReceiptRuleSetName(s, 'R', 'main'), ruleSetActivation: RuleSetActivation.ACTIVATE } }),
      /`email.ruleSetActivation` is "activate", but `email.receiptRuleSet` is given.*remove `ruleSetActivation`/,
    ],
    ['https.domainName invalid', (z) => ({ https: { domainName: 'https://tlsrpt.example.com', hostedZone: z } }), /`https.domainName` must be a domain name, got "https:\/\/tlsrpt.example.com"/],
    ['https.path', (z) => ({ https: { domainName: 'tlsrpt.example.com', hostedZone: z, path: 'a=b' } }), /`https.path` must be .*got "a=b"; for example 'v1\/report'/],
    ['https.maxBodyBytes', (z) => ({ https: { domainName: 'tlsrpt.example.com', hostedZone: z, maxBodyBytes: 10 * 1024 * 1024 } }), /`https.maxBodyBytes` must be a whole number from 1024 to 4194304 bytes.*got 10485760/],
    ['https.throttlingRateLimit', (z) => ({ https: { domainName: 'tlsrpt.example.com', hostedZone: z, throttlingRateLimit: 0 } }), /`https.throttlingRateLimit` must be a number from 1 to 10000 requests a second, got 0/],
    ['https.throttlingBurstLimit', (z) => ({ https: { domainName: 'tlsrpt.example.com', hostedZone: z, throttlingBurstLimit: 1.5 } }), /`https.throttlingBurstLimit` must be a whole number from 1 to 5000 requests, got 1.5/],
    ['processorReservedConcurrency', () => ({ processorReservedConcurrency: 0 }), /`processorReservedConcurrency` must be a whole number from 1 to 1000 concurrent executions, got 0/],
    ['ingestReservedConcurrency', () => ({ ingestReservedConcurrency: 2.5 }), /`ingestReservedConcurrency` must be a whole number from 1 to 1000 concurrent executions, got 2.5/],
    ['metricNamespace', () => ({ metricNamespace: 'AWS/TlsRpt' }), /`metricNamespace` must be .*not starting with "AWS\/", got "AWS\/TlsRpt"; for example 'CdkMtaSts\/TlsRpt'/],
    ['reporters', () => ({ reporters: ['Google', 'other'] }), /`reporters\[1\]` must be .*and not "other", got "other"; for example 'Google'/],
    ['reporters twice', () => ({ reporters: ['Google', 'google'] }), /`reporters\[1\]` "google" is listed twice/],
    ['rawRetention', () => ({ rawRetention: Duration.hours(36) }), /`rawRetention` must be a whole number of days, at least 1, got 1 day 12 hours; for example Duration.days\(400\)/],
    ['alarmPeriod', () => ({ alarmPeriod: Duration.seconds(90) }), /`alarmPeriod` must be a whole number of minutes from 1 minute to 1 day, got 90 seconds/],
    ['glueDatabaseName', () => ({ glueDatabaseName: 'Tls-Rpt' }), /`glueDatabaseName` must be 1 to 255 lower-case letters, digits and "_", got "Tls-Rpt"; for example 'tlsrpt_reports'/],
    [
      'a domain twice',
      () => ({ domains: [TlsRptDomain.of({ domainName: 'example.com', mx: ['mx1.example.com'] }), TlsRptDomain.of({ domainName: 'EXAMPLE.com', mx: ['mx1.example.com'] })] }),
      /`domains` lists "example.com" twice; add each domain once/,
    ],
    [
      'the email domain is a watched mail domain',
      (z) => ({ email: { domainName: 'example.com', hostedZone: z }, domains: [TlsRptDomain.of({ domainName: 'example.com', mx: ['mx1.example.com'] })] }),
      /`email.domainName` "example.com" is a mail domain the collector watches.*use a dedicated name such as "tlsrpt.example.com"/,
    ],
  ];
  test.each(cases)('%s', (_name, extra, message) => {
    expect(() => make(extra)).toThrow(message);
  });

  test('a region without SES receiving, naming the regions that have it', () => {
    expect(() => make(() => ({}), { account: '111111111111', region: 'eu-south-1' })).toThrow(
      new RegExp(`\`email\` needs SES email receiving, which the stack's region eu-south-1 does not have; SES receives email only in ${SES_RECEIVING_REGIONS.join(', ')}`),
    );
  });

  test('addDomain after construction refuses the email domain too', () => {
    const { collector } = make();
    expect(() => collector.addDomain(TlsRptDomain.of({ domainName: 'tlsrpt.example.com', mx: ['mx.example.com'] }))).toThrow(/`email.domainName` "tlsrpt.example.com" is a mail domain the collector watches/);
  });

  test.each([
    [{ domainName: 'example.com', mx: [] }, /`mx` of "example.com" must list the policy's mx patterns, got \[\]/],
    [{ domainName: 'example.com', mx: ['mail.*.example.com'] }, /`mx\[0\]` "mail.\*.example.com" is not a valid MX pattern/],
    [{ domainName: 'exa mple.com', mx: ['mx.example.com'] }, /`domainName` must be a domain name, got "exa mple.com": remove the white space/],
  ])('TlsRptDomain.of(%j) is refused', (options, message) => {
    expect(() => TlsRptDomain.of(options)).toThrow(message);
  });
});

describe('cdk-nag AwsSolutionsChecks', () => {
  const nag = (build: (stack: Stack, zone: route53.IHostedZone) => void) => nagFindings((stack) => build(stack, zoneOf(stack)), ENV);

  test('the collector with both channels, beside an MtaSts, has no unacknowledged finding', () => {
    const out = nag((stack, hostedZone) => {
      const c = new TlsRptCollector(stack, 'TlsRpt', { email: { domainName: 'tlsrpt.example.com', hostedZone }, https: { domainName: 'tlsrpt.example.com', hostedZone } });
      const m = new MtaSts(stack, 'ExampleCom', { domainName: 'example.com', hostedZone, mx: ['mx1.example.com'], tlsRptDestinations: c.destinations });
      c.addDomain(TlsRptDomain.fromMtaSts(m));
    });
    expect(out).toBe('');
  });

  test('HTTPS only, with an existing rule set elsewhere and server access logs: no unacknowledged finding', () => {
    const out = nag((stack, hostedZone) => {
      const logs = new s3.Bucket(stack, 'Logs', { enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });
      Validations.of(logs).acknowledge({ id: 'AwsSolutions-S1', reason: 'This is the access-log bucket of the test itself.' });
      new TlsRptCollector(stack, 'TlsRpt', { https: { domainName: 'tlsrpt.example.com', hostedZone }, serverAccessLogsBucket: logs });
    });
    expect(out).toBe('');
  });

  test('every acknowledgement of the collector carries a reason', () => {
    const { stack } = make();
    const acks = acknowledgementsOf(stack);
    expect(acks.length).toBeGreaterThan(5);
    for (const [id, reason] of acks) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(30);
    }
  });
});
