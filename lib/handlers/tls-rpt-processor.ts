// The TLS-RPT processor: triggered by every object created under `raw/` in the report bucket
// (an SES receipt-rule S3 action for email, the HTTPS ingest Lambda for POSTs), it reads the raw
// bytes, parses them with the report core, and writes
//
//   rollups/domain=<d>/day=<day>/<key>.json   one DailyRollup per report and policy domain (authoritative)
//   reports/day=<day>/<key>.json               the normalised report (one JSON line: Athena's JSON SerDe)
//
// then puts CloudWatch metrics with bounded dimensions. An input that is not a report is copied to
// `quarantine/reason=<reason>/...` with a JSON note beside it; nothing is ever deleted, and the
// raw object stays where it is.
//
// Authentication (RFC 8460 section 5.3): an email is DKIM-verified (`authenticateReportEmail`)
// against the time of receipt; an HTTPS body is `https-unauthenticated`. The result is stored
// with the normalised report and every rollup, and splits the metrics (`Verified`). A temporary
// DNS failure throws before anything is written, so Lambda retries the whole object.
//
// No copy replaces another: the normalised report and the rollups are keyed by the idempotency
// key and a copy id (a hash of content and authentication) and written with `If-None-Match: *`;
// a duplicate finds its own objects there, a differing copy is stored beside the first.
//
// Metrics exactly once per stored copy: the configuration is loaded before any write; after the
// data is written the raw object claims the copy (`state/metrics/<key>-<copy>.claim`, written
// only if absent, holding the raw key), puts the metrics, then writes the `.done` marker. A
// retry of the same raw object finds its own claim and the marker (or not, and puts them); any
// other raw object with the same copy finds someone else's claim and puts nothing.
//
// Errors: a rejection by the parser (or any other error of the pure code) quarantines the input
// and the invocation succeeds. An AWS error (S3, CloudWatch) or a DNS temporary failure is
// thrown: Lambda retries the asynchronous invocation, then hands the event to the dead-letter
// queue (and its alarm). Writes go through a pool of `writeConcurrency` at a time.
import { createHash } from 'node:crypto';
import { CloudWatchClient, MetricDatum, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { mxPatternMatches } from '../policy/mx-pattern';
import { DailyRollup, rollupsOf } from '../reports/aggregate';
import { AuthenticationStatus, authenticateReportEmail, httpsUnauthenticated, isVerified, ReportAuthentication } from '../reports/authentication';
import { isReportRejectedError, RejectReason, ReportRejectedError } from '../reports/errors';
import { DEFAULT_MAX_INPUT_BYTES } from '../reports/input';
import { parseReport } from '../reports/parse';
import { PolicyType, ResultType, TlsRptReport } from '../reports/report';
import { metricsStateKeys, normalizedReportKey, quarantineKey, quarantineNote, quarantineNoteKey, reportCopyId, ReportChannel, rollupKey, STORE_PREFIXES } from '../reports/store-layout';
import { safeText } from '../reports/untrusted-text';
import { CONTENT_ENCODING_METADATA_KEY } from './tls-rpt-ingest';
import { txtResolver } from '../net/txt-resolver';
import { COLLECTOR_CONFIG_KEY, CollectorConfig, OTHER, parseCollectorConfig, TlsRptDimension, TlsRptMetric } from '../constructs/private/collector-config';

/** What happened to one raw object. */
export enum ProcessOutcome {
  /** Parsed; this copy's normalised report and rollups are stored and its metrics put by this raw object. */
  STORED = 'stored',
  /** Parsed, but another raw object holds the same copy (same content and authentication): nothing new stored, no metrics. */
  DUPLICATE = 'duplicate',
  /** Not a report: copied to quarantine with a note. */
  QUARANTINED = 'quarantined',
  /** Not an input (the SES setup probe, a key outside `raw/`): left alone. */
  SKIPPED = 'skipped',
}

/** The result for one raw object (returned for tests and logged). */
export interface ProcessResult {
  /** The raw object's key. */
  readonly rawKey: string;
  /** What happened. */
  readonly outcome: ProcessOutcome;
  /** The normalised report's key (stored and duplicate). */
  readonly reportKey?: string;
  /** The rollup keys (stored and duplicate). */
  readonly rollupKeys?: string[];
  /** The quarantine copy's key (quarantined). */
  readonly quarantineKey?: string;
  /** How the copy was authenticated (stored and duplicate). */
  readonly authentication?: ReportAuthentication;
  /** The reason code (quarantined). */
  readonly reason?: string;
}

/** Clients, settings and helpers; the entry point builds them from the environment, tests inject their own. */
export interface ProcessorDeps {
  readonly s3: S3Client;
  readonly cloudwatch: CloudWatchClient;
  /** The CloudWatch namespace (the role may only put metrics there). */
  readonly namespace: string;
  /** The largest raw object parsed; larger ones are quarantined as `input-too-large` without being read. */
  readonly maxInputBytes: number;
  /** Loads the configuration (domains, mx patterns, reporters) for a bucket. */
  readonly config: (bucket: string) => Promise<CollectorConfig>;
  /** The clock (metric timestamps). */
  readonly now: () => Date;
  /** DKIM-verifies a report email as of its receipt (the entry point uses node:dns). */
  readonly authenticate: (message: Uint8Array, receivedAt: Date) => Promise<ReportAuthentication>;
  /**
   * S3 writes in flight at once for one object (a report lists at most 100 domains).
   * @default 8
   */
  readonly writeConcurrency?: number;
  /** Writes a line to the log. */
  readonly log: (line: string) => void;
}

/** The raw key and what it says about the input. */
export interface RawObjectInfo {
  readonly channel: ReportChannel;
  readonly receivedAt: Date;
  readonly uniqueId: string;
  readonly extension: string;
}

/** The object SES writes under the rule's prefix when the rule is created, to test its access. */
export const SES_SETUP_NOTIFICATION = 'AMAZON_SES_SETUP_NOTIFICATION';

const LAYOUT_RAW_KEY = /^raw\/channel=(email|https)\/day=\d{4}-\d{2}-\d{2}\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-([A-Za-z0-9_-]{1,128})\.([a-z0-9.]{1,16})$/;
const UNIQUE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Takes a raw key apart. Two shapes exist:
 * - `rawReportKey` (the HTTPS ingest): `raw/channel=https/day=<d>/<stamp>-<id>.<ext>`, the
 *   receive time is in the key;
 * - the SES S3 action, which can only add a fixed prefix to the SES message id:
 *   `raw/channel=email/<message id>`; the receive time is the S3 event's time.
 * Anything else under `raw/` (an object put by hand) is read like the SES shape.
 */
export function describeRawKey(key: string, eventTime: string | undefined): RawObjectInfo {
  const m = LAYOUT_RAW_KEY.exec(key);
  if (m) {
    const receivedAt = new Date(`${m[2]}-${m[3]}-${m[4]}T${m[5]}:${m[6]}:${m[7]}.${m[8]}Z`);
    if (!Number.isNaN(receivedAt.getTime())) {
      return { channel: m[1] as ReportChannel, receivedAt, uniqueId: m[9], extension: m[10] };
    }
  }
  const channelMatch = /^raw\/channel=(email|https)\//.exec(key);
  const base = key.slice(key.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  const channel = (channelMatch?.[1] as ReportChannel | undefined) ?? (ext === 'eml' ? ReportChannel.EMAIL : ReportChannel.HTTPS);
  const t = eventTime ? new Date(eventTime) : new Date(NaN);
  return {
    channel,
    receivedAt: Number.isNaN(t.getTime()) ? new Date(0) : t,
    uniqueId: UNIQUE_ID.test(stem) ? stem : createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32),
    extension: /^[a-z0-9.]{1,16}$/.test(ext) ? ext : channel === ReportChannel.EMAIL ? 'eml' : 'body',
  };
}

/** An S3 event's object key, decoded (S3 URL-encodes keys in events, with `+` for spaces). */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** Maps `organization-name` to a configured reporter name, or `other`. */
export function reporterDimension(organization: string, reporters: readonly string[]): string {
  const org = organization.trim().toLowerCase();
  for (const r of reporters) {
    const n = r.trim().toLowerCase();
    if (n === '') continue;
    if (org === n || (org.startsWith(n) && !/[a-z0-9]/.test(org.charAt(n.length)))) return r;
  }
  return OTHER;
}

/** Maps a failing MX host to the domain's matching mx pattern, or `other`. */
export function mxDimension(host: string | undefined, patterns: readonly string[]): string {
  if (host === undefined) return OTHER;
  return patterns.find((p) => mxPatternMatches(p, host)) ?? OTHER;
}

function policyTypeDimension(t: PolicyType): string {
  return Object.values(PolicyType).includes(t) ? t : OTHER;
}

function resultTypeDimension(t: ResultType): string {
  return Object.values(ResultType).includes(t) ? t : OTHER;
}

/**
 * The metric data of one stored copy of a report: per policy domain (a configured one, else
 * `other`) the report count and session totals (also split by `Verified`), and breakdowns by
 * policy type, reporter (the verified signing domain matched against the configured reporters;
 * `other` for unverified copies), result type and MX host; and, over the configured domains
 * only, totals without dimension (what the alarm watches: verified and unverified alike) and by
 * `Verified`.
 * Breakdown values of 0 are left out; the per-domain and overall totals are always put.
 */
export function reportMetricData(rollups: readonly DailyRollup[], authentication: ReportAuthentication, config: CollectorConfig, channel: ReportChannel, timestamp: Date): MetricDatum[] {
  const sums = new Map<string, { name: string; dims: [string, string][]; value: number }>();
  const add = (name: TlsRptMetric, dims: [TlsRptDimension, string][], value: number, always = false) => {
    if (value === 0 && !always) return;
    const k = name + '\u0000' + dims.map(([n, v]) => `${n}=${v}`).join('\u0000');
    const s = sums.get(k);
    if (s) s.value += value;
    else sums.set(k, { name, dims, value });
  };
  const domains = new Map(config.domains.map((d) => [d.domain, d.mx]));
  const verified = isVerified(authentication);
  // Only a verified signing domain names a reporter; what an unverified report calls itself is `other`.
  const reporter = verified ? reporterDimension(authentication.reporterDomain!, config.reporters) : OTHER;
  const V: [TlsRptDimension, string] = [TlsRptDimension.VERIFIED, String(verified)];
  add(TlsRptMetric.REPORTS, [[TlsRptDimension.CHANNEL, channel]], 1);
  add(TlsRptMetric.REPORTS, [V], 1);
  let ok = 0;
  let failed = 0;
  for (const r of rollups) {
    const patterns = domains.get(r.domain);
    const domain = patterns ? r.domain : OTHER;
    const t = r.totals;
    const D: [TlsRptDimension, string] = [TlsRptDimension.DOMAIN, domain];
    add(TlsRptMetric.REPORTS, [D], 1);
    add(TlsRptMetric.SUCCESSFUL_SESSIONS, [D], t.successfulSessions, true);
    add(TlsRptMetric.FAILED_SESSIONS, [D], t.failedSessions, true);
    add(TlsRptMetric.SUCCESSFUL_SESSIONS, [D, V], t.successfulSessions, true);
    add(TlsRptMetric.FAILED_SESSIONS, [D, V], t.failedSessions, true);
    for (const c of r.contributions) {
      const p = policyTypeDimension(c.countedPolicyType);
      add(TlsRptMetric.SUCCESSFUL_SESSIONS, [D, [TlsRptDimension.POLICY_TYPE, p]], c.successfulSessions);
      add(TlsRptMetric.FAILED_SESSIONS, [D, [TlsRptDimension.POLICY_TYPE, p]], c.failedSessions);
    }
    add(TlsRptMetric.SUCCESSFUL_SESSIONS, [D, [TlsRptDimension.REPORTER, reporter]], t.successfulSessions);
    add(TlsRptMetric.FAILED_SESSIONS, [D, [TlsRptDimension.REPORTER, reporter]], t.failedSessions);
    for (const x of t.byResultType) add(TlsRptMetric.FAILED_SESSIONS, [D, [TlsRptDimension.RESULT_TYPE, resultTypeDimension(x.resultType)]], x.failedSessions);
    for (const x of t.byMxHost) add(TlsRptMetric.FAILED_SESSIONS, [D, [TlsRptDimension.MX_HOST, patterns ? mxDimension(x.mxHost, patterns) : OTHER]], x.failedSessions);
    if (patterns) {
      ok += t.successfulSessions;
      failed += t.failedSessions;
    }
  }
  // Dimensionless totals count verified and unverified reports alike (the alarm: a failure is worth a look either way).
  add(TlsRptMetric.SUCCESSFUL_SESSIONS, [], ok, true);
  add(TlsRptMetric.FAILED_SESSIONS, [], failed, true);
  add(TlsRptMetric.SUCCESSFUL_SESSIONS, [V], ok, true);
  add(TlsRptMetric.FAILED_SESSIONS, [V], failed, true);
  return [...sums.values()].map((s) => ({
    MetricName: s.name,
    Dimensions: s.dims.map(([Name, Value]) => ({ Name, Value })),
    Value: s.value,
    Unit: StandardUnit.Count,
    Timestamp: timestamp,
  }));
}

/** Puts metric data in batches (PutMetricData takes at most 1000 data a call). */
async function putMetrics(deps: ProcessorDeps, data: MetricDatum[]): Promise<void> {
  for (let i = 0; i < data.length; i += 500) {
    await deps.cloudwatch.send(new PutMetricDataCommand({ Namespace: deps.namespace, MetricData: data.slice(i, i + 500) }));
  }
}

function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

function isPreconditionFailed(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  // 412: the object exists; 409: a concurrent conditional write of the same key is in progress.
  return err.name === 'PreconditionFailed' || err.$metadata?.httpStatusCode === 412 || err.name === 'ConditionalRequestConflict' || err.$metadata?.httpStatusCode === 409;
}

async function quarantine(bucket: string, rawKey: string, info: RawObjectInfo, rejection: Error, deps: ProcessorDeps): Promise<ProcessResult> {
  const note = quarantineNote(rejection, rawKey, info.receivedAt);
  const qKey = quarantineKey({ receivedAt: info.receivedAt, uniqueId: info.uniqueId, channel: info.channel, extension: info.extension, reason: note.reason });
  await deps.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: qKey, CopySource: copySource(bucket, rawKey) }));
  await deps.s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: quarantineNoteKey(qKey), Body: JSON.stringify(note), ContentType: 'application/json' }),
  );
  // By reason (the dashboard), and in total (the alarm).
  const timestamp = deps.now();
  await putMetrics(
    deps,
    [[{ Name: TlsRptDimension.REASON, Value: note.reason }], []].map((Dimensions) => ({
      MetricName: TlsRptMetric.QUARANTINED_REPORTS,
      Dimensions,
      Value: 1,
      Unit: StandardUnit.Count,
      Timestamp: timestamp,
    })),
  );
  deps.log(`quarantined ${rawKey} as ${note.reason} (${safeText(note.field, { maxLength: 80 })}): ${safeText(note.message, { maxLength: 1000 })}`);
  return { rawKey, outcome: ProcessOutcome.QUARANTINED, quarantineKey: qKey, reason: note.reason };
}

async function readBytes(body: unknown): Promise<Uint8Array> {
  const b = body as { transformToByteArray?: () => Promise<Uint8Array> } | undefined;
  if (!b?.transformToByteArray) return new Uint8Array(0);
  return b.transformToByteArray();
}

/** Processes one S3 event record. Throws only on AWS errors (the invocation is then retried). */
export async function processRecord(record: S3EventRecord, deps: ProcessorDeps): Promise<ProcessResult> {
  const bucket = record.s3.bucket.name;
  const rawKey = decodeEventKey(record.s3.object.key);
  const base = rawKey.slice(rawKey.lastIndexOf('/') + 1);
  if (!rawKey.startsWith(STORE_PREFIXES.raw) || base === SES_SETUP_NOTIFICATION || base === '') {
    deps.log(`skipped ${rawKey}: not a received input`);
    return { rawKey, outcome: ProcessOutcome.SKIPPED };
  }
  // Loaded before any write, so a broken configuration fails the invocation with nothing half-done.
  const config = await deps.config(bucket);
  const info = describeRawKey(rawKey, record.eventTime);
  const size = record.s3.object.size;
  if (typeof size === 'number' && size > deps.maxInputBytes) {
    const e = new ReportRejectedError(
      RejectReason.INPUT_TOO_LARGE,
      'input',
      `the input has ${size} bytes, more than the collector's limit of ${deps.maxInputBytes} bytes; a daily TLS report is far smaller`,
    );
    return quarantine(bucket, rawKey, info, e, deps);
  }
  const object = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: rawKey }));
  const bytes = await readBytes(object.Body);

  let report: TlsRptReport;
  try {
    report = await parseReport(bytes, {
      receivedAt: info.receivedAt,
      maxInputBytes: deps.maxInputBytes,
      // The HTTPS ingest stores the request's media type and content codings; SES stores none (and the bytes decide anyway).
      contentType: info.channel === ReportChannel.HTTPS ? object.ContentType : undefined,
      contentEncoding: info.channel === ReportChannel.HTTPS ? object.Metadata?.[CONTENT_ENCODING_METADATA_KEY] : undefined,
    });
  } catch (e) {
    return quarantinePureError(bucket, rawKey, info, e, deps);
  }
  const authentication = info.channel === ReportChannel.EMAIL ? await deps.authenticate(bytes, info.receivedAt) : httpsUnauthenticated();
  if (authentication.status === AuthenticationStatus.DKIM_TEMPERROR) {
    // Nothing is written yet: the retry starts over, and a lasting failure reaches the dead-letter queue.
    throw new Error(`temporary DNS failure while verifying the DKIM signature of ${rawKey}: ${authentication.detail}`);
  }
  let rollups: DailyRollup[];
  let copyId: string;
  let reportKey: string;
  let rollupKeys: string[];
  try {
    rollups = rollupsOf(report, authentication);
    copyId = reportCopyId(rollups);
    reportKey = normalizedReportKey(report, copyId);
    rollupKeys = rollups.map((r) => rollupKey(r.domain, r.day, report.idempotencyKey, copyId));
  } catch (e) {
    return quarantinePureError(bucket, rawKey, info, e, deps);
  }
  const writes = [
    ...rollups.map((r, i) => ({ key: rollupKeys[i], body: JSON.stringify(r) })),
    { key: reportKey, body: JSON.stringify({ ...report, authentication }) },
  ];
  await pool(writes, deps.writeConcurrency ?? 8, (w) => putIfAbsent(deps, bucket, w.key, w.body));
  const mine = await claimMetrics(deps, bucket, report.idempotencyKey, copyId, rawKey);
  const what = `${rawKey}: report ${report.idempotencyKey}-${copyId} (${safeText(report.organization, { maxLength: 80 })}, ${authentication.status}${authentication.reporterDomain ? ` by ${authentication.reporterDomain}` : ''}, day ${report.day}, ${rollups.length} domain(s))`;
  if (mine === 'other') {
    deps.log(`duplicate ${what}: the same copy is stored and metered by another input`);
    return { rawKey, outcome: ProcessOutcome.DUPLICATE, reportKey, rollupKeys, authentication };
  }
  if (mine === 'claimed') {
    await putMetrics(deps, reportMetricData(rollups, authentication, config, info.channel, deps.now()));
    await putIfAbsent(deps, bucket, metricsStateKeys(report.idempotencyKey, copyId).done, rawKey);
  }
  deps.log(`stored ${what}`);
  return { rawKey, outcome: ProcessOutcome.STORED, reportKey, rollupKeys, authentication };
}

/** A rejection, or any other error of the pure code: the input is quarantined (an unexpected error as `internal-error`, logged with its stack). */
function quarantinePureError(bucket: string, rawKey: string, info: RawObjectInfo, e: unknown, deps: ProcessorDeps): Promise<ProcessResult> {
  if (!isReportRejectedError(e)) deps.log(`internal error on ${rawKey}: ${safeText((e as Error).stack ?? String(e), { maxLength: 2000 })}`);
  return quarantine(bucket, rawKey, info, e instanceof Error ? e : new Error(String(e)), deps);
}

/** Writes an object only if its key is free; an existing object (the same copy, written before) is left as it is. */
async function putIfAbsent(deps: ProcessorDeps, bucket: string, key: string, body: string): Promise<boolean> {
  try {
    await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', IfNoneMatch: '*' }));
    return true;
  } catch (e) {
    if (!isPreconditionFailed(e)) throw e;
    return false;
  }
}

async function readText(deps: ProcessorDeps, bucket: string, key: string): Promise<string | undefined> {
  try {
    const o = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await readBytes(o.Body)).toString('utf8');
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404) return undefined;
    throw e;
  }
}

/**
 * Decides who puts a copy's metrics: `claimed` (this raw object, metrics still to put), `done`
 * (this raw object put them already: a retry), or `other` (another raw object holds the claim).
 */
async function claimMetrics(deps: ProcessorDeps, bucket: string, idempotencyKey: string, copyId: string, rawKey: string): Promise<'claimed' | 'done' | 'other'> {
  const keys = metricsStateKeys(idempotencyKey, copyId);
  if (await putIfAbsent(deps, bucket, keys.claim, rawKey)) return 'claimed';
  const owner = await readText(deps, bucket, keys.claim);
  if (owner !== rawKey) return 'other';
  return (await readText(deps, bucket, keys.done)) === undefined ? 'claimed' : 'done';
}

/** Runs `fn` over `items`, at most `limit` at a time; the first failure is thrown once all started ones settle. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Processes every record of an S3 event, one after another. */
export async function processEvent(event: S3Event, deps: ProcessorDeps): Promise<ProcessResult[]> {
  const results: ProcessResult[] = [];
  for (const record of event.Records ?? []) results.push(await processRecord(record, deps));
  return results;
}

/** Reads the configuration object of a bucket once per container (the construct changes the function's environment when it changes). */
export function s3ConfigLoader(s3: S3Client, key = COLLECTOR_CONFIG_KEY): (bucket: string) => Promise<CollectorConfig> {
  const cache = new Map<string, Promise<CollectorConfig>>();
  return (bucket) => {
    let p = cache.get(bucket);
    if (!p) {
      p = (async () => {
        const o = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const text = Buffer.from(await readBytes(o.Body)).toString('utf8');
        return parseCollectorConfig(text);
      })();
      p.catch(() => cache.delete(bucket));
      cache.set(bucket, p);
    }
    return p;
  };
}

let defaultDeps: ProcessorDeps | undefined;

function envDeps(): ProcessorDeps {
  const s3 = new S3Client({});
  const max = Number(process.env.MAX_INPUT_BYTES);
  const resolveTxt = txtResolver();
  return {
    s3,
    cloudwatch: new CloudWatchClient({}),
    namespace: process.env.METRIC_NAMESPACE ?? 'CdkMtaSts/TlsRpt',
    maxInputBytes: Number.isInteger(max) && max > 0 ? max : DEFAULT_MAX_INPUT_BYTES,
    config: s3ConfigLoader(s3, process.env.CONFIG_KEY ?? COLLECTOR_CONFIG_KEY),
    now: () => new Date(),
    log: (line) => console.log(line),
    authenticate: (message, receivedAt) => authenticateReportEmail(message, { resolveTxt, receivedAt }),
  };
}

/** The Lambda entry point; tests pass their own `deps`. */
export async function handler(event: S3Event, _context?: unknown, deps?: ProcessorDeps): Promise<{ results: ProcessResult[] }> {
  const d = deps ?? (defaultDeps ??= envDeps());
  return { results: await processEvent(event, d) };
}
