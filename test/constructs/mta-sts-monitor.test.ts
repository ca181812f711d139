import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MtaStsMonitor, MtaStsMonitorDomain, MtaStsMonitorProps } from '../../lib/constructs/mta-sts-monitor';
import { TlsRptCollector } from '../../lib/constructs/tls-rpt-collector';
import { MONITOR_CONFIG_FILE, parseMonitorConfig } from '../../lib/monitor/monitor-config';
import { MtaStsMode } from '../../lib/policy/mode';
import { TlsRptDestination } from '../../lib/policy/tls-rpt-destination';
import { acknowledgementsOf, nagFindings } from '../helpers/nag';

const env = { account: '111111111111', region: 'us-east-1' };
const example = () =>
  MtaStsMonitorDomain.of({ domainName: 'Example.COM', mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'], tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.com')] });
const other = () => MtaStsMonitorDomain.of({ domainName: 'example.org', mode: MtaStsMode.TESTING, mx: ['*.mail.example.org'] });

function build(props: Partial<MtaStsMonitorProps> = {}): { stack: Stack; monitor: MtaStsMonitor; template: Template } {
  const stack = new Stack(new App(), 'S', { env });
  const monitor = new MtaStsMonitor(stack, 'Monitor', { monitorName: 'prod', domains: [example(), other()], ...props });
  return { stack, monitor, template: Template.fromStack(stack) };
}

/** Every IAM action any role of the template is allowed. */
function allowedActions(template: Template): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
  );
}

describe('MtaStsMonitor', () => {
  test('an hourly EventBridge Scheduler schedule invokes the function, without retries', () => {
    const { stack, monitor, template } = build();
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Target: { Arn: stack.resolve((monitor.function as lambda.Function).functionArn), RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectEquals({ MONITOR_NAME: 'prod', METRIC_NAMESPACE: 'CdkMtaSts/Monitor', INTERVAL_SECONDS: '3600', CONCURRENCY: '8' }) },
    });
  });

  test('the interval is configurable, and is the alarm period', () => {
    const { template } = build({ interval: Duration.minutes(15) });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(15 minutes)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Period: 900 });
  });

  test('one alarm on the error findings of the monitor, missing data breaching, with the SNS topic on alarm and OK', () => {
    const stack = new Stack(new App(), 'S', { env });
    const topic = new sns.Topic(stack, 'Topic');
    new MtaStsMonitor(stack, 'Monitor', { monitorName: 'prod', domains: [example()], alarmTopic: topic });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    const ref = { Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkMtaSts/Monitor',
      MetricName: 'Findings',
      Dimensions: Match.arrayWith([{ Name: 'Monitor', Value: 'prod' }, { Name: 'Severity', Value: 'error' }]),
      Statistic: 'Maximum',
      Period: 3600,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [ref],
      OKActions: [ref],
    });
  });

  test('the roles write nothing but metrics (own namespace) and logs; the scheduler may only invoke (Route 53 read-only with zones: below)', () => {
    const { template } = build();
    const actions = allowedActions(template);
    expect([...new Set(actions)].sort()).toEqual(['cloudwatch:PutMetricData', 'lambda:InvokeFunction', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'cloudwatch:PutMetricData', Condition: { StringEquals: { 'cloudwatch:namespace': 'CdkMtaSts/Monitor' } } })]) },
    });
  });

  test('with hosted zones: the role may list the record sets of exactly those zones, still no write', () => {
    const zoned = (name: string, hostedZoneId: string) => MtaStsMonitorDomain.of({ domainName: name, mode: MtaStsMode.ENFORCE, mx: [`mx1.${name}`], hostedZoneId });
    const { template } = build({ domains: [zoned('example.com', 'Z1EXAMPLE'), zoned('sub.example.com', '/hostedzone/Z1EXAMPLE'), zoned('example.net', 'Z2NET'), other()] });
    expect([...new Set(allowedActions(template))].sort()).toEqual([
      'cloudwatch:PutMetricData',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'route53:ListResourceRecordSets',
    ]);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string; Resource: unknown }[]);
    const zones = statements.filter((st) => st.Action === 'route53:ListResourceRecordSets');
    expect(zones).toHaveLength(1);
    const arn = (id: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:route53:::hostedzone/${id}`]] });
    expect(zones[0].Resource).toEqual([arn('Z1EXAMPLE'), arn('Z2NET')]);
  });

  test('the expectations carry the bare hosted zone id where it is known', () => {
    const first = build({ domains: [MtaStsMonitorDomain.of({ domainName: 'example.com', mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'], hostedZoneId: '/hostedzone/Z1EXAMPLE' }), other()] });
    const asset = (first.monitor.function as lambda.Function).node.findChild('Code') as s3assets.Asset;
    const config = parseMonitorConfig(readFileSync(join((first.stack.node.root as App).outdir, asset.assetPath, MONITOR_CONFIG_FILE), 'utf8'));
    expect(config.domains.map((d) => [d.domain, d.hostedZoneId])).toEqual([
      ['example.com', 'Z1EXAMPLE'],
      ['example.org', undefined],
    ]);
  });

  test('without hosted zones the role has no Route 53 statement', () => {
    expect(allowedActions(build().template)).not.toContain('route53:ListResourceRecordSets');
  });

  test('with a collector: list and read the rollups only, and show on its dashboard', () => {
    const stack = new Stack(new App(), 'S', { env });
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
    const collector = new TlsRptCollector(stack, 'Collector', { https: { domainName: 'tlsrpt.example.com', hostedZone } });
    new MtaStsMonitor(stack, 'Monitor', { monitorName: 'prod', domains: [example()], rollups: { bucket: collector.bucket }, dashboard: collector.dashboard });
    const template = Template.fromStack(stack);
    const role = Object.entries(template.findResources('AWS::IAM::Role')).find(([, r]) => String(r.Properties.Description).includes('drift monitor'))![0];
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))!;
    const s3Statements = (policy.Properties.PolicyDocument.Statement as { Action: string; Condition?: unknown }[]).filter((s) => String(s.Action).startsWith('s3:'));
    expect(s3Statements.map((s) => s.Action).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(s3Statements.find((s) => s.Action === 's3:ListBucket')!.Condition).toEqual({ StringLike: { 's3:prefix': 'rollups/*' } });
    const dashboard = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard).toMatch(/MTA-STS monitor prod/);
  });

  test('the expectations ship in the code asset, deterministic across synths', () => {
    const assetOf = (monitor: MtaStsMonitor) => (monitor.function as lambda.Function).node.findChild('Code') as s3assets.Asset;
    const first = build();
    expect(assetOf(first.monitor).assetHash).toBe(assetOf(build().monitor).assetHash);
    const dir = join((first.stack.node.root as App).outdir, assetOf(first.monitor).assetPath);
    const config = parseMonitorConfig(readFileSync(join(dir, MONITOR_CONFIG_FILE), 'utf8'));
    expect(config.domains.map((d) => d.domain)).toEqual(['example.com', 'example.org']);
    expect(config.domains[0]).toMatchObject({ mode: 'enforce', mx: ['mx1.example.com'], idFromBody: true, tlsRptRecord: 'v=TLSRPTv1; rua=mailto:tlsrpt@example.com' });
    expect(config.domains[1].tlsRptRecord).toBeNull();
    // A changed expectation is a new asset (so the function is updated).
    const changed = new MtaStsMonitor(new Stack(new App(), 'S', { env }), 'Monitor', { monitorName: 'prod', domains: [other()] });
    expect(assetOf(changed).assetHash).not.toBe(assetOf(first.monitor).assetHash);
  });

  test.each<[string, Partial<MtaStsMonitorProps>, RegExp]>([
    ['interval', { interval: Duration.minutes(1) }, /`interval` must be a whole number of minutes from 5 minutes to 1 day, got 60 seconds/],
    ['interval', { interval: Duration.days(2) }, /`interval` must be .* got 172800 seconds/],
    ['monitorName', { monitorName: 'prod stage' }, /`monitorName` must be 1 to 64 letters, digits and "\._-", got "prod stage"/],
    ['metricNamespace', { metricNamespace: 'AWS/Lambda' }, /`metricNamespace` must be .* not starting with "AWS\/", got "AWS\/Lambda"/],
    ['concurrency', { concurrency: 0 }, /`concurrency` must be a whole number from 1 to 32, got 0/],
    ['domains', { domains: [] }, /`domains` must list 1 to 2000 domains, got 0/],
    ['domains', { domains: [example(), example()] }, /`domains` lists "example\.com" twice/],
  ])('a bad `%s` is refused with its value', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('MtaStsMonitorDomain.of refuses what MtaSts refuses', () => {
    expect(() => MtaStsMonitorDomain.of({ domainName: 'example.com', mode: MtaStsMode.ENFORCE, mx: [] })).toThrow(/mx/);
    expect(() => MtaStsMonitorDomain.of({ domainName: 'not a domain', mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'] })).toThrow(/domainName/);
    expect(() => MtaStsMonitorDomain.of({ domainName: 'example.com', mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'], tlsRptDestinations: [] })).toThrow(/`tlsRptDestinations` is empty/);
  });

  test('MtaStsMonitorDomain.of refuses a malformed or token `hostedZoneId` with its value', () => {
    const of = (hostedZoneId: string) => () => MtaStsMonitorDomain.of({ domainName: 'example.com', mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'], hostedZoneId });
    expect(of('example.com')).toThrow(/`hostedZoneId` must be a literal Route 53 hosted zone id .*got "example\.com"/);
    const zone = new route53.HostedZone(new Stack(new App(), 'Z', { env }), 'Zone', { zoneName: 'example.com' });
    expect(of(zone.hostedZoneId)).toThrow(/`hostedZoneId` must be a literal .*got a token: the monitor writes it into its expectations at synth/);
  });

  test('cdk-nag: no unacknowledged finding, alone or with a collector; every acknowledgement has a reason', () => {
    expect(nagFindings((stack) => new MtaStsMonitor(stack, 'Monitor', { monitorName: 'prod', domains: [example()] }))).toBe('');
    expect(
      nagFindings((stack) => {
        const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
        const collector = new TlsRptCollector(stack, 'Collector', { https: { domainName: 'tlsrpt.example.com', hostedZone } });
        new MtaStsMonitor(stack, 'Monitor', { monitorName: 'prod', domains: [example()], rollups: { bucket: collector.bucket }, dashboard: collector.dashboard as cw.Dashboard });
      }),
    ).toBe('');
    expect(
      nagFindings(
        (stack) =>
          new MtaStsMonitor(stack, 'Monitor', {
            monitorName: 'prod',
            domains: [MtaStsMonitorDomain.of({ domainName: 'example.com', mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'], hostedZoneId: 'Z1EXAMPLE' })],
          }),
      ),
    ).toBe('');
    const { stack } = build();
    for (const [id, reason] of acknowledgementsOf(stack)) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(30);
    }
  });
});
