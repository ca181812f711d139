import { createHash } from 'node:crypto';
import { normalizeHostname } from '../policy/domain-name';
import { showValue as show } from './untrusted-text';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency';
import { dayOf, isDay } from './private/utc-day';

/**
 * How a report reached the collector.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-5
 */
export enum ReportChannel {
  /** By email (`mailto:` rua), received by SES. */
  EMAIL = 'email',
  /** By HTTPS POST (`https:` rua). */
  HTTPS = 'https',
}

/**
 * The top-level prefixes of the report store (one S3 bucket, or a prefix in one):
 *
 * ```
 * raw/channel=<email|https>/day=<received UTC day>/<received>-<uniqueId>.<ext>      never overwritten
 * reports/day=<report day>/<idempotencyKey>-<copyId>.json                           normalised report + authentication
 * rollups/domain=<policy domain>/day=<report day>/<idempotencyKey>-<copyId>.json    one DailyRollup per stored copy and domain
 * state/metrics/<idempotencyKey>-<copyId>.claim | .done                              who puts a copy's metrics, and that it did
 * quarantine/reason=<reason>/day=<received UTC day>/<received>-<uniqueId>.<ext>     raw bytes that are not a report
 * quarantine/reason=<reason>/day=<received UTC day>/<received>-<uniqueId>.<ext>.reason.json   why (QuarantineNote)
 * ```
 *
 * - Raw objects are written first, before any parsing, and never overwritten: the key holds the
 *   receive time (`20261120T101502123Z`, so keys sort by time) and a unique id the caller passes
 *   (for example the SES message id or a random UUID; the core never invents one, to stay
 *   deterministic).
 * - Normalised reports and rollups are keyed by the idempotency key and a copy id, a hash of
 *   the copy's content and authentication (`reportCopyId`), and written only if absent: a
 *   duplicate delivery finds its own object there, and a different copy under the same key
 *   (a forgery, or a corrected re-send) is stored beside the first, never over it.
 * - Rollups are one object per copy and domain, so concurrent writers never race on a shared
 *   daily object; a reader lists `rollups/domain=<d>/` and merges with `mergeRollups`, which
 *   also removes duplicates. `domain=` and `day=` are Hive-style partitions (Athena).
 * - `state/` holds the processor's bookkeeping: a claim (which raw object puts a copy's metrics)
 *   and a marker written after the metrics, so they are put exactly once per copy.
 * - Quarantined inputs keep their raw bytes under the rejection reason, with a note beside.
 */
export const STORE_PREFIXES = {
  raw: 'raw/',
  reports: 'reports/',
  rollups: 'rollups/',
  quarantine: 'quarantine/',
  state: 'state/',
} as const;

/** Where and how a received object is named. */
export interface ReceivedObjectOptions {
  /** When the collector received it. */
  readonly receivedAt: Date;
  /** A unique id chosen by the caller: 1 to 128 of `A-Z a-z 0-9 _ -` (an SES message id, a UUID). */
  readonly uniqueId: string;
  /** How it arrived. */
  readonly channel: ReportChannel;
  /**
   * The file extension, 1 to 16 of `a-z 0-9 .`.
   * @default - `eml` for email, `body` for HTTPS
   */
  readonly extension?: string;
}

/** Options of `quarantineKey`. */
export interface QuarantineKeyOptions extends ReceivedObjectOptions {
  /** The reason code: a `RejectReason` value, or another kebab-case code (for example `internal-error`). */
  readonly reason: string;
}

/** What a quarantine note (`quarantineNoteKey`) holds. */
export interface QuarantineNote {
  /** The reason code. */
  readonly reason: string;
  /** Where in the input the problem is. */
  readonly field: string;
  /** The full message. */
  readonly message: string;
  /** The key of the raw object the quarantined bytes were copied from. */
  readonly rawKey: string;
  /** When it was received (ISO 8601 UTC). */
  readonly receivedAt: string;
}

/** A rollup object key, taken apart. */
export interface RollupKeyParts {
  /** The policy domain. */
  readonly domain: string;
  /** The report day. */
  readonly day: string;
  /** The report's idempotency key. */
  readonly idempotencyKey: string;
  /**
   * The copy id (`reportCopyId`).
   * @default - a rollup stored before copies had ids
   */
  readonly copyId?: string;
}

const UNIQUE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const EXTENSION = /^[a-z0-9.]{1,16}$/;
const REASON = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const ROLLUP_KEY = /^rollups\/domain=([a-z0-9.-]+)\/day=(\d{4}-\d{2}-\d{2})\/([0-9a-f]{32})(?:-([0-9a-f]{16}))?\.json$/;
const COPY_ID = /^[0-9a-f]{16}$/;

function checkDomain(domain: string): string {
  const n = normalizeHostname(domain, 'domain', 'a domain name');
  if (n.name === undefined) throw new Error(n.findings[0].message);
  if (n.name !== domain) throw new Error(`\`domain\` must be written as lower-case A-labels without a trailing dot, got ${show(domain)}; use ${show(n.name)}`);
  return domain;
}

function checkDay(day: string): string {
  if (!isDay(day)) throw new Error(`\`day\` must be a UTC day written YYYY-MM-DD, got ${show(day)}`);
  return day;
}

function checkKey(key: string): string {
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw new Error(`\`idempotencyKey\` must be 32 lower-case hex digits (see reportIdempotencyKey), got ${show(key)}`);
  return key;
}

function checkCopy(copyId: string): string {
  if (!COPY_ID.test(copyId)) throw new Error(`\`copyId\` must be 16 lower-case hex digits (see reportCopyId), got ${show(copyId)}`);
  return copyId;
}

/**
 * The id of one stored copy of a report: the first 16 hex digits of the SHA-256 of its rollups
 * (content and authentication, as JSON). Two deliveries of the same report with the same
 * authentication get the same id; a copy that differs in anything counted, or in how it was
 * authenticated, gets another.
 *
 * @param rollups the copy's rollups (`rollupsOf(report, authentication)`)
 */
export function reportCopyId(rollups: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(rollups), 'utf8').digest('hex').slice(0, 16);
}

function receivedName(o: ReceivedObjectOptions): { day: string; name: string } {
  const ms = o.receivedAt.getTime();
  if (Number.isNaN(ms)) throw new Error('`receivedAt` must be a valid date');
  if (!UNIQUE_ID.test(o.uniqueId)) {
    throw new Error(`\`uniqueId\` must be 1 to 128 letters, digits, "_" or "-", got ${show(o.uniqueId)}; pass the SES message id or a random UUID`);
  }
  const ext = o.extension ?? (o.channel === ReportChannel.EMAIL ? 'eml' : 'body');
  if (!EXTENSION.test(ext)) throw new Error(`\`extension\` must be 1 to 16 of a-z, 0-9 and ".", got ${show(ext)}`);
  const stamp = new Date(ms).toISOString().replace(/[-:.]/g, '');
  return { day: dayOf(ms), name: `${stamp}-${o.uniqueId}.${ext}` };
}

/**
 * The key of a raw received object (written before parsing; never overwritten).
 *
 * @example rawReportKey({ receivedAt, uniqueId: 'abc123', channel: ReportChannel.EMAIL })
 *   // 'raw/channel=email/day=2026-11-20/20261120T101502123Z-abc123.eml'
 */
export function rawReportKey(options: ReceivedObjectOptions): string {
  const { day, name } = receivedName(options);
  return `${STORE_PREFIXES.raw}channel=${options.channel}/day=${day}/${name}`;
}

/**
 * The key of a stored copy of a normalised report (`TlsRptReport` and its authentication, as JSON).
 *
 * @param report the report's `day` and `idempotencyKey`
 * @param copyId the copy's id (`reportCopyId`)
 */
export function normalizedReportKey(report: { readonly day: string; readonly idempotencyKey: string }, copyId: string): string {
  return `${STORE_PREFIXES.reports}day=${checkDay(report.day)}/${checkKey(report.idempotencyKey)}-${checkCopy(copyId)}.json`;
}

/**
 * The key of one stored copy's `DailyRollup` for one domain.
 *
 * @param domain the policy domain (lower-case A-labels)
 * @param day the report day
 * @param idempotencyKey the report's idempotency key
 * @param copyId the copy's id (`reportCopyId`)
 */
export function rollupKey(domain: string, day: string, idempotencyKey: string, copyId: string): string {
  return `${STORE_PREFIXES.rollups}domain=${checkDomain(domain)}/day=${checkDay(day)}/${checkKey(idempotencyKey)}-${checkCopy(copyId)}.json`;
}

/**
 * The keys of the processor's bookkeeping for one copy: `claim` (written first, only if absent,
 * holding the raw key that puts the metrics) and `done` (written after the metrics).
 *
 * @param idempotencyKey the report's idempotency key
 * @param copyId the copy's id
 */
export function metricsStateKeys(idempotencyKey: string, copyId: string): { readonly claim: string; readonly done: string } {
  const base = `${STORE_PREFIXES.state}metrics/${checkKey(idempotencyKey)}-${checkCopy(copyId)}`;
  return { claim: `${base}.claim`, done: `${base}.done` };
}

/**
 * The prefix to list for the rollups of a domain (every day), of one day of it, or of every
 * domain.
 *
 * @param domain the policy domain; omit for all domains
 * @param day one day; omit for all days
 */
export function rollupPrefix(domain?: string, day?: string): string {
  if (domain === undefined) return STORE_PREFIXES.rollups;
  const d = `${STORE_PREFIXES.rollups}domain=${checkDomain(domain)}/`;
  return day === undefined ? d : `${d}day=${checkDay(day)}/`;
}

/**
 * Takes a rollup key apart (after removing `prefix`); undefined when it is not a rollup key.
 *
 * @param key the object key
 * @param prefix the store's prefix, if any
 */
export function parseRollupKey(key: string, prefix = ''): RollupKeyParts | undefined {
  const p = withPrefix(prefix, '');
  if (!key.startsWith(p)) return undefined;
  const m = ROLLUP_KEY.exec(key.slice(p.length));
  if (!m || !isDay(m[2])) return undefined;
  return m[4] === undefined ? { domain: m[1], day: m[2], idempotencyKey: m[3] } : { domain: m[1], day: m[2], idempotencyKey: m[3], copyId: m[4] };
}

/**
 * The key under which raw bytes that are not a report are kept, by reason.
 *
 * @example quarantineKey({ receivedAt, uniqueId: 'abc123', channel: ReportChannel.HTTPS, reason: RejectReason.GZIP_TRUNCATED })
 *   // 'quarantine/reason=gzip-truncated/day=2026-11-20/20261120T101502123Z-abc123.body'
 */
export function quarantineKey(options: QuarantineKeyOptions): string {
  if (!REASON.test(options.reason)) throw new Error(`\`reason\` must be a kebab-case code (for example gzip-truncated), got ${show(options.reason)}`);
  const { day, name } = receivedName(options);
  return `${STORE_PREFIXES.quarantine}reason=${options.reason}/day=${day}/${name}`;
}

/** The key of the note beside a quarantined object. */
export function quarantineNoteKey(quarantinedKey: string): string {
  return `${quarantinedKey}.reason.json`;
}

/**
 * The note to store beside a quarantined object: why it was refused.
 *
 * @param rejection the error (a `ReportRejectedError` carries `reason` and `field`; any other error becomes `internal-error`)
 * @param rawKey the raw object's key
 * @param receivedAt when it was received
 */
export function quarantineNote(rejection: Error, rawKey: string, receivedAt: Date): QuarantineNote {
  const r = rejection as Error & { reason?: unknown; field?: unknown };
  return {
    reason: typeof r.reason === 'string' && REASON.test(r.reason) ? r.reason : 'internal-error',
    field: typeof r.field === 'string' ? r.field : 'input',
    message: rejection.message,
    rawKey,
    receivedAt: receivedAt.toISOString(),
  };
}

/**
 * Joins a store prefix and a key: `''` or a prefix ending in `/` is used as is, any other prefix
 * gets a `/`.
 *
 * @param prefix the store's prefix (for example `tlsrpt/`)
 * @param key a key from this module
 */
export function withPrefix(prefix: string, key: string): string {
  if (prefix === '') return key;
  return prefix.endsWith('/') ? prefix + key : `${prefix}/${key}`;
}
