// The MTA-STS drift monitor: invoked by EventBridge Scheduler (hourly by default), it checks every
// domain of its expectations file with the checker's core (DNS, the policy fetched as a sender
// fetches it; no SMTP: port 25 is blocked from Lambda), compares what it saw with what the app
// publishes (lib/monitor/drift), and puts one `Findings` metric per domain and severity plus one
// per severity for the whole monitor (the alarm's). Each domain's findings are logged as one JSON
// line. With a TLS-RPT collector it lists and reads the rollups of the last 30 days, once a day,
// to find reporters gone quiet. For a domain whose hosted zone is the app's, it also lists the
// zone's MX record sets at the domain (one page of ListResourceRecordSets, from the name) and
// matches them against the served policy, so a change in the zone is seen before caches expire.
// It writes nothing anywhere but its metrics and its logs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient, MetricDatum, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { Route53Client } from '@aws-sdk/client-route-53';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { listRecordSets, ROUTE53_REGION, route53Error } from '../aws/route53-records';
import { checkDomain } from '../check/check-domain';
import { CheckOptions } from '../check/check-options';
import { Finding, Severity } from '../policy/findings';
import { mapBounded } from '../monitor/bounded';
import { monitorFindings, ReporterActivity, reporterActivity, reporterCheckDue, severityCounts, ZoneMx } from '../monitor/drift';
import {
  DEFAULT_DRIFT_THRESHOLDS,
  DEFAULT_MONITOR_METRIC_NAMESPACE,
  DriftThresholds,
  MONITOR_CONFIG_FILE,
  MONITOR_FINDINGS_METRIC,
  MonitorConfig,
  MonitorDimension,
  MonitorDomainConfig,
  parseMonitorConfig,
} from '../monitor/monitor-config';

/** Where the collector's rollups are. */
export interface RollupStore {
  /** An S3 client (the role may only list and read `rollups/`). */
  readonly s3: S3Client;
  /** The report bucket. */
  readonly bucket: string;
  /** The store's prefix in the bucket ('' for none). */
  readonly prefix: string;
}

/** Clients and settings; the entry point builds them from the environment, tests inject their own. */
export interface MonitorDeps {
  /** The expectations. */
  readonly config: MonitorConfig;
  /** The monitor's name (the `Monitor` dimension). */
  readonly monitorName: string;
  /** The CloudWatch namespace (the role may only put metrics there). */
  readonly namespace: string;
  readonly cloudwatch: CloudWatchClient;
  /** Lists the MX record sets of the domains whose `hostedZoneId` is known (us-east-1; the role may only list those zones). */
  readonly route53: Route53Client;
  /** The schedule's period, in milliseconds (the reporter check runs on the first run of each UTC day). */
  readonly intervalMs: number;
  /** The collector's rollups, when the stage has one. */
  readonly rollups?: RollupStore;
  /** How many domains are checked at once. */
  readonly concurrency: number;
  /** Network options of the checker (tests point it at loopback servers). */
  readonly check: CheckOptions;
  readonly thresholds: DriftThresholds;
  /** The clock. */
  readonly now: () => Date;
  /** Writes one line to the log. */
  readonly log: (line: string) => void;
}

/** The result for one domain (returned for tests, and logged). */
export interface DomainResult {
  readonly domain: string;
  readonly findings: Finding[];
  readonly errors: number;
  readonly warnings: number;
}

/** The result of one run. */
export interface MonitorResult {
  readonly domains: DomainResult[];
  readonly errors: number;
  readonly warnings: number;
}

/** The most rollup keys listed, and objects read, per domain and run. */
export const MAX_ROLLUP_KEYS = 1000;
export const MAX_ROLLUP_READS = 200;
/** The most bytes read of one rollup object. */
export const MAX_ROLLUP_BYTES = 1024 * 1024;

const DAY_MS = 24 * 60 * 60 * 1000;
const DAY_IN_KEY = /\/day=(\d{4}-\d{2}-\d{2})\//;

/**
 * Attempts per Route 53 call in the monitor: fewer than the guard's, so a throttled zone costs a
 * run a few seconds (and a `route53-unreadable` warning), not the Lambda's timeout.
 */
export const MONITOR_ROUTE53_MAX_ATTEMPTS = 3;

/** Checks one domain and compares it with its expectations (the zone's MX read beside the DNS checks). */
export async function monitorDomain(expected: MonitorDomainConfig, deps: MonitorDeps, reporters?: ReporterActivity[]): Promise<DomainResult> {
  const now = deps.now();
  const [report, zoneMx] = await Promise.all([
    checkDomain(expected.domain, { ...deps.check, probeSmtp: false, certExpiryWarningDays: deps.thresholds.certWarningDays, now }),
    expected.hostedZoneId === undefined ? Promise.resolve(undefined) : readZoneMx(deps.route53, expected.hostedZoneId, expected.domain),
  ]);
  const findings = monitorFindings({ expected, report, now, reporters, thresholds: deps.thresholds, zoneMx });
  const counts = severityCounts(findings);
  return { domain: expected.domain, findings, errors: counts[Severity.ERROR], warnings: counts[Severity.WARNING] };
}

/**
 * The MX record sets at `domain` in hosted zone `hostedZoneId`: one page of
 * `ListResourceRecordSets` from the name, stopping at the first set past it. A failure is
 * returned as its message (the checks go on), never thrown.
 */
export async function readZoneMx(route53: Route53Client, hostedZoneId: string, domain: string): Promise<ZoneMx> {
  try {
    return { hostedZoneId, sets: await listRecordSets(route53, { hostedZoneId, name: domain, type: 'MX', maxPages: 1 }) };
  } catch (e) {
    return { hostedZoneId, error: route53Error(e, hostedZoneId).message };
  }
}

/**
 * The reporters seen for `domain` in the last `windowDays` days of rollups: lists
 * `rollups/domain=<d>/` from the first day of the window (the day comes from the `day=` prefix
 * only), then reads the newest objects' `contributions[].reporter`, both bounded.
 */
export async function rollupReporters(store: RollupStore, domain: string, now: Date, windowDays: number): Promise<ReporterActivity[]> {
  const base = `${store.prefix}${store.prefix === '' || store.prefix.endsWith('/') ? '' : '/'}rollups/domain=${domain}/`;
  const first = new Date(now.getTime() - windowDays * DAY_MS).toISOString().slice(0, 10);
  const keys: { key: string; day: string }[] = [];
  let token: string | undefined;
  do {
    const page = await store.s3.send(
      new ListObjectsV2Command({ Bucket: store.bucket, Prefix: base, StartAfter: token ? undefined : `${base}day=${first}`, ContinuationToken: token, MaxKeys: MAX_ROLLUP_KEYS }),
    );
    for (const o of page.Contents ?? []) {
      const day = o.Key ? DAY_IN_KEY.exec(o.Key.slice(base.length - 1))?.[1] : undefined;
      if (o.Key && day) keys.push({ key: o.Key, day });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token && keys.length < MAX_ROLLUP_KEYS);
  keys.sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
  const sightings: { reporter: string; day: string }[] = [];
  await mapBounded(keys.slice(0, MAX_ROLLUP_READS), 8, async ({ key, day }) => {
    for (const reporter of await readReporters(store, key)) sightings.push({ reporter, day });
  });
  return reporterActivity(sightings);
}

async function readReporters(store: RollupStore, key: string): Promise<string[]> {
  const o = await store.s3.send(new GetObjectCommand({ Bucket: store.bucket, Key: key, Range: `bytes=0-${MAX_ROLLUP_BYTES - 1}` }));
  const body = o.Body as { transformToString?: () => Promise<string> } | undefined;
  try {
    const json = JSON.parse((await body?.transformToString?.()) ?? '') as { contributions?: unknown };
    if (!Array.isArray(json.contributions)) return [];
    return json.contributions
      .slice(0, 1000)
      .map((c) => (c as { reporter?: unknown })?.reporter)
      .filter((r): r is string => typeof r === 'string' && r.length > 0 && r.length <= 256);
  } catch {
    return [];
  }
}

/** The metric data of one run: per domain (error and warning), and per monitor (the alarm's). */
export function monitorMetricData(results: readonly DomainResult[], monitorName: string, timestamp: Date): MetricDatum[] {
  const datum = (severity: Severity, value: number, domain?: string): MetricDatum => ({
    MetricName: MONITOR_FINDINGS_METRIC,
    Dimensions: [
      { Name: MonitorDimension.MONITOR, Value: monitorName },
      ...(domain === undefined ? [] : [{ Name: MonitorDimension.DOMAIN, Value: domain }]),
      { Name: MonitorDimension.SEVERITY, Value: severity },
    ],
    Value: value,
    Unit: StandardUnit.Count,
    Timestamp: timestamp,
  });
  const data: MetricDatum[] = [];
  for (const r of results) data.push(datum(Severity.ERROR, r.errors, r.domain), datum(Severity.WARNING, r.warnings, r.domain));
  data.push(datum(Severity.ERROR, results.reduce((n, r) => n + r.errors, 0)), datum(Severity.WARNING, results.reduce((n, r) => n + r.warnings, 0)));
  return data;
}

/** One run over every domain of the expectations. Throws only on AWS errors (metrics), so the run shows as failed. */
export async function runMonitor(deps: MonitorDeps): Promise<MonitorResult> {
  const started = deps.now();
  const withReporters = deps.rollups !== undefined && reporterCheckDue(started, deps.intervalMs);
  const results = await mapBounded(deps.config.domains, deps.concurrency, async (d) => {
    let reporters: ReporterActivity[] | undefined;
    if (withReporters) {
      try {
        reporters = await rollupReporters(deps.rollups!, d.domain, started, deps.thresholds.reporterWindowDays);
      } catch (e) {
        deps.log(JSON.stringify({ domain: d.domain, rollups: `not read: ${(e as Error).name}: ${(e as Error).message}` }));
      }
    }
    const r = await monitorDomain(d, deps, reporters);
    deps.log(JSON.stringify({ monitor: deps.monitorName, domain: r.domain, errors: r.errors, warnings: r.warnings, findings: r.findings }));
    return r;
  });
  const data = monitorMetricData(results, deps.monitorName, started);
  for (let i = 0; i < data.length; i += 500) {
    await deps.cloudwatch.send(new PutMetricDataCommand({ Namespace: deps.namespace, MetricData: data.slice(i, i + 500) }));
  }
  return { domains: results, errors: results.reduce((n, r) => n + r.errors, 0), warnings: results.reduce((n, r) => n + r.warnings, 0) };
}

let defaultDeps: MonitorDeps | undefined;

function envDeps(): MonitorDeps {
  const env = process.env;
  const interval = Number(env.INTERVAL_SECONDS);
  const concurrency = Number(env.CONCURRENCY);
  return {
    config: parseMonitorConfig(readFileSync(join(__dirname, MONITOR_CONFIG_FILE), 'utf8')),
    monitorName: env.MONITOR_NAME ?? 'default',
    namespace: env.METRIC_NAMESPACE ?? DEFAULT_MONITOR_METRIC_NAMESPACE,
    cloudwatch: new CloudWatchClient({}),
    route53: new Route53Client({ region: ROUTE53_REGION, maxAttempts: MONITOR_ROUTE53_MAX_ATTEMPTS }),
    intervalMs: Number.isFinite(interval) && interval > 0 ? interval * 1000 : 3600 * 1000,
    rollups: env.ROLLUP_BUCKET ? { s3: new S3Client({}), bucket: env.ROLLUP_BUCKET, prefix: env.ROLLUP_PREFIX ?? '' } : undefined,
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 8,
    check: {},
    thresholds: DEFAULT_DRIFT_THRESHOLDS,
    now: () => new Date(),
    log: (line) => console.log(line),
  };
}

/** The Lambda entry point; tests pass their own `deps`. */
export async function handler(_event?: unknown, _context?: unknown, deps?: MonitorDeps): Promise<{ errors: number; warnings: number; domains: number }> {
  const d = deps ?? (defaultDeps ??= envDeps());
  const r = await runMonitor(d);
  return { errors: r.errors, warnings: r.warnings, domains: r.domains.length };
}
