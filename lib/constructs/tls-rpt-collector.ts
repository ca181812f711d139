import { Annotations, CustomResource, Duration, Lazy, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { isWithinZone, normalizeHostname } from '../policy/domain-name';
import { error, Finding, MtaStsValidationError, show, throwOnErrors } from '../policy/findings';
import { parseMxPattern } from '../policy/mx-pattern';
import { TlsRptDestination } from '../policy/tls-rpt-destination';
import { ReportChannel, STORE_PREFIXES } from '../reports/store-layout';
import type { MtaSts } from './mta-sts';
import { addAthenaTable, REPORTS_TABLE_NAME } from './private/collector-athena';
import {
  COLLECTOR_CONFIG_KEY,
  COLLECTOR_CONFIG_VERSION,
  collectorConfigHash,
  collectorDestinationUris,
  CollectorDomainConfig,
  DEFAULT_REPORT_LOCAL_PART,
  DEFAULT_REPORT_PATH,
  renderCollectorConfig,
  TlsRptDimension,
  TlsRptMetric,
} from './private/collector-config';
import { addEmailChannel } from './private/collector-email';
import { addHttpsChannel } from './private/collector-https';
import { addMonitoring } from './private/collector-monitoring';
import { CollectorSetupProvider } from './private/collector-setup-provider';
import { handlerFunction } from './private/handler-function';
import { acknowledgeNag } from './private/nag';
import { SECURE_BUCKET_PROPS } from './private/secure-bucket';
import { addOutputs } from './private/outputs';

export { TlsRptDimension, TlsRptMetric } from './private/collector-config';

/**
 * The regions where SES receives email (an `inbound-smtp.<region>.amazonaws.com` endpoint), as
 * listed in the AWS General Reference when this version was released. A stack elsewhere cannot
 * have the email channel.
 *
 * @see https://docs.aws.amazon.com/general/latest/gr/ses.html#ses_inbound_endpoints
 */
export const SES_RECEIVING_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'ap-northeast-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
];

/**
 * The reporters kept as their own `Reporter` metric dimension value by default: the big mailbox
 * providers known to send TLS-RPT reports. Every other reporter is `other`.
 */
export const DEFAULT_TLSRPT_REPORTERS: readonly string[] = ['Google', 'Microsoft', 'Mail.ru'];

/** The default CloudWatch namespace of the collector's metrics. */
export const DEFAULT_TLSRPT_METRIC_NAMESPACE = 'CdkMtaSts/TlsRpt';

/** The largest raw object the processor parses: above SES's 40 MB message limit, so nothing SES accepts is refused for its size. */
export const PROCESSOR_MAX_INPUT_BYTES = 48 * 1024 * 1024;

/** The largest `https.maxBodyBytes`: base64 in the Lambda event must stay under Lambda's 6 MB request limit. */
export const MAX_HTTPS_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Whether the collector makes the receipt rule set it creates the active one of the region.
 *
 * SES has exactly one active receipt rule set per region and account; only the rules of that set
 * receive mail.
 *
 * @see https://docs.aws.amazon.com/ses/latest/dg/receiving-email-receipt-rule-set.html
 */
export enum RuleSetActivation {
  /**
   * A custom resource activates the rule set at deploy time when no rule set is active in the
   * region; when another one is active, the deployment fails with its name and the fix (pass it
   * as `email.receiptRuleSet`). The rule set is deactivated again (only if it is still the
   * active one) before it is deleted, because SES refuses to delete the active rule set.
   */
  ACTIVATE = 'activate',
  /**
   * Nothing is activated: run `aws ses set-active-receipt-rule-set --rule-set-name <name>`
   * yourself (the synth warning `cdk-mta-sts:rule-set-not-activated` gives the name). Until a
   * rule set holding the collector's rule is active, SES does not store the report emails.
   */
  MANUAL = 'manual',
}

/** A plain domain for `TlsRptDomain.of`. */
export interface TlsRptDomainOptions {
  /** The policy domain, as senders name it in reports (`example.com`). */
  readonly domainName: string;
  /** The `mx` patterns of the domain's MTA-STS policy (`mx1.example.com`, `*.mail.example.com`). */
  readonly mx: string[];
}

/**
 * A domain the collector expects reports for. Its name becomes a `Domain` metric dimension value
 * (all other domains are `other`), and its `mx` patterns the `MxHost` values (all other hosts
 * are `other`).
 *
 * @example
 * TlsRptDomain.fromMtaSts(exampleCom);
 * TlsRptDomain.of({ domainName: 'example.org', mx: ['*.mail.example.org'] });
 */
export class TlsRptDomain {
  /** The domain of an `MtaSts` construct, with its policy's mx patterns. */
  public static fromMtaSts(mtaSts: MtaSts): TlsRptDomain {
    return new TlsRptDomain(mtaSts.domainName, [...mtaSts.policy.mx]);
  }

  /** A domain given by name and mx patterns (validated like the policy's). */
  public static of(options: TlsRptDomainOptions): TlsRptDomain {
    const findings: Finding[] = [];
    const name = normalizeHostname(options.domainName, 'domainName', 'a domain name');
    findings.push(...name.findings);
    const mx: string[] = [];
    if (!Array.isArray(options.mx) || options.mx.length === 0) {
      findings.push(error('collector-domain-mx', 'mx', `\`mx\` of ${show(options.domainName)} must list the policy's mx patterns, got ${show(options.mx)}; for example ['mx1.example.com']`));
    } else {
      options.mx.forEach((m, i) => {
        const p = parseMxPattern(m, `mx[${i}]`);
        findings.push(...p.findings);
        if (p.pattern) mx.push(p.pattern);
      });
    }
    throwOnErrors(findings, 'TlsRptDomain.of');
    return new TlsRptDomain(name.name!, [...new Set(mx)].sort());
  }

  /** The policy domain (lower-case A-labels). */
  public readonly domainName: string;
  /** The normalised mx patterns, sorted. */
  public readonly mx: string[];

  private constructor(domainName: string, mx: string[]) {
    this.domainName = domainName;
    this.mx = mx;
  }
}

/** The email channel: SES inbound for a report address. */
export interface TlsRptEmailOptions {
  /**
   * The domain of the report address, for example `tlsrpt.example.com`. The collector publishes
   * an MX record at this name to SES inbound, so use a name that receives no other mail (never a
   * mail domain the collector watches: its MX would be replaced).
   */
  readonly domainName: string;
  /** The Route 53 hosted zone that holds `domainName` (its apex or a parent). */
  readonly hostedZone: route53.IHostedZone;
  /**
   * The local part of the report address.
   * @default 'tlsrpt'
   */
  readonly localPart?: string;
  /**
   * An existing receipt rule set to add the report rule to. SES has one active rule set per
   * region: when your account already receives mail with SES in this region, pass its active
   * rule set here (`ses.ReceiptRuleSet.fromReceiptRuleSetName`).
   * @default - a rule set is created (and activated, see `ruleSetActivation`)
   */
  readonly receiptRuleSet?: ses.IReceiptRuleSet;
  /**
   * Whether a rule set the collector creates is made the active one. Only for a created rule
   * set: an existing one (`receiptRuleSet`) is never activated or deactivated.
   * @default RuleSetActivation.ACTIVATE
   */
  readonly ruleSetActivation?: RuleSetActivation;
}

/** The HTTPS channel: an endpoint reporters POST to (RFC 8460 section 5.3). */
export interface TlsRptHttpsOptions {
  /**
   * The endpoint's host name, for example `tlsrpt.example.com`. A custom domain is required: the
   * `_smtp._tls` record is written at synth time and cannot hold a generated API URL.
   */
  readonly domainName: string;
  /** The Route 53 hosted zone that holds `domainName` (alias records are added). */
  readonly hostedZone: route53.IHostedZone;
  /**
   * The path reporters POST to, without the leading slash.
   * @default 'v1/report'
   */
  readonly path?: string;
  /**
   * The certificate of `domainName`, in the stack's region (a regional API endpoint).
   * @default - a DNS-validated certificate is created in `hostedZone`
   */
  readonly certificate?: acm.ICertificate;
  /**
   * The largest body accepted, in bytes; a larger one is answered 413 and nothing is stored.
   * At most `MAX_HTTPS_BODY_BYTES` (4 MiB).
   * @default 1048576 (1 MiB: a gzipped daily report is a few KiB)
   */
  readonly maxBodyBytes?: number;
  /**
   * The steady-state request rate of the endpoint (requests a second, API Gateway stage
   * throttling); above it reporters get 429 and retry (RFC 8460: for 24 hours).
   * @default 10
   */
  readonly throttlingRateLimit?: number;
  /**
   * The burst of requests the endpoint takes above the rate.
   * @default 50
   */
  readonly throttlingBurstLimit?: number;
}

/** Props of `TlsRptCollector`. */
export interface TlsRptCollectorProps {
  /**
   * Receive reports by email (SES inbound).
   * @default - no email channel (give `email`, `https` or both)
   */
  readonly email?: TlsRptEmailOptions;

  /**
   * Receive reports by HTTPS POST.
   * @default - no HTTPS channel (give `email`, `https` or both)
   */
  readonly https?: TlsRptHttpsOptions;

  /**
   * The domains the collector expects reports for (more with `addDomain`).
   * @default - none yet: every report counts under the `Domain` dimension `other` until domains are added
   */
  readonly domains?: TlsRptDomain[];

  /**
   * The reporters kept as their own `Reporter` metric dimension value: a DKIM-verified report's
   * signing domain matches a name when it equals it or starts with it followed by a
   * non-alphanumeric character, case-insensitively (`Google` matches `google.com`); unverified
   * reports are always `other`. At most 25.
   * @default DEFAULT_TLSRPT_REPORTERS
   */
  readonly reporters?: string[];

  /**
   * Count reports received by HTTPS as readiness evidence (`mta-sts readiness --bucket` reads
   * this from the collector's configuration, as if `--trust-https` were given). RFC 8460 gives
   * no way to authenticate an HTTPS report, and the endpoint is public: anyone can POST reports
   * in any reporter's name. Leave it off unless every HTTPS sender is known to you; the verdict
   * says when it was on.
   * @default false
   */
  readonly trustHttpsReports?: boolean;

  /**
   * The CloudWatch namespace of the metrics (the processor may put metrics in this namespace only).
   * @default DEFAULT_TLSRPT_METRIC_NAMESPACE ('CdkMtaSts/TlsRpt')
   */
  readonly metricNamespace?: string;

  /**
   * An SNS topic the three alarms notify when they go into ALARM.
   * @default - the alarms have no actions
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * The period of the failed-sessions and quarantine alarms: the alarm stays in ALARM for this
   * long after the last failure was processed. A whole number of minutes, at most 1 day.
   * @default Duration.days(1)
   */
  readonly alarmPeriod?: Duration;

  /**
   * How long raw inputs (`raw/`: emails and POST bodies, which hold IP addresses) are kept.
   * @default Duration.days(400)
   */
  readonly rawRetention?: Duration;

  /**
   * How long normalised reports (`reports/`, with the sending IP addresses) are kept.
   * @default Duration.days(400)
   */
  readonly reportRetention?: Duration;

  /**
   * How long quarantined copies and their notes (`quarantine/`) are kept.
   * @default Duration.days(400)
   */
  readonly quarantineRetention?: Duration;

  /**
   * How long rollups (`rollups/`: counts per domain, day, result type and MX host, no IP
   * addresses) are kept. They are what `mta-sts reports` and the readiness verdict read.
   * @default - kept until you delete them
   */
  readonly rollupRetention?: Duration;

  /**
   * What happens to the report bucket when the collector is removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * A bucket for the report bucket's server access logs.
   * @default - no server access logs (CloudTrail data events can log object access instead)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * The name of the Glue database that holds the `reports` table (lower case letters, digits, `_`).
   * @default - `tlsrpt_` and a name derived from the construct path
   */
  readonly glueDatabaseName?: string;

  /**
   * The name of the CloudWatch dashboard.
   * @default - a name generated by CloudFormation
   */
  readonly dashboardName?: string;

  /**
   * TTL of the MX, DKIM and alias records.
   * @default Duration.minutes(5)
   */
  readonly recordTtl?: Duration;

  /**
   * Reserved concurrency of the processor Lambda (1 to 1000): the most inputs parsed at once, so
   * a burst of reports can never take the account's Lambda concurrency from other functions.
   * Inputs over it wait in Lambda's asynchronous queue (up to 6 hours) and are retried, not lost.
   * The account must keep 100 executions unreserved: raise its concurrency quota first when it
   * is the new-account 10.
   * @default 5
   */
  readonly processorReservedConcurrency?: number;

  /**
   * Reserved concurrency of the HTTPS ingest Lambda (1 to 1000), when `https` is given: the most
   * POSTs stored at once. A request over it is refused by API Gateway, and reporters retry for
   * a day (RFC 8460 section 5.3).
   * @default 20
   */
  readonly ingestReservedConcurrency?: number;
}

/** The default `processorReservedConcurrency`. */
const DEFAULT_PROCESSOR_RESERVED_CONCURRENCY = 5;
/** The default `ingestReservedConcurrency`. */
const DEFAULT_INGEST_RESERVED_CONCURRENCY = 20;

const DEFAULT_RETENTION_DAYS = 400;
const EMAIL_RAW_PREFIX = `${STORE_PREFIXES.raw}channel=${ReportChannel.EMAIL}/`;
const HTTPS_RAW_PREFIX = `${STORE_PREFIXES.raw}channel=${ReportChannel.HTTPS}/`;
const LOCAL_PART = /^[a-z0-9](?:[a-z0-9._+-]{0,62}[a-z0-9])?$/;
const PATH = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$/;
const NAMESPACE = /^[A-Za-z0-9._/#:-]{1,255}$/;
const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
const MAX_REPORTERS = 25;

/**
 * Collects the TLS-RPT reports (RFC 8460) of the domains it is given, by email (SES inbound), by
 * HTTPS POST (API Gateway), or both, and turns them into the store the readiness verdict reads,
 * CloudWatch metrics, alarms, a dashboard and an Athena table.
 *
 * - Every input is stored raw first (`raw/channel=<email|https>/...` in the report bucket),
 *   before any parsing; the HTTPS endpoint answers 201 only once the body is in S3.
 * - A processor Lambda, triggered by each raw object, parses it with the report core and writes
 *   the normalised report (`reports/day=<d>/<key>.json`) and one rollup per report and domain
 *   (`rollups/domain=<d>/day=<d>/<key>.json`, the authoritative store), keyed by the report's
 *   idempotency key, so the same report twice gives the same objects. What is not a report is
 *   copied to `quarantine/reason=<reason>/...` with a note; nothing is deleted.
 * - `destinations` are the `rua` URIs to pass to `MtaSts`'s `tlsRptDestinations`. Both are known
 *   at synth time: the HTTPS endpoint has its own domain name and certificate in the stack's
 *   region.
 *
 * @example
 * const collector = new TlsRptCollector(this, 'TlsRpt', {
 *   email: { domainName: 'tlsrpt.example.com', hostedZone },
 *   https: { domainName: 'tlsrpt.example.com', hostedZone },
 *   alarmTopic,
 * });
 * const exampleCom = new MtaSts(this, 'ExampleCom', {
 *   domainName: 'example.com',
 *   hostedZone,
 *   mx: ['mx1.example.com'],
 *   tlsRptDestinations: collector.destinations,
 * });
 * collector.addDomain(TlsRptDomain.fromMtaSts(exampleCom));
 * @see https://www.rfc-editor.org/rfc/rfc8460
 */
export class TlsRptCollector extends Construct {
  /** The `rua` destinations to publish (pass them to `MtaSts`'s `tlsRptDestinations`): mailto first, then https. */
  public readonly destinations: TlsRptDestination[];
  /** The report address, when the email channel is on. */
  public readonly emailAddress?: string;
  /** The URL reporters POST to, when the HTTPS channel is on. */
  public readonly endpointUrl?: string;
  /** The report bucket: raw inputs, normalised reports, rollups, quarantine (see `STORE_PREFIXES`). */
  public readonly bucket: s3.IBucket;
  /** The processor Lambda (triggered by objects under `raw/`). */
  public readonly processor: lambda.IFunction;
  /** Where the processor's failed events go after its retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The HTTPS ingest Lambda, when the HTTPS channel is on. */
  public readonly ingestFunction?: lambda.IFunction;
  /** The HTTP API, when the HTTPS channel is on. */
  public readonly httpApi?: apigwv2.IHttpApi;
  /** The certificate of the HTTPS endpoint, when the HTTPS channel is on. */
  public readonly certificate?: acm.ICertificate;
  /** The SES domain identity of the report address's domain, when the email channel is on. */
  public readonly emailIdentity?: ses.IEmailIdentity;
  /** The receipt rule set holding the report rule (created or given), when the email channel is on. */
  public readonly receiptRuleSet?: ses.IReceiptRuleSet;
  /** The receipt rule that stores report emails, when the email channel is on. */
  public readonly receiptRule?: ses.IReceiptRule;
  /** The CloudWatch namespace of the metrics. */
  public readonly metricNamespace: string;
  /** Alarm: failed sessions to the configured domains > 0. */
  public readonly failedSessionsAlarm: cw.IAlarm;
  /** Alarm: an input was quarantined. */
  public readonly quarantineAlarm: cw.IAlarm;
  /** Alarm: the processor failed after its retries (dead-letter queue not empty). */
  public readonly processingFailureAlarm: cw.IAlarm;
  /** The dashboard. */
  public readonly dashboard: cw.Dashboard;
  /** The Glue database of the Athena table. */
  public readonly glueDatabaseName: string;
  /** The Athena table of normalised reports (in `glueDatabaseName`). */
  public readonly glueTableName: string;

  private readonly domains = new Map<string, CollectorDomainConfig>();
  private readonly emailDomain?: string;

  constructor(scope: Construct, id: string, props: TlsRptCollectorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const region = stack.region;
    const findings: Finding[] = [];

    if (!props.email && !props.https) {
      findings.push(error('collector-no-channel', 'email', '`email` and `https` are both missing: give at least one channel, for example `email: { domainName: \'tlsrpt.example.com\', hostedZone }`'));
    }

    // Email channel.
    let emailDomain: string | undefined;
    let localPart = DEFAULT_REPORT_LOCAL_PART;
    if (props.email) {
      emailDomain = checkDomainInZone(props.email.domainName, props.email.hostedZone, 'email.domainName', findings);
      if (props.email.localPart !== undefined) {
        localPart = props.email.localPart;
        if (typeof localPart !== 'string' || !LOCAL_PART.test(localPart) || localPart.includes('..')) {
          findings.push(
            error(
              'collector-local-part',
              'email.localPart',
              `\`email.localPart\` must be 1 to 64 lower-case letters, digits and "._+-", starting and ending with a letter or digit, got ${show(localPart)}; for example 'tlsrpt'`,
            ),
          );
        }
      }
      if (!Token.isUnresolved(region) && !SES_RECEIVING_REGIONS.includes(region)) {
        findings.push(
          error(
            'collector-ses-region',
            'email',
            `\`email\` needs SES email receiving, which the stack's region ${region} does not have; SES receives email only in ${SES_RECEIVING_REGIONS.join(', ')}: ` +
              'put the collector in a stack in one of them (the MTA-STS domains can stay where they are), or use only `https`',
          ),
        );
      }
      if (props.email.receiptRuleSet && props.email.ruleSetActivation !== undefined) {
        findings.push(
          error(
            'collector-rule-set-activation',
            'email.ruleSetActivation',
            `\`email.ruleSetActivation\` is ${show(props.email.ruleSetActivation)}, but \`email.receiptRuleSet\` is given: the collector never activates a rule set it did not create; remove \`ruleSetActivation\` (and make sure the given rule set is the active one)`,
          ),
        );
      }
    }

    // HTTPS channel.
    let httpsDomain: string | undefined;
    let path = DEFAULT_REPORT_PATH;
    let maxBodyBytes = 1024 * 1024;
    let rateLimit = 10;
    let burstLimit = 50;
    if (props.https) {
      httpsDomain = checkDomainInZone(props.https.domainName, props.https.hostedZone, 'https.domainName', findings);
      if (props.https.path !== undefined) {
        path = typeof props.https.path === 'string' ? props.https.path.replace(/^\//, '') : props.https.path;
        if (typeof path !== 'string' || path.length > 128 || !PATH.test(path)) {
          findings.push(
            error(
              'collector-https-path',
              'https.path',
              `\`https.path\` must be 1 to 128 characters of letters, digits, "._~-" and "/" between segments, got ${show(props.https.path)}; for example 'v1/report'`,
            ),
          );
        }
      }
      maxBodyBytes = checkNumber(props.https.maxBodyBytes, maxBodyBytes, 'https.maxBodyBytes', 1024, MAX_HTTPS_BODY_BYTES, true, 'bytes (a gzipped daily report is a few KiB; Lambda takes at most 6 MB of base64)', findings);
      rateLimit = checkNumber(props.https.throttlingRateLimit, rateLimit, 'https.throttlingRateLimit', 1, 10000, false, 'requests a second', findings);
      burstLimit = checkNumber(props.https.throttlingBurstLimit, burstLimit, 'https.throttlingBurstLimit', 1, 5000, true, 'requests', findings);
    }

    // Everything else.
    const processorConcurrency = checkNumber(props.processorReservedConcurrency, DEFAULT_PROCESSOR_RESERVED_CONCURRENCY, 'processorReservedConcurrency', 1, 1000, true, 'concurrent executions', findings);
    const ingestConcurrency = checkNumber(props.ingestReservedConcurrency, DEFAULT_INGEST_RESERVED_CONCURRENCY, 'ingestReservedConcurrency', 1, 1000, true, 'concurrent executions', findings);
    const namespace = props.metricNamespace ?? DEFAULT_TLSRPT_METRIC_NAMESPACE;
    if (typeof namespace !== 'string' || !NAMESPACE.test(namespace) || namespace.startsWith('AWS/')) {
      findings.push(
        error(
          'collector-namespace',
          'metricNamespace',
          `\`metricNamespace\` must be 1 to 255 of letters, digits and "._/#:-", not starting with "AWS/", got ${show(namespace)}; for example '${DEFAULT_TLSRPT_METRIC_NAMESPACE}'`,
        ),
      );
    }
    const reporters = checkReporters(props.reporters, findings);
    const alarmPeriod = props.alarmPeriod ?? Duration.days(1);
    if (!alarmPeriod.isUnresolved()) {
      const s = alarmPeriod.toSeconds({ integral: false });
      if (!(s >= 60 && s <= 86400 && s % 60 === 0)) {
        findings.push(error('collector-alarm-period', 'alarmPeriod', `\`alarmPeriod\` must be a whole number of minutes from 1 minute to 1 day, got ${s} seconds; for example Duration.days(1)`));
      }
    }
    const rawDays = checkRetention(props.rawRetention, 'rawRetention', findings);
    const reportDays = checkRetention(props.reportRetention, 'reportRetention', findings);
    const quarantineDays = checkRetention(props.quarantineRetention, 'quarantineRetention', findings);
    const rollupDays = props.rollupRetention === undefined ? undefined : checkRetention(props.rollupRetention, 'rollupRetention', findings);
    const glueDatabaseName =
      props.glueDatabaseName ?? `tlsrpt_${Names.uniqueResourceName(this, { maxLength: 100, separator: '_' }).toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
    if (typeof glueDatabaseName !== 'string' || !GLUE_NAME.test(glueDatabaseName)) {
      findings.push(
        error('collector-glue-name', 'glueDatabaseName', `\`glueDatabaseName\` must be 1 to 255 lower-case letters, digits and "_", got ${show(glueDatabaseName)}; for example 'tlsrpt_reports'`),
      );
    }

    // Destinations (validated by TlsRptDestination: the generator profile of RFC 8460 section 3).
    const dests: TlsRptDestination[] = [];
    const [mailtoUri] = collectorDestinationUris(emailDomain ? { domainName: emailDomain, localPart } : undefined);
    const [endpointUrl] = collectorDestinationUris(undefined, httpsDomain ? { domainName: httpsDomain, path } : undefined);
    const emailAddress = mailtoUri?.slice('mailto:'.length);
    if (emailAddress && !findings.some((f) => f.field.startsWith('email'))) {
      destinationOf(() => TlsRptDestination.mailto(emailAddress), 'email', emailAddress, dests, findings);
    }
    if (endpointUrl && !findings.some((f) => f.field.startsWith('https'))) {
      destinationOf(() => TlsRptDestination.https(endpointUrl), 'https', endpointUrl, dests, findings);
    }
    this.emailDomain = emailDomain;
    for (const d of props.domains ?? []) this.addDomainTo(d, findings);
    throwOnErrors(findings, `TlsRptCollector ${this.node.path}`);

    this.destinations = dests;
    this.emailAddress = emailAddress;
    this.endpointUrl = endpointUrl;
    this.metricNamespace = namespace;
    this.glueDatabaseName = glueDatabaseName;
    this.glueTableName = REPORTS_TABLE_NAME;

    // The report bucket.
    const lifecycleRules: s3.LifecycleRule[] = [
      { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      { id: 'ExpireRaw', prefix: STORE_PREFIXES.raw, expiration: rawDays },
      { id: 'ExpireReports', prefix: STORE_PREFIXES.reports, expiration: reportDays },
      { id: 'ExpireQuarantine', prefix: STORE_PREFIXES.quarantine, expiration: quarantineDays },
    ];
    if (rollupDays) lifecycleRules.push({ id: 'ExpireRollups', prefix: STORE_PREFIXES.rollups, expiration: rollupDays });
    // Versioned: no key is ever overwritten by the collector (unique raw ids, copies keyed by content,
    // If-None-Match), so a version other than the first is someone else's write, kept for 90 days.
    lifecycleRules.push({ id: 'ExpireOverwrittenVersions', noncurrentVersionExpiration: Duration.days(90) });
    const bucket = new s3.Bucket(this, 'Bucket', {
      ...SECURE_BUCKET_PROPS,
      versioned: true,
      lifecycleRules,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? 'tlsrpt-reports/' : undefined,
    });
    if (!props.serverAccessLogsBucket) {
      acknowledgeNag(bucket, [
        {
          id: 'AwsSolutions-S1',
          reason: 'Writers are SES and the collector\'s own Lambdas (logged in CloudWatch); give `serverAccessLogsBucket` to log object access as well.',
        },
      ]);
    }
    this.bucket = bucket;
    addOutputs(this, { reportBucket: bucket.bucketName, reportEndpoint: endpointUrl, reportAddress: emailAddress });

    // The configuration object the processor reads (domains and mx patterns, reporters).
    const setup = CollectorSetupProvider.of(this);
    setup.grantConfigWrite(bucket, COLLECTOR_CONFIG_KEY);
    const trustHttps = props.trustHttpsReports === true;
    if (trustHttps) {
      Annotations.of(this).addWarningV2(
        'cdk-mta-sts:trust-https-reports',
        '`trustHttpsReports` is on: unauthenticated HTTPS reports count toward the readiness verdict, and anyone can POST reports to the endpoint in any reporter\'s name',
      );
    }
    const render = () => renderCollectorConfig({ version: COLLECTOR_CONFIG_VERSION, domains: [...this.domains.values()], reporters, ...(trustHttps ? { trustHttps } : {}) });
    const renderedConfig = Lazy.string({ produce: render });
    const config = new CustomResource(this, 'Config', {
      serviceToken: setup.function.functionArn,
      resourceType: 'Custom::TlsRptCollectorConfig',
      properties: { BucketName: bucket.bucketName, ObjectKey: COLLECTOR_CONFIG_KEY, Config: renderedConfig },
    });
    config.node.addDependency(setup);

    // The processor.
    this.deadLetterQueue = new sqs.Queue(this, 'ProcessorDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNag(this.deadLetterQueue, [
      { id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter destination of the processor; its messages are kept 14 days and alarmed on.' },
    ]);
    const { function: processor, role: processorRole } = handlerFunction(
      this,
      { logGroup: 'ProcessorLogGroup', role: 'ProcessorRole', function: 'Processor' },
      {
        handler: 'tls-rpt-processor',
        description: 'parses each stored TLS-RPT input into a normalised report, rollups and metrics, or quarantines it',
        roleDescription: 'parses stored TLS-RPT reports into normalised reports, rollups, quarantine and metrics',
        memorySize: 1024,
        timeout: Duration.minutes(2),
        extra: {
          environment: {
            METRIC_NAMESPACE: namespace,
            CONFIG_KEY: COLLECTOR_CONFIG_KEY,
            MAX_INPUT_BYTES: String(PROCESSOR_MAX_INPUT_BYTES),
            // Changes with the configuration, so containers that cached the old one are replaced.
            CONFIG_VERSION: Lazy.string({ produce: () => collectorConfigHash(render()) }),
          },
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          reservedConcurrentExecutions: processorConcurrency,
          onFailure: new destinations.SqsDestination(this.deadLetterQueue),
        },
      },
    );
    processorRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadRawInputsAndConfig',
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(`${STORE_PREFIXES.raw}*`), bucket.arnForObjects(COLLECTOR_CONFIG_KEY)],
      }),
    );
    processorRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteReportsRollupsQuarantine',
        actions: ['s3:PutObject'],
        resources: [STORE_PREFIXES.reports, STORE_PREFIXES.rollups, STORE_PREFIXES.quarantine, STORE_PREFIXES.state].map((p) => bucket.arnForObjects(`${p}*`)),
      }),
    );
    // The metrics claim and marker are read back. A missing one must answer 404, which S3 does only
    // for a caller allowed s3:ListBucket on the bucket (else 403), and a request for one object
    // carries no s3:prefix to condition on: so ListBucket on this bucket, unconditioned.
    processorRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadMetricsState', actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${STORE_PREFIXES.state}*`)] }));
    processorRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'TellMissingState', actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    // The trust boundary of the evidence: only the processor writes what readiness reads.
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheProcessorWritesEvidence',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [STORE_PREFIXES.reports, STORE_PREFIXES.rollups, STORE_PREFIXES.state].map((p) => bucket.arnForObjects(`${p}*`)),
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': processorRole.roleArn } },
      }),
    );
    processorRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PutMetricsInOwnNamespace',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
      }),
    );
    processor.node.addDependency(config);
    this.processor = processor;
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(processor), { prefix: STORE_PREFIXES.raw });
    acknowledgeNotificationsHandler(this);
    acknowledgeNag(processorRole, [
      ...[STORE_PREFIXES.raw, STORE_PREFIXES.reports, STORE_PREFIXES.rollups, STORE_PREFIXES.quarantine, STORE_PREFIXES.state].map((p) => ({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${p}*]`,
        reason: `Object-level access to the keys under "${p}" of the report bucket only (the store layout's prefix for this role's job).`,
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'cloudwatch:PutMetricData supports no resource-level permissions; the statement is restricted to the collector\'s namespace with the cloudwatch:namespace condition.',
      },
    ]);

    // Channels.
    if (props.email && emailDomain && emailAddress) {
      const activation = props.email.ruleSetActivation ?? RuleSetActivation.ACTIVATE;
      const ch = addEmailChannel(this, {
        bucket,
        rawPrefix: EMAIL_RAW_PREFIX,
        domainName: emailDomain,
        hostedZone: props.email.hostedZone,
        address: emailAddress,
        receiptRuleSet: props.email.receiptRuleSet,
        activate: activation === RuleSetActivation.ACTIVATE,
        region,
        recordTtl: props.recordTtl ?? Duration.minutes(5),
      });
      this.emailIdentity = ch.identity;
      this.receiptRuleSet = ch.ruleSet;
      this.receiptRule = ch.rule;
      if (Token.isUnresolved(region)) {
        Annotations.of(this).addWarningV2(
          'cdk-mta-sts:ses-region-unknown',
          `the stack's region is not known at synth time, so it could not be checked for SES email receiving (${SES_RECEIVING_REGIONS.join(', ')}); give the stack an explicit env`,
        );
      }
      if (ch.ruleSetCreated && activation === RuleSetActivation.MANUAL) {
        Annotations.of(this).addWarningV2(
          'cdk-mta-sts:rule-set-not-activated',
          `the receipt rule set of ${emailAddress} is not activated (\`email.ruleSetActivation\` is MANUAL): SES stores no report email until you run ` +
            '`aws ses set-active-receipt-rule-set --rule-set-name <name>` with the name of the rule set this stack creates (its ReceiptRuleSet resource)',
        );
      }
    }
    let ingest: lambda.IFunction | undefined;
    if (props.https && httpsDomain) {
      const ch = addHttpsChannel(this, {
        bucket,
        rawPrefix: HTTPS_RAW_PREFIX,
        domainName: httpsDomain,
        hostedZone: props.https.hostedZone,
        path,
        certificate: props.https.certificate,
        maxBodyBytes,
        rateLimit,
        burstLimit,
        reservedConcurrency: ingestConcurrency,
      });
      ingest = ch.function;
      this.ingestFunction = ch.function;
      this.httpApi = ch.httpApi;
      this.certificate = ch.certificate;
      acknowledgeNag(ch.function.role, [
        {
          id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${HTTPS_RAW_PREFIX}*]`,
          reason: `PutObject on the keys under "${HTTPS_RAW_PREFIX}" only: each POST is stored under a new key (receive time and UUID).`,
        },
      ]);
    }

    // Monitoring and Athena.
    const monitoring = addMonitoring(this, {
      namespace,
      alarmPeriod,
      alarmTopic: props.alarmTopic,
      processor,
      deadLetterQueue: this.deadLetterQueue,
      ingest,
      dashboardName: props.dashboardName,
      destinations: dests.map((d) => d.uri),
      bucketName: bucket.bucketName,
      glueTable: `${glueDatabaseName}.${REPORTS_TABLE_NAME}`,
    });
    this.failedSessionsAlarm = monitoring.failedSessionsAlarm;
    this.quarantineAlarm = monitoring.quarantineAlarm;
    this.processingFailureAlarm = monitoring.processingFailureAlarm;
    this.dashboard = monitoring.dashboard;
    addAthenaTable(this, bucket, glueDatabaseName);
  }

  /**
   * Adds a domain the collector expects reports for (a `Domain` metric dimension value, and its
   * mx patterns as `MxHost` values). Domains can be added after construction, so the collector
   * can be created first and its `destinations` passed to the `MtaSts` constructs.
   *
   * @param domain the domain (`TlsRptDomain.fromMtaSts` or `TlsRptDomain.of`)
   */
  public addDomain(domain: TlsRptDomain): void {
    const findings: Finding[] = [];
    this.addDomainTo(domain, findings);
    throwOnErrors(findings, `TlsRptCollector ${this.node.path}`);
  }

  /** The domains configured so far, sorted. */
  public get domainNames(): string[] {
    return [...this.domains.keys()].sort();
  }

  /**
   * A metric of the collector (summed per `period`), for your own alarms and dashboards.
   *
   * @param metric the metric
   * @param domain a configured domain (the `Domain` dimension); omit for the total over the configured domains
   * @param period the period
   */
  public metric(metric: TlsRptMetric, domain?: string, period: Duration = Duration.days(1)): cw.Metric {
    return new cw.Metric({
      namespace: this.metricNamespace,
      metricName: metric,
      dimensionsMap: domain === undefined ? undefined : { [TlsRptDimension.DOMAIN]: domain },
      statistic: cw.Stats.SUM,
      period,
    });
  }

  private addDomainTo(domain: TlsRptDomain, findings: Finding[]): void {
    if (!(domain instanceof TlsRptDomain)) {
      findings.push(error('collector-domain-type', 'domains', `\`domains\` must hold TlsRptDomain values, got ${show(domain)}; use TlsRptDomain.fromMtaSts(mtaSts) or TlsRptDomain.of({ domainName, mx })`));
      return;
    }
    if (this.domains.has(domain.domainName)) {
      findings.push(error('collector-domain-duplicate', 'domains', `\`domains\` lists ${show(domain.domainName)} twice; add each domain once`));
      return;
    }
    if (this.emailDomain !== undefined && domain.domainName === this.emailDomain) {
      findings.push(
        error(
          'collector-email-domain-is-mail-domain',
          'email.domainName',
          `\`email.domainName\` ${show(this.emailDomain)} is a mail domain the collector watches: the collector would replace its MX record with SES inbound; use a dedicated name such as ${show(`tlsrpt.${domain.domainName}`)}`,
        ),
      );
      return;
    }
    this.domains.set(domain.domainName, { domain: domain.domainName, mx: [...domain.mx] });
  }
}

function checkDomainInZone(value: string, zone: route53.IHostedZone, field: string, findings: Finding[]): string | undefined {
  const n = normalizeHostname(value, field, 'a domain name');
  findings.push(...n.findings);
  if (n.name === undefined) return undefined;
  const zoneName = zone?.zoneName;
  if (typeof zoneName === 'string' && !Token.isUnresolved(zoneName) && !isWithinZone(n.name, zoneName)) {
    findings.push(
      error('collector-domain-outside-zone', field, `\`${field}\` ${show(n.name)} is not in the hosted zone ${show(zoneName)}: give the zone that holds the name (its apex or a parent)`),
    );
    return undefined;
  }
  return n.name;
}

function checkNumber(value: number | undefined, fallback: number, field: string, min: number, max: number, integer: boolean, unit: string, findings: Finding[]): number {
  if (value === undefined) return fallback;
  if (Token.isUnresolved(value)) return value;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    findings.push(error('collector-number', field, `\`${field}\` must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max} ${unit}, got ${show(value)}`));
    return fallback;
  }
  return value;
}

function checkRetention(value: Duration | undefined, field: string, findings: Finding[]): Duration {
  const d = value ?? Duration.days(DEFAULT_RETENTION_DAYS);
  if (d.isUnresolved()) return d;
  const days = d.toHours({ integral: false }) / 24;
  if (!Number.isInteger(days) || days < 1) {
    findings.push(error('collector-retention', field, `\`${field}\` must be a whole number of days, at least 1, got ${d.toHumanString()}; for example Duration.days(${DEFAULT_RETENTION_DAYS})`));
    return Duration.days(DEFAULT_RETENTION_DAYS);
  }
  return Duration.days(days);
}

function checkReporters(value: string[] | undefined, findings: Finding[]): string[] {
  if (value === undefined) return [...DEFAULT_TLSRPT_REPORTERS];
  if (!Array.isArray(value) || value.length > MAX_REPORTERS) {
    findings.push(error('collector-reporters', 'reporters', `\`reporters\` must be a list of at most ${MAX_REPORTERS} names (each a metric dimension value), got ${show(value)}`));
    return [...DEFAULT_TLSRPT_REPORTERS];
  }
  const seen = new Set<string>();
  value.forEach((r, i) => {
    const ok = typeof r === 'string' && r.trim() === r && /^[\x20-\x7e]{1,64}$/.test(r) && r.toLowerCase() !== 'other';
    if (!ok) {
      findings.push(error('collector-reporters', `reporters[${i}]`, `\`reporters[${i}]\` must be 1 to 64 printable ASCII characters without surrounding spaces, and not "other", got ${show(r)}; for example 'Google'`));
    } else if (seen.has(r.toLowerCase())) {
      findings.push(error('collector-reporters', `reporters[${i}]`, `\`reporters[${i}]\` ${show(r)} is listed twice; list each reporter once`));
    }
    if (typeof r === 'string') seen.add(r.toLowerCase());
  });
  return [...value];
}

function destinationOf(build: () => TlsRptDestination, field: string, value: string, out: TlsRptDestination[], findings: Finding[]): void {
  try {
    out.push(build());
  } catch (e) {
    const inner = e instanceof MtaStsValidationError ? e.findings.map((f) => f.message).join('; ') : (e as Error).message;
    findings.push(error('collector-destination', field, `\`${field}\` gives the TLS-RPT destination ${show(value)}, which a reporter would refuse: ${inner}`));
  }
}

/**
 * `bucket.addEventNotification` uses aws-cdk-lib's per-stack BucketNotificationsHandler (a
 * custom resource Lambda); its findings are acknowledged here, where the library causes it.
 */
function acknowledgeNotificationsHandler(scope: Construct): void {
  const stack = Stack.of(scope);
  const handler = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
  acknowledgeNag(handler, [
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'aws-cdk-lib\'s BucketNotificationsHandler (used by bucket.addEventNotification) has a fixed role with the basic execution managed policy; it only writes its logs.',
    },
  ]);
}
