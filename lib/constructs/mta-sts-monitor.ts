import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { error, Finding, Severity, show, throwOnErrors } from '../policy/findings';
import { normalizeHostname } from '../policy/domain-name';
import { MtaStsMode } from '../policy/mode';
import { MtaStsPolicy } from '../policy/policy';
import { renderTlsRptRecord } from '../policy/records';
import { TlsRptDestination } from '../policy/tls-rpt-destination';
import { STORE_PREFIXES } from '../reports/store-layout';
import { bareZoneId } from '../aws/record-set';
import {
  DEFAULT_MONITOR_METRIC_NAMESPACE,
  HOSTED_ZONE_ID,
  MAX_MONITOR_DOMAINS,
  MONITOR_CONFIG_FILE,
  MONITOR_CONFIG_VERSION,
  MONITOR_FINDINGS_METRIC,
  MonitorDimension,
  MonitorDomainConfig,
  renderMonitorConfig,
} from '../monitor/monitor-config';
import { handlerCode } from './private/handler-code';
import { handlerFunction } from './private/handler-function';
import { acknowledgeNag } from './private/nag';

/** What `MtaStsMonitorDomain.of` takes: what the app publishes for one domain. */
export interface MtaStsMonitorDomainOptions {
  /** The policy domain (`example.com`). */
  readonly domainName: string;
  /** The published mode. */
  readonly mode: MtaStsMode;
  /** The published mx patterns. */
  readonly mx: string[];
  /**
   * The published `max_age`.
   * @default - the mode's default, as in `MtaSts`
   */
  readonly maxAge?: Duration;
  /**
   * A policy id fixed by hand (`MtaSts`'s `policyId`). The live `_mta-sts` id is then not compared with the served body's.
   * @default - the id derived from the body
   */
  readonly policyId?: string;
  /**
   * The published TLS-RPT destinations.
   * @default - the app publishes no `_smtp._tls` record for the domain
   */
  readonly tlsRptDestinations?: TlsRptDestination[];
  /**
   * The id of the domain's Route 53 hosted zone, when the zone is the app's (`Z123…`, as
   * `MtaSts`'s `hostedZone.hostedZoneId`; a literal, not a token: it is written into the
   * monitor's expectations at synth). The monitor then also lists the zone's MX record sets at
   * the domain (the role may list exactly these zones), so an MX host added to the zone and not
   * covered by the policy is seen before resolvers' caches expire.
   * @default - the MX records are read through DNS only
   */
  readonly hostedZoneId?: string;
}

/**
 * A domain the monitor watches, with what the app publishes for it (computed by the same core
 * as `MtaSts`, so the expectation is exactly the published body, id and TLS-RPT value).
 *
 * @example
 * MtaStsMonitorDomain.of({ domainName: 'example.com', mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'] });
 */
export class MtaStsMonitorDomain {
  /** A domain given by what the app publishes for it; throws on a value `MtaSts` would refuse. */
  public static of(options: MtaStsMonitorDomainOptions): MtaStsMonitorDomain {
    const name = normalizeHostname(options.domainName, 'domainName', 'a domain name');
    throwOnErrors(name.findings, 'MtaStsMonitorDomain.of');
    const policy = MtaStsPolicy.create({ mode: options.mode, mx: options.mx, maxAgeSeconds: options.maxAge?.toSeconds(), id: options.policyId });
    if (options.tlsRptDestinations !== undefined && options.tlsRptDestinations.length === 0) {
      throwOnErrors([error('tlsrpt-empty', 'tlsRptDestinations', '`tlsRptDestinations` is empty: give the destinations the domain publishes, or leave the prop out when it publishes none')], 'MtaStsMonitorDomain.of');
    }
    return new MtaStsMonitorDomain(name.name!, policy, options.tlsRptDestinations ? renderTlsRptRecord(options.tlsRptDestinations) : undefined, zoneIdOf(options.hostedZoneId));
  }

  /** The policy domain (lower-case A-labels). */
  public readonly domainName: string;
  /** The published policy. */
  public readonly policy: MtaStsPolicy;
  /** The published `_smtp._tls` value, when the app publishes one. */
  public readonly tlsRptRecord?: string;
  /** The bare id of the domain's hosted zone, when the monitor reads its MX record sets. */
  public readonly hostedZoneId?: string;

  private constructor(domainName: string, policy: MtaStsPolicy, tlsRptRecord?: string, hostedZoneId?: string) {
    this.domainName = domainName;
    this.policy = policy;
    this.tlsRptRecord = tlsRptRecord;
    this.hostedZoneId = hostedZoneId;
  }

  /** @internal The expectation the handler compares with. */
  public _config(): MonitorDomainConfig {
    const p = this.policy;
    return {
      domain: this.domainName,
      mode: p.mode,
      mx: [...p.mx],
      policyText: p.text,
      policyId: p.id,
      idFromBody: !p.idOverridden,
      tlsRptRecord: this.tlsRptRecord ?? null,
      hostedZoneId: this.hostedZoneId,
    };
  }
}

/** The bare hosted zone id of `MtaStsMonitorDomainOptions.hostedZoneId`; throws on a token or a malformed id. */
function zoneIdOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const id = Token.isUnresolved(value) ? value : bareZoneId(value);
  if (Token.isUnresolved(value) || !HOSTED_ZONE_ID.test(id)) {
    throwOnErrors(
      [
        error(
          'monitor-hosted-zone-id',
          'hostedZoneId',
          `\`hostedZoneId\` must be a literal Route 53 hosted zone id (Z followed by capital letters and digits), got ${Token.isUnresolved(value) ? 'a token' : show(value)}: ` +
            'the monitor writes it into its expectations at synth; give the id as a string (HostedZone.fromHostedZoneAttributes or fromLookup), or leave it out to read MX through DNS only',
        ),
      ],
      'MtaStsMonitorDomain.of',
    );
  }
  return id;
}

/** The collector's report store the monitor reads reporters from (list and read `rollups/` only). */
export interface MtaStsMonitorRollups {
  /** The collector's report bucket (`TlsRptCollector.bucket`). */
  readonly bucket: s3.IBucket;
  /**
   * The store's prefix in the bucket.
   * @default '' (the collector's layout)
   */
  readonly prefix?: string;
}

/** Properties of `MtaStsMonitor`. */
export interface MtaStsMonitorProps {
  /** The domains to watch, with what the app publishes for each. */
  readonly domains: MtaStsMonitorDomain[];
  /**
   * The monitor's name: the `Monitor` dimension of its metrics (one alarm per name). Use the stage name.
   * @default - a name unique to the construct's path
   */
  readonly monitorName?: string;
  /**
   * How often the monitor runs (a whole number of minutes from 5 minutes to 1 day). The alarm's period is the same.
   * @default Duration.hours(1)
   */
  readonly interval?: Duration;
  /**
   * An SNS topic the alarm notifies (on alarm and back to OK).
   * @default - no notification: the alarm shows in the console and on the dashboard
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * The stage's TLS-RPT collector's rollup store, for the reporter check (each reporter seen in the last 30 days has reported in the last 3).
   * @default - reporters are not watched
   */
  readonly rollups?: MtaStsMonitorRollups;
  /**
   * A dashboard to show the monitor on (the collector's `dashboard`).
   * @default - no dashboard widgets
   */
  readonly dashboard?: cw.Dashboard;
  /**
   * The CloudWatch namespace of the metrics (the function may put metrics in this namespace only).
   * @default 'CdkMtaSts/Monitor'
   */
  readonly metricNamespace?: string;
  /**
   * How many domains one run checks at once.
   * @default 8
   */
  readonly concurrency?: number;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const NAMESPACE = /^[A-Za-z0-9._/#:-]{1,255}$/;
/** The most time one domain takes: DNS (4 s, one retry), the fetch (4 s) and slack. */
const PER_DOMAIN_SECONDS = 15;

/**
 * Watches a stage after deploy: an EventBridge Scheduler schedule (hourly by default) invokes a
 * Lambda that checks every domain with the checker's core, as a sender sees it, and compares
 * it with what the app publishes: live MX hosts against the served policy, the served body
 * against the published one, the `_mta-sts` id against the served body's, `_smtp._tls` against
 * the published value, the policy host's certificate (30 days: warning, 14 days or invalid:
 * error) and, with `rollups`, reporters gone quiet. For a domain given with its `hostedZoneId`,
 * it also matches the zone's MX record sets against the served policy (a change in the zone is
 * seen before resolvers' caches expire; the role may list exactly those zones). It puts a `Findings` metric per domain and
 * severity, and one alarm (`Alarm`) fires on any error, or when a run puts no data.
 *
 * The function may write nothing but its metrics (in its namespace) and its logs. STARTTLS on
 * the MX hosts is not probed: AWS blocks port 25 from Lambda; run `mta-sts check` from a host
 * that may connect.
 *
 * @example
 * new MtaStsMonitor(this, 'Monitor', {
 *   monitorName: 'prod',
 *   domains: [MtaStsMonitorDomain.of({ domainName: 'example.com', mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'] })],
 *   alarmTopic: topic,
 * });
 */
export class MtaStsMonitor extends Construct {
  /** The monitor's function. */
  public readonly function: lambda.IFunction;
  /** The schedule that invokes it. */
  public readonly schedule: scheduler.ISchedule;
  /** The alarm: any error finding in a run, or a run that put no data. */
  public readonly alarm: cw.IAlarm;
  /** The `Monitor` dimension value. */
  public readonly monitorName: string;
  /** The metric namespace. */
  public readonly metricNamespace: string;

  constructor(scope: Construct, id: string, props: MtaStsMonitorProps) {
    super(scope, id);
    const findings: Finding[] = [];
    const monitorName = props.monitorName ?? Names.uniqueResourceName(this, { maxLength: 64 });
    if (!Token.isUnresolved(monitorName) && !NAME.test(monitorName)) {
      findings.push(error('monitor-name', 'monitorName', `\`monitorName\` must be 1 to 64 letters, digits and "._-", got ${show(monitorName)}; use the stage name, for example 'prod'`));
    }
    const namespace = props.metricNamespace ?? DEFAULT_MONITOR_METRIC_NAMESPACE;
    if (!NAMESPACE.test(namespace) || namespace.startsWith('AWS/')) {
      findings.push(error('monitor-namespace', 'metricNamespace', `\`metricNamespace\` must be 1 to 255 of letters, digits and "._/#:-", not starting with "AWS/", got ${show(namespace)}; for example '${DEFAULT_MONITOR_METRIC_NAMESPACE}'`));
    }
    const interval = props.interval ?? Duration.hours(1);
    const seconds = interval.toSeconds({ integral: false });
    if (!(seconds >= 300 && seconds <= 86400 && seconds % 60 === 0)) {
      findings.push(error('monitor-interval', 'interval', `\`interval\` must be a whole number of minutes from 5 minutes to 1 day, got ${seconds} seconds; for example Duration.hours(1)`));
    }
    const concurrency = props.concurrency ?? 8;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
      findings.push(error('monitor-concurrency', 'concurrency', `\`concurrency\` must be a whole number from 1 to 32, got ${show(concurrency)}`));
    }
    const domains = props.domains ?? [];
    const names = new Set<string>();
    for (const d of domains) {
      if (names.has(d.domainName)) findings.push(error('monitor-domain-duplicate', 'domains', `\`domains\` lists ${show(d.domainName)} twice: list each domain once`));
      names.add(d.domainName);
    }
    if (domains.length === 0 || domains.length > MAX_MONITOR_DOMAINS) {
      findings.push(error('monitor-domains', 'domains', `\`domains\` must list 1 to ${MAX_MONITOR_DOMAINS} domains, got ${domains.length}; split a larger fleet over several monitors`));
    }
    throwOnErrors(findings, `MtaStsMonitor ${this.node.path}`);
    this.monitorName = monitorName;
    this.metricNamespace = namespace;

    const fn = this.makeFunction(props, { monitorName, namespace, seconds, concurrency, domains });
    this.function = fn;
    // The scheduler's own role, so it may invoke this function only (not a stack-wide shared role).
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: `cdk-mta-sts: lets EventBridge Scheduler invoke the MTA-STS drift monitor ${monitorName}`,
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `cdk-mta-sts: runs the MTA-STS drift monitor ${monitorName} every ${seconds / 60} minutes`,
      schedule: scheduler.ScheduleExpression.rate(interval),
      target: new targets.LambdaInvoke(fn, { role: schedulerRole, retryAttempts: 0, maxEventAge: Duration.minutes(Math.min(seconds / 60, 1440)) }),
    });
    acknowledgeNag(schedulerRole, [
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason: 'The scheduler may invoke the monitor\'s one function (the ":*" form covers its versions and aliases, as the scheduler target grants it) and nothing else.',
      },
    ]);

    const alarm = new cw.Alarm(this, 'Alarm', {
      alarmDescription:
        `MTA-STS monitor ${monitorName}: a run found an error (an MX host the served policy does not cover, a stale or edited policy, a certificate within 14 days of expiry or invalid, a DNS failure), ` +
        'or no run put data (the monitor failed or did not run). Its log group holds one JSON line per domain with the findings; the README has the playbook per finding code.',
      metric: new cw.Metric({
        namespace,
        metricName: MONITOR_FINDINGS_METRIC,
        dimensionsMap: { [MonitorDimension.MONITOR]: monitorName, [MonitorDimension.SEVERITY]: Severity.ERROR },
        statistic: cw.Stats.MAXIMUM,
        period: interval,
      }),
      threshold: 0,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.BREACHING,
    });
    if (props.alarmTopic) {
      alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      alarm.addOkAction(new cwActions.SnsAction(props.alarmTopic));
    }
    this.alarm = alarm;
    props.dashboard?.addWidgets(
      new cw.AlarmStatusWidget({ title: `MTA-STS monitor ${monitorName}`, alarms: [alarm], width: 24, height: 2 }),
      new cw.GraphWidget({
        title: `Monitor findings per domain (${monitorName})`,
        left: ['error', 'warning'].map(
          (severity) =>
            new cw.MathExpression({
              expression: `SEARCH('{${JSON.stringify(namespace)},${MonitorDimension.MONITOR},${MonitorDimension.DOMAIN},${MonitorDimension.SEVERITY}} ${MonitorDimension.MONITOR}="${monitorName}" ${MonitorDimension.SEVERITY}="${severity}"', 'Maximum', ${seconds})`,
              usingMetrics: {},
              period: interval,
              label: '',
            }),
        ),
        width: 24,
        height: 6,
      }),
    );
  }

  private makeFunction(
    props: MtaStsMonitorProps,
    o: { monitorName: string; namespace: string; seconds: number; concurrency: number; domains: MtaStsMonitorDomain[] },
  ): lambda.Function {
    const zones = [...new Set(o.domains.flatMap((d) => (d.hostedZoneId === undefined ? [] : [d.hostedZoneId])))].sort();
    const timeout = Math.min(900, Math.max(60, Math.ceil(o.domains.length / o.concurrency) * PER_DOMAIN_SECONDS + 30));
    const environment: Record<string, string> = {
      MONITOR_NAME: o.monitorName,
      METRIC_NAMESPACE: o.namespace,
      INTERVAL_SECONDS: String(o.seconds),
      CONCURRENCY: String(o.concurrency),
    };
    if (props.rollups) {
      environment.ROLLUP_BUCKET = props.rollups.bucket.bucketName;
      environment.ROLLUP_PREFIX = props.rollups.prefix ?? '';
    }
    const { function: fn, role } = handlerFunction(
      this,
      { logGroup: 'LogGroup', role: 'Role', function: 'Function' },
      {
        handler: 'mta-sts-monitor',
        description: `checks the MTA-STS domains of ${o.monitorName} live and compares them with what the app publishes`,
        roleDescription: `MTA-STS drift monitor ${o.monitorName}: reads DNS${zones.length > 0 ? ', HTTPS and its hosted zones\' record sets' : ' and HTTPS'}, puts its metrics and logs, writes nothing else`,
        memorySize: 256,
        timeout: Duration.seconds(timeout),
        extra: { code: lambda.Code.fromAsset(codeWithConfig(o.domains)), environment, retryAttempts: 0 },
      },
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PutMetricsInOwnNamespace',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': o.namespace } },
      }),
    );
    if (zones.length > 0) {
      const stack = Stack.of(this);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ListOwnZonesMx',
          actions: ['route53:ListResourceRecordSets'],
          resources: zones.map((z) => stack.formatArn({ service: 'route53', region: '', account: '', resource: 'hostedzone', resourceName: z })),
        }),
      );
    }
    const acks = [
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'cloudwatch:PutMetricData supports no resource-level permissions; the statement is restricted to the monitor\'s namespace with the cloudwatch:namespace condition.' },
    ];
    if (props.rollups) {
      const prefix = props.rollups.prefix ?? '';
      const rollups = `${prefix}${prefix === '' || prefix.endsWith('/') ? '' : '/'}${STORE_PREFIXES.rollups}`;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'ListRollups', actions: ['s3:ListBucket'], resources: [props.rollups.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': `${rollups}*` } } }),
      );
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadRollups', actions: ['s3:GetObject'], resources: [props.rollups.bucket.arnForObjects(`${rollups}*`)] }));
      const bucket = props.rollups.bucket.node.defaultChild as s3.CfnBucket | undefined;
      if (bucket && Stack.of(bucket) === Stack.of(this)) {
        acks.push({ id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucket)}.Arn>/${rollups}*]`, reason: `Read-only access to the rollups ("${rollups}") of the collector's bucket, for the reporter check.` });
      } else {
        acks.push({ id: 'AwsSolutions-IAM5', reason: `Read-only access to the rollups ("${rollups}") of the collector's bucket, for the reporter check.` });
      }
    }
    acknowledgeNag(role, acks);
    return fn;
  }
}

/**
 * A directory holding the bundled handler and its expectations file. Its content (not its path)
 * names the asset, so the same domains give the same asset hash on every synth.
 */
function codeWithConfig(domains: MtaStsMonitorDomain[]): string {
  const bundled = (handlerCode('mta-sts-monitor') as lambda.AssetCode).path;
  const dir = mkdtempSync(join(tmpdir(), 'cdk-mta-sts-monitor-'));
  copyFileSync(join(bundled, 'index.js'), join(dir, 'index.js'));
  writeFileSync(join(dir, MONITOR_CONFIG_FILE), renderMonitorConfig({ version: MONITOR_CONFIG_VERSION, domains: domains.map((d) => d._config()) }));
  return dir;
}
