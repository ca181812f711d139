import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { normalizeHostname } from '../policy/domain-name';
import { errorsOf, Finding } from '../policy/findings';
import { MtaStsMode } from '../policy/mode';
import { parseMxPattern } from '../policy/mx-pattern';
import { parsePolicy } from '../policy/policy-parse';
import { DeviationCode } from './deviations';
import { RejectReason, ReportRejectedError } from './errors';
import { reportIdempotencyKey } from './idempotency';
import { EmailEnvelope, ExtractedReport, InputFormat } from './input';
import { DeviationCollector } from './private/deviation-collector';
import { DAY_MS, dayOf, daysFromCivil, daysInMonth, isoInstant } from './private/utc-day';
import { showValue } from './untrusted-text';

/**
 * The policy type of a report entry (RFC 8460 section 4.3, `policy-type`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-4.3
 */
export enum PolicyType {
  /** An MTA-STS policy (RFC 8461) applied. */
  STS = 'sts',
  /** A DANE TLSA policy (RFC 7672) applied. */
  TLSA = 'tlsa',
  /** The sender found no policy. */
  NO_POLICY_FOUND = 'no-policy-found',
  /** Any other value; the raw value is kept in `policyTypeRaw`. */
  OTHER = 'other',
}

/**
 * The result type of a failure detail: every type in the IANA "STARTTLS Validation Result
 * Types" registry, plus `OTHER` for values outside it (kept raw in `resultTypeRaw`, counted, never
 * refused: the registry grows by Expert Review).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-4.3
 * @see https://www.iana.org/assignments/starttls-validation-result-types/starttls-validation-result-types.xhtml
 */
export enum ResultType {
  /** The receiving MX does not offer STARTTLS. */
  STARTTLS_NOT_SUPPORTED = 'starttls-not-supported',
  /** The certificate does not name the MX host. */
  CERTIFICATE_HOST_MISMATCH = 'certificate-host-mismatch',
  /** The certificate has expired. */
  CERTIFICATE_EXPIRED = 'certificate-expired',
  /** The certificate does not chain to a trusted root. */
  CERTIFICATE_NOT_TRUSTED = 'certificate-not-trusted',
  /** Any other validation failure. */
  VALIDATION_FAILURE = 'validation-failure',
  /** The TLSA records are invalid (DANE). */
  TLSA_INVALID = 'tlsa-invalid',
  /** DNSSEC validation failed (DANE). */
  DNSSEC_INVALID = 'dnssec-invalid',
  /** DANE is required but the MX offered no usable TLSA records. */
  DANE_REQUIRED = 'dane-required',
  /** The MTA-STS policy could not be fetched. */
  STS_POLICY_FETCH_ERROR = 'sts-policy-fetch-error',
  /** The MTA-STS policy is invalid. */
  STS_POLICY_INVALID = 'sts-policy-invalid',
  /** The certificate of the MTA-STS policy host is invalid. */
  STS_WEBPKI_INVALID = 'sts-webpki-invalid',
  /** Any value outside the registry. */
  OTHER = 'other',
}

/** Every registered result type (all of `ResultType` except `OTHER`). */
export const REGISTERED_RESULT_TYPES: readonly ResultType[] = Object.values(ResultType).filter((t) => t !== ResultType.OTHER);

/** The schema version of `TlsRptReport`; bumped when the stored shape changes. */
export const REPORT_SCHEMA_VERSION = 1;

/** After this many hours past the end of its date range, a report is late (`DeviationCode.REPORT_LATE`). */
export const LATE_REPORT_THRESHOLD_HOURS = 48;

/** The MTA-STS policy a sender says it applied, read from an sts `policy-string`. */
export interface StsPolicySeen {
  /**
   * The mode.
   * @default - the policy string has no valid mode
   */
  readonly mode?: MtaStsMode;
  /** The mx patterns, normalised (lower case A-labels, no trailing dot), de-duplicated and sorted. */
  readonly mx: string[];
  /**
   * `max_age` in seconds.
   * @default - the policy string has no valid max_age
   */
  readonly maxAgeSeconds?: number;
}

/**
 * One failure detail (RFC 8460 section 4.3, `failure-details`). Optional fields that were absent
 * or `""` are undefined here (and left out of the JSON).
 */
export interface FailureDetail {
  /** The result type; `OTHER` when not registered. */
  readonly resultType: ResultType;
  /** The result type as the reporter wrote it (`""` when missing). */
  readonly resultTypeRaw: string;
  /** `failed-session-count`. */
  readonly failedSessions: number;
  /**
   * `sending-mta-ip`.
   * @default - not given
   */
  readonly sendingMtaIp?: string;
  /**
   * `receiving-mx-hostname`, lower case without a trailing dot.
   * @default - not given
   */
  readonly receivingMxHostname?: string;
  /**
   * `receiving-mx-helo`.
   * @default - not given
   */
  readonly receivingMxHelo?: string;
  /**
   * `receiving-ip`.
   * @default - not given
   */
  readonly receivingIp?: string;
  /**
   * `failure-reason-code` (or the draft name `failure-error-code`).
   * @default - not given
   */
  readonly failureReasonCode?: string;
  /**
   * `additional-information` (a URI, as written).
   * @default - not given
   */
  readonly additionalInformation?: string;
}

/** One entry of `policies`: the policy applied, its session counts and failure details. */
export interface ReportPolicy {
  /** The policy type; `OTHER` when not sts, tlsa or no-policy-found. */
  readonly policyType: PolicyType;
  /** The policy type as the reporter wrote it (`""` when missing). */
  readonly policyTypeRaw: string;
  /**
   * The policy domain as lower-case A-labels; falls back to the email's `TLS-Report-Domain`
   * (or `NormalizeOptions.fallbackPolicyDomain`) when missing.
   * @default - missing or invalid: the entry cannot be attributed to a domain and is not aggregated
   */
  readonly policyDomain?: string;
  /** The policy domain as the reporter wrote it (`""` when missing). */
  readonly policyDomainRaw: string;
  /**
   * The `policy-string` lines, with JSON-encoded TLSA arrays decoded (Microsoft puts the whole
   * TLSA record set as one JSON string in a one-element array).
   */
  readonly policyStrings: string[];
  /**
   * For an sts entry with a `policy-string`: the policy read from it with `parsePolicy`.
   * @default - not an sts entry, or no policy-string
   */
  readonly stsPolicy?: StsPolicySeen;
  /** `mx-host`, always a list (a string becomes one element; absent is empty), lower case, "mx: " prefix removed. */
  readonly mxHosts: string[];
  /** `summary.total-successful-session-count`. */
  readonly successfulSessions: number;
  /** `summary.total-failure-session-count`. */
  readonly failedSessions: number;
  /** `failure-details`, in the reporter's order. */
  readonly failureDetails: FailureDetail[];
}

/** Where a normalised report came from. */
export interface ReportSource {
  /** The outermost input format. */
  readonly format: InputFormat;
  /** The format of the report itself (an email's report part). */
  readonly payloadFormat: InputFormat;
  /** The size of the report JSON in bytes. */
  readonly inflatedBytes: number;
  /**
   * The report's file name (zip entry, email part, or as given).
   * @default - not known
   */
  readonly fileName?: string;
  /**
   * The email headers, for an email.
   * @default - not an email
   */
  readonly email?: EmailEnvelope;
  /**
   * When the collector received it (ISO 8601 UTC), when given.
   * @default - not given
   */
  readonly receivedAt?: string;
}

/**
 * A TLS-RPT report in the one canonical shape every consumer reads: the collector stores it as
 * JSON, aggregation and readiness read it. Times are ISO 8601 UTC instants.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-4
 */
export interface TlsRptReport {
  /** `REPORT_SCHEMA_VERSION`. */
  readonly schemaVersion: number;
  /** See `reportIdempotencyKey`: equal for every copy of the same report. */
  readonly idempotencyKey: string;
  /** `report-id` (a content hash prefixed `sha256:` when missing). */
  readonly reportId: string;
  /** `organization-name`, trimmed: the reporter. */
  readonly organization: string;
  /** `contact-info`, or null when missing or null. */
  readonly contactInfo: string | null;
  /** `date-range.start-datetime` as a UTC instant. */
  readonly startDatetime: string;
  /** `date-range.end-datetime` as a UTC instant (`end = next midnight` and `23:59:59Z` are both normal). */
  readonly endDatetime: string;
  /**
   * The UTC day (`YYYY-MM-DD`) the report covers: the day of the start instant rounded to the
   * nearest midnight, so a range given in a local zone (`00:00+02:00`) still lands on its day.
   */
  readonly day: string;
  /** The `policies` entries that could be read. */
  readonly policies: ReportPolicy[];
  /** Every deviation from RFC 8460 found in the report or its envelope (see `DeviationCode`). */
  readonly deviations: Finding[];
  /**
   * Where the report came from.
   * @default - normalised from JSON given directly
   */
  readonly source?: ReportSource;
}

/** Options of `normalizeReport`. */
export interface NormalizeOptions {
  /**
   * The policy domain to use for entries that have none (the `TLS-Report-Domain` header is used
   * automatically for emails).
   * @default - entries without a policy domain are not attributed
   */
  readonly fallbackPolicyDomain?: string;
  /**
   * When the collector received the report; recorded in `source` and used to flag late reports.
   * @default - not recorded, lateness not checked
   */
  readonly receivedAt?: Date;
  /**
   * The extraction result the text came from; its deviations and envelope are carried over and
   * compared with the body.
   * @default - the text was given directly
   */
  readonly extracted?: ExtractedReport;
}

type JsonObject = { readonly [key: string]: unknown };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const RESULT_TYPES = new Map<string, ResultType>(REGISTERED_RESULT_TYPES.map((t) => [t, t]));
const POLICY_TYPES = new Map<string, PolicyType>([
  ['sts', PolicyType.STS],
  ['tlsa', PolicyType.TLSA],
  ['no-policy-found', PolicyType.NO_POLICY_FOUND],
]);

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?$/;

/** The value of the decimal digits `s[from..to)`, or -1 if any is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** The usual form, `YYYY-MM-DDTHH:MM:SSZ`, read without a regular expression; undefined for anything else. */
function parseCommonDateTime(v: string): ParsedDateTime | undefined {
  if (v.length !== 20 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58 || v.charCodeAt(19) !== 90) {
    return undefined;
  }
  const y = digits(v, 0, 4);
  const mo = digits(v, 5, 7);
  const d = digits(v, 8, 10);
  const h = digits(v, 11, 13);
  const mi = digits(v, 14, 16);
  const s = digits(v, 17, 19);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return undefined;
  // The ISO form with milliseconds, as isoInstant would write it, without the arithmetic.
  return { ms: daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000, zoned: true, iso: s === 60 ? undefined : `${v.slice(0, 19)}.000Z` };
}

/** A parsed date-time: the instant, whether a zone was given, and its ISO form when known for free. */
interface ParsedDateTime {
  readonly ms: number;
  readonly zoned: boolean;
  readonly iso?: string;
}

/** Parses an RFC 3339 date-time, tolerating a missing zone (read as UTC) and a date alone. */
function parseDateTime(value: unknown): ParsedDateTime | undefined {
  if (typeof value !== 'string') return undefined;
  const common = parseCommonDateTime(value);
  if (common !== undefined) return common;
  const m = DATE_TIME.exec(value.trim());
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = m[4] === undefined ? 0 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) return undefined;
  const frac = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  const zone = m[8];
  let offset = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    // RFC 3339 time-numoffset: hours 00-23, minutes 00-59.
    if (Number(z[2]) > 23 || Number(z[3]) > 59) return undefined;
    offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  const ms = daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 + frac - offset;
  return { ms, zoned: zone !== undefined };
}

/** The instants a report's dates may take: the years 0000 to 9999 (RFC 3339 writes four digits), as UTC days. */
const MIN_DATE_MS = daysFromCivil(0, 1, 1) * DAY_MS;
const END_DATE_MS = daysFromCivil(10000, 1, 1) * DAY_MS;

/**
 * Refuses a date whose UTC instant or day (the start rounded to the nearest midnight) cannot be
 * written in four-digit years: `9999-12-31T23:00:00Z` would fall on a day in the year 10000.
 */
function checkDateInRange(ms: number, raw: unknown, field: string): void {
  if (ms >= MIN_DATE_MS && ms < END_DATE_MS) return;
  throw new ReportRejectedError(
    RejectReason.DATE_OUT_OF_RANGE,
    field,
    `\`${field}\` ${showValue(raw)} is outside the years 0000 to 9999 as a UTC instant or day (with the report's one-day range and rounding to the nearest midnight): ` +
      'the report cannot be put on a day; a TLS report covers a recent UTC day (RFC 8460 section 4.1)',
  );
}

const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/**
 * The name of a field: `policies[pi].summary.<key>` when `di` < 0, else
 * `policies[pi].failure-details[di].<key>` (or the detail itself when `key` is empty). Built only
 * when a message needs it: the hot path over failure details allocates no strings or closures.
 */
function fieldName(pi: number, di: number, key: string): string {
  const base = di < 0 ? `policies[${pi}].summary` : `policies[${pi}].failure-details[${di}]`;
  return key === '' ? base : `${base}.${key}`;
}

/** Reads a session count by the rules of `RejectReason`: numeric strings tolerated, the rest refused. */
function readCount(value: unknown, dc: DeviationCollector, pi: number, di: number, key: string): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= MAX_COUNT) return value;
    throw badCount(value, fieldName(pi, di, key));
  }
  if (value === undefined || value === null) {
    dc.warn(DeviationCode.COUNT_MISSING, () => {
      const f = fieldName(pi, di, key);
      return [f, `\`${f}\` is missing; 0 was used`];
    });
    return 0;
  }
  if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) {
    dc.warn(DeviationCode.COUNT_AS_STRING, () => {
      const f = fieldName(pi, di, key);
      return [f, `\`${f}\` is the string ${showValue(value)}, not a JSON number; its value ${Number(value)} was used`];
    });
    return Number(value);
  }
  throw badCount(value, fieldName(pi, di, key));
}

/** The rejection of counts that are each valid but add up past `Number.MAX_SAFE_INTEGER`. */
function sumTooLarge(field: string, what: string): ReportRejectedError {
  return new ReportRejectedError(
    RejectReason.COUNT_INVALID,
    field,
    `${what} add up to more than ${MAX_COUNT} (Number.MAX_SAFE_INTEGER), more sessions than any sender has: the report's session counts cannot be summed exactly (RFC 8460 section 4.3)`,
  );
}

function badCount(value: unknown, field: string): ReportRejectedError {
  return new ReportRejectedError(
    RejectReason.COUNT_INVALID,
    field,
    `\`${field}\` must be a whole number of sessions, 0 or more, got ${showValue(value)}: the report's session counts cannot be used (RFC 8460 section 4.3)`,
  );
}

/** Reads an optional string field of a failure detail: absent or null → undefined; "" → undefined with a deviation. */
function optionalString(v: unknown, key: string, dc: DeviationCollector, pi: number, di: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    dc.warn(DeviationCode.FIELD_NOT_A_STRING, () => {
      const f = fieldName(pi, di, key);
      return [f, `\`${f}\` must be a string, got ${showValue(v)}; it was dropped`];
    });
    return undefined;
  }
  const t = v.length > 0 && v.charCodeAt(0) > 32 && v.charCodeAt(v.length - 1) > 32 ? v : v.trim();
  if (t === '') {
    dc.info(DeviationCode.FIELD_EMPTY, () => {
      const f = fieldName(pi, di, key);
      return [f, `\`${f}\` is an empty string; it was treated as absent`];
    });
    return undefined;
  }
  return t;
}

/** True for a dotted-quad IPv4 address as `net.isIP` accepts it (no leading zeros), without a regular expression. */
function isDottedQuad(s: string): boolean {
  let parts = 0;
  let n = 0;
  let len = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (len === 0 || n > 255) return false;
      parts++;
      n = 0;
      len = 0;
      continue;
    }
    const digit = c - 48;
    if (digit < 0 || digit > 9 || (len > 0 && n === 0) || len === 3) return false;
    n = n * 10 + digit;
    len++;
  }
  return parts === 4;
}

function checkIp(ip: string, dc: DeviationCollector, pi: number, di: number, key: string): void {
  if (!isDottedQuad(ip) && isIP(ip) === 0) {
    dc.warn(DeviationCode.IP_INVALID, () => {
      const f = fieldName(pi, di, key);
      return [f, `\`${f}\` ${showValue(ip)} is not an IPv4 or IPv6 address; it was kept as written`];
    });
  }
}

function canonicalName(s: string): string {
  // Fast path: already lower-case ASCII, not padded, no trailing dot (no new string).
  const n = s.length;
  let plain = n > 0 && s.charCodeAt(0) > 32 && s.charCodeAt(n - 1) > 32 && s.charCodeAt(n - 1) !== 46;
  for (let i = 0; plain && i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) plain = false;
  }
  if (plain) return s;
  let t = s.trim().toLowerCase();
  if (t.endsWith('.')) t = t.slice(0, -1);
  return t;
}

/** The name of a field of `policies[pi].policy` (built only when a message needs it). */
function policyField(pi: number, key: string): string {
  return `policies[${pi}].policy.${key}`;
}

function readResultType(rt: unknown, dc: DeviationCollector, pi: number, di: number): ResultType {
  if (typeof rt !== 'string' || rt === '') {
    dc.warn(DeviationCode.RESULT_TYPE_MISSING, () => {
      const f = fieldName(pi, di, 'result-type');
      return [f, `\`${f}\` is missing; the detail was counted as "other"`];
    });
    return ResultType.OTHER;
  }
  const exact = RESULT_TYPES.get(rt);
  if (exact !== undefined) return exact;
  const folded = RESULT_TYPES.get(rt.trim().toLowerCase());
  if (folded !== undefined) {
    dc.info(DeviationCode.RESULT_TYPE_CASE, () => {
      const f = fieldName(pi, di, 'result-type');
      return [f, `\`${f}\` ${showValue(rt)} is written differently from the registered ${showValue(folded)}; it was matched`];
    });
    return folded;
  }
  dc.warn(DeviationCode.RESULT_TYPE_UNKNOWN, () => {
    const f = fieldName(pi, di, 'result-type');
    return [f, `\`${f}\` ${showValue(rt)} is not a registered result type; it was kept and counted as "other"`];
  });
  return ResultType.OTHER;
}

function readFailureDetail(d: JsonObject, pi: number, di: number, dc: DeviationCollector): FailureDetail {
  // One pass over the fields present (no lookups of absent optional fields, unknown fields found on the way).
  let rt: unknown;
  let count: unknown;
  let sending: unknown;
  let mxIn: unknown;
  let heloIn: unknown;
  let receiving: unknown;
  let reason: unknown;
  let draftReason: unknown;
  let extraIn: unknown;
  for (const key in d) {
    const v = d[key];
    switch (key) {
      case 'result-type':
        rt = v;
        break;
      case 'failed-session-count':
        count = v;
        break;
      case 'sending-mta-ip':
        sending = v;
        break;
      case 'receiving-mx-hostname':
        mxIn = v;
        break;
      case 'receiving-mx-helo':
        heloIn = v;
        break;
      case 'receiving-ip':
        receiving = v;
        break;
      case 'failure-reason-code':
        reason = v;
        break;
      case 'failure-error-code':
        draftReason = v;
        break;
      case 'additional-information':
        extraIn = v;
        break;
      default:
        dc.info(DeviationCode.UNKNOWN_FIELD, () => {
          const f = fieldName(pi, di, '');
          return [`${f}.${key}`, `\`${f}\` has the field ${showValue(key)}, which RFC 8460 does not define; it was ignored`];
        });
    }
  }
  const sendingMtaIp = optionalString(sending, 'sending-mta-ip', dc, pi, di);
  if (sendingMtaIp !== undefined) checkIp(sendingMtaIp, dc, pi, di, 'sending-mta-ip');
  const mx = optionalString(mxIn, 'receiving-mx-hostname', dc, pi, di);
  const receivingIp = optionalString(receiving, 'receiving-ip', dc, pi, di);
  if (receivingIp !== undefined) checkIp(receivingIp, dc, pi, di, 'receiving-ip');
  let failureReasonCode = optionalString(reason, 'failure-reason-code', dc, pi, di);
  if (failureReasonCode === undefined && draftReason !== undefined) {
    failureReasonCode = optionalString(draftReason, 'failure-error-code', dc, pi, di);
    dc.info(DeviationCode.DRAFT_FIELD_NAME, () => {
      const f = fieldName(pi, di, '');
      return [`${f}.failure-error-code`, `\`${f}\` uses the draft field name "failure-error-code"; RFC 8460 names it "failure-reason-code"`];
    });
  }
  // One literal with every field (absent ones undefined): a single allocation and one object shape
  // for the 100 000 details of a big report. JSON.stringify leaves the undefined ones out.
  return {
    resultType: readResultType(rt, dc, pi, di),
    resultTypeRaw: typeof rt === 'string' ? rt : '',
    failedSessions: readCount(count, dc, pi, di, 'failed-session-count'),
    sendingMtaIp,
    receivingMxHostname: mx === undefined ? undefined : canonicalName(mx),
    receivingMxHelo: optionalString(heloIn, 'receiving-mx-helo', dc, pi, di),
    receivingIp,
    failureReasonCode,
    additionalInformation: optionalString(extraIn, 'additional-information', dc, pi, di),
  };
}

/**
 * The most lines a `policy-string` may have. A real MTA-STS policy has 4 to 10 lines (one `mx`
 * line a pattern), a TLSA set a few records: 64 is far above anything real, and bounds what an
 * entry makes the policy parser read. More is the deviation `policy-string-too-long`.
 */
export const MAX_POLICY_STRING_LINES = 64;
/**
 * The longest `policy-string` line, in characters. The longest real line is an `mx` pattern
 * (a 253-character name plus `mx: `) or a TLSA record with a SHA-512 digest (about 140): 1000 is
 * far above both. A longer line is the deviation `policy-string-too-long`. A JSON-encoded TLSA
 * array (one element holding many records) is decoded first, and its lines are capped.
 */
export const MAX_POLICY_STRING_LINE_CHARS = 1000;
/** The longest element read at all: a JSON-encoded array of at most the capped lines. */
const MAX_POLICY_STRING_ELEMENT_CHARS = MAX_POLICY_STRING_LINES * (MAX_POLICY_STRING_LINE_CHARS + 8);

/** A policy-string element that needs no work: a non-empty string within the cap, not padded, not a JSON array. */
function isPlainLine(x: unknown): boolean {
  return (
    typeof x === 'string' &&
    x.length > 0 &&
    x.length <= MAX_POLICY_STRING_LINE_CHARS &&
    x.charCodeAt(0) > 32 &&
    x.charCodeAt(0) !== 91 &&
    x.charCodeAt(x.length - 1) > 32
  );
}

/** Line lists that were cut to the caps (a mark, so the usual path allocates nothing more than the lines). */
const cutPolicyStrings = new WeakSet<string[]>();

/** Collects policy-string lines up to the caps. */
class LineCollector {
  public readonly lines: string[] = [];
  public cut = false;

  /** Adds a trimmed, non-empty line (cut to the length cap); false once the line cap is reached. */
  public push(line: string): boolean {
    if (this.lines.length >= MAX_POLICY_STRING_LINES) {
      this.cut = true;
      return false;
    }
    if (line.length > MAX_POLICY_STRING_LINE_CHARS) {
      this.cut = true;
      this.lines.push(line.slice(0, MAX_POLICY_STRING_LINE_CHARS));
    } else {
      this.lines.push(line);
    }
    return true;
  }
}

/** The lines of a `policy-string` (in `cutPolicyStrings` when cut to the caps), or undefined when absent. */
function readPolicyStrings(v: unknown, pi: number, dc: DeviationCollector): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  let raw: unknown[];
  if (Array.isArray(v)) {
    if (v.length <= MAX_POLICY_STRING_LINES && v.every(isPlainLine)) return v.slice() as string[];
    raw = v;
  } else if (typeof v === 'string') {
    dc.warn(DeviationCode.POLICY_STRING_NOT_ARRAY, () => [policyField(pi, 'policy-string'), `\`${policyField(pi, 'policy-string')}\` is a string, not an array of strings; it was split into lines`]);
    // One more piece than the cap: enough to know the cap is passed, without splitting the rest.
    raw = v.split(/\r?\n/, MAX_POLICY_STRING_LINES + 1);
  } else {
    dc.warn(DeviationCode.POLICY_STRING_NOT_ARRAY, () => [policyField(pi, 'policy-string'), `\`${policyField(pi, 'policy-string')}\` must be an array of strings, got ${showValue(v)}; it was ignored`]);
    return [];
  }
  const out = new LineCollector();
  if (raw.length > MAX_POLICY_STRING_LINES) out.cut = true;
  const n = Math.min(raw.length, MAX_POLICY_STRING_LINES);
  for (let i = 0; i < n && addPolicyStringItem(raw[i], out, pi, dc); i++);
  if (out.cut) {
    dc.warn(DeviationCode.POLICY_STRING_TOO_LONG, () => [
      policyField(pi, 'policy-string'),
      `\`${policyField(pi, 'policy-string')}\` has more than ${MAX_POLICY_STRING_LINES} lines or a line longer than ${MAX_POLICY_STRING_LINE_CHARS} characters, ` +
        'far beyond any real policy; it was cut and not read as a policy',
    ]);
  }
  if (out.cut) cutPolicyStrings.add(out.lines);
  return out.lines;
}

/** Adds one `policy-string` element (a line, or a JSON-encoded array of lines); false once the line cap is reached. */
function addPolicyStringItem(item: unknown, out: LineCollector, pi: number, dc: DeviationCollector): boolean {
  if (typeof item !== 'string') {
    dc.warn(DeviationCode.POLICY_STRING_NOT_ARRAY, () => [policyField(pi, 'policy-string'), `\`${policyField(pi, 'policy-string')}\` holds ${showValue(item)}, not a string; it was dropped`]);
    return true;
  }
  if (item.length > MAX_POLICY_STRING_ELEMENT_CHARS) {
    out.cut = true;
    const head = item.slice(0, MAX_POLICY_STRING_LINE_CHARS).trim();
    return head === '' || out.push(head);
  }
  const t = item.trim();
  if (t.startsWith('[') && t.endsWith(']')) {
    const inner = jsonStringArray(t);
    if (inner !== undefined) {
      dc.info(DeviationCode.POLICY_STRING_JSON_ENCODED, () => [
        policyField(pi, 'policy-string'),
        `\`${policyField(pi, 'policy-string')}\` holds a JSON-encoded array inside a string (${inner.length} element(s)); it was decoded`,
      ]);
      for (const line of inner) if (!out.push(line)) return false;
      return true;
    }
  }
  return t === '' || out.push(t);
}

/** The strings of a JSON-encoded array of strings, or undefined when `t` is not one. */
function jsonStringArray(t: string): string[] | undefined {
  try {
    const inner: unknown = JSON.parse(t);
    if (Array.isArray(inner) && inner.every((x) => typeof x === 'string')) return inner as string[];
  } catch {
    // Not JSON: the line is kept as written.
  }
  return undefined;
}

/**
 * Memo of pure computations that repeat across reports (the same policy string, the same
 * domain): bounded, and cleared when full. Results are immutable data, copied out.
 */
const MEMO_LIMIT = 4096;
/** Longer policy strings are parsed every time: the memo holds at most MEMO_LIMIT short keys. */
const MEMO_KEY_LIMIT = 2048;
const stsMemo = new Map<string, { readonly policy: StsPolicySeen; readonly errors?: string }>();
const domainMemo = new Map<string, string>();

function remember<V>(memo: Map<string, V>, key: string, value: V): V {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
  return value;
}

function readStsPolicy(lines: readonly string[], pi: number, dc: DeviationCollector): StsPolicySeen {
  const key = lines.join('\n');
  let seen = stsMemo.get(key);
  if (seen === undefined) {
    seen = parseStsPolicy(lines);
    if (key.length <= MEMO_KEY_LIMIT) remember(stsMemo, key, seen);
  }
  const { errors } = seen;
  if (errors !== undefined) {
    dc.warn(DeviationCode.STS_POLICY_STRING_INVALID, () => {
      const field = policyField(pi, 'policy-string');
      return [field, `\`${field}\` is not a valid MTA-STS policy: ${errors}`];
    });
  }
  const out: { mode?: MtaStsMode; mx: string[]; maxAgeSeconds?: number } = { mx: seen.policy.mx.slice() };
  if (seen.policy.mode !== undefined) out.mode = seen.policy.mode;
  if (seen.policy.maxAgeSeconds !== undefined) out.maxAgeSeconds = seen.policy.maxAgeSeconds;
  return out;
}

function parseStsPolicy(lines: readonly string[]): { readonly policy: StsPolicySeen; readonly errors?: string } {
  const parsed = parsePolicy(lines.map((l) => l + '\r\n').join(''));
  const errors = errorsOf(parsed.findings);
  const mx = [...new Set(parsed.mx.map((m) => parseMxPattern(m).pattern ?? canonicalName(m)))].sort();
  const policy: { mode?: MtaStsMode; mx: string[]; maxAgeSeconds?: number } = { mx };
  if (parsed.mode !== undefined) policy.mode = parsed.mode;
  if (parsed.maxAgeSeconds !== undefined) policy.maxAgeSeconds = parsed.maxAgeSeconds;
  return errors.length > 0 ? { policy, errors: errors.map((e) => e.message).join('; ') } : { policy };
}

function readMxHosts(v: unknown, pi: number, dc: DeviationCollector): string[] {
  if (v === undefined || v === null) return [];
  const raw: unknown[] = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  let seen: Set<string> | undefined;
  for (const item of raw) {
    if (typeof item !== 'string') {
      dc.warn(DeviationCode.MX_HOST_INVALID, () => [policyField(pi, 'mx-host'), `\`${policyField(pi, 'mx-host')}\` must be a string or an array of strings, got ${showValue(v)}; ${showValue(item)} was dropped`]);
      continue;
    }
    let t = item.trim();
    // "mx:" in any case, then optional white space (cheaper than a regular expression per host).
    const prefix = t.length > 3 && (t.charCodeAt(0) | 32) === 109 && (t.charCodeAt(1) | 32) === 120 && t.charCodeAt(2) === 58 ? /^mx:\s*/i.exec(t) : null;
    if (prefix) {
      dc.info(DeviationCode.MX_HOST_PREFIXED, () => [policyField(pi, 'mx-host'), `\`${policyField(pi, 'mx-host')}\` value ${showValue(item)} starts with "mx:" (a policy line copied verbatim); the prefix was removed`]);
      t = t.slice(prefix[0].length);
    }
    t = canonicalName(t);
    if (t === '') continue;
    // A list scan for the usual one or two hosts; a set once there are many (no quadratic dedup).
    if (seen === undefined && out.length >= 8) seen = new Set(out);
    if (seen === undefined ? !out.includes(t) : !seen.has(t)) {
      out.push(t);
      seen?.add(t);
    }
  }
  return out;
}

/** The policy domain as lower-case A-labels, the fallback when missing, or undefined when invalid. */
function readPolicyDomain(v: unknown, pi: number, fallback: string | undefined, dc: DeviationCollector): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') {
    dc.warn(DeviationCode.POLICY_DOMAIN_MISSING, () => {
      const field = policyField(pi, 'policy-domain');
      return [field, `\`${field}\` is missing` + (fallback ? `; the email's TLS-Report-Domain ${showValue(fallback)} was used` : '; the entry cannot be attributed to a domain')];
    });
    return fallback;
  }
  const trimmed = v.trim();
  let name = domainMemo.get(trimmed);
  if (name === undefined) {
    const field = policyField(pi, 'policy-domain');
    const n = normalizeHostname(trimmed, field, 'a domain name');
    if (n.name === undefined) {
      dc.warn(DeviationCode.POLICY_DOMAIN_INVALID, () => [field, `${n.findings[0]?.message ?? `\`${field}\` ${showValue(v)} is not a domain name`}; the entry cannot be attributed to a domain`]);
      return undefined;
    }
    name = remember(domainMemo, trimmed, n.name);
  }
  if (name !== v) {
    const read = name;
    dc.info(DeviationCode.POLICY_DOMAIN_NOT_CANONICAL, () => {
      const field = policyField(pi, 'policy-domain');
      return [field, `\`${field}\` ${showValue(v)} is not written as lower-case A-labels; read as ${showValue(read)}`];
    });
  }
  return name;
}

function readPolicyEntry(entry: JsonObject, pi: number, fallbackDomain: string | undefined, dc: DeviationCollector): ReportPolicy | undefined {
  const p = entry.policy;
  if (!isObject(p)) {
    dc.warn(DeviationCode.POLICY_ENTRY_INVALID, () => [`policies[${pi}].policy`, `\`policies[${pi}].policy\` must be an object, got ${showValue(p)}; the entry was skipped`]);
    return undefined;
  }
  const typeRaw = p['policy-type'];
  let policyType = PolicyType.OTHER;
  let policyTypeRaw = '';
  if (typeof typeRaw === 'string' && typeRaw !== '') {
    policyTypeRaw = typeRaw;
    const known = POLICY_TYPES.get(typeRaw);
    if (known !== undefined) {
      policyType = known;
    } else {
      dc.warn(DeviationCode.POLICY_TYPE_UNKNOWN, () => [
        `policies[${pi}].policy.policy-type`,
        `\`policies[${pi}].policy.policy-type\` ${showValue(typeRaw)} is none of sts, tlsa, no-policy-found; kept and counted as "other"`,
      ]);
    }
  } else {
    dc.warn(DeviationCode.POLICY_TYPE_MISSING, () => [`policies[${pi}].policy.policy-type`, `\`policies[${pi}].policy.policy-type\` is missing; counted as "other"`]);
  }
  const domainIn = p['policy-domain'];
  const domain = readPolicyDomain(domainIn, pi, fallbackDomain, dc);
  const policyDomainRaw = typeof domainIn === 'string' ? domainIn : '';
  const strings = readPolicyStrings(p['policy-string'], pi, dc);
  if (strings === undefined && (policyType === PolicyType.STS || policyType === PolicyType.TLSA)) {
    dc.info(DeviationCode.POLICY_STRING_MISSING, () => [`policies[${pi}].policy.policy-string`, `\`policies[${pi}].policy.policy-string\` is missing for a ${policyType} policy`]);
  }
  const policyStrings = strings ?? [];
  let stsPolicy: StsPolicySeen | undefined;
  if (policyType === PolicyType.STS && policyStrings.length > 0) {
    // A policy string over the caps is not parsed: no mode and no mx, which readiness reads as a stale policy.
    stsPolicy = cutPolicyStrings.has(policyStrings) ? { mx: [] } : readStsPolicy(policyStrings, pi, dc);
  }
  const mxHosts = readMxHosts(p['mx-host'], pi, dc);

  const details: FailureDetail[] = [];
  const fd = entry['failure-details'];
  if (Array.isArray(fd)) {
    for (let di = 0; di < fd.length; di++) {
      const d: unknown = fd[di];
      if (!isObject(d)) {
        dc.warn(DeviationCode.FAILURE_DETAIL_INVALID, () => [`policies[${pi}].failure-details[${di}]`, `\`policies[${pi}].failure-details[${di}]\` must be an object, got ${showValue(d)}; it was skipped`]);
        continue;
      }
      details.push(readFailureDetail(d, pi, di, dc));
    }
  } else if (fd !== undefined && fd !== null) {
    dc.warn(DeviationCode.FAILURE_DETAILS_NOT_ARRAY, () => [`policies[${pi}].failure-details`, `\`policies[${pi}].failure-details\` must be an array, got ${showValue(fd)}; it was ignored`]);
  }
  let detailSessions = 0;
  for (const d of details) detailSessions += d.failedSessions;
  // A sum of safe integers that passes MAX_SAFE_INTEGER is at least 2^53 in floating point: the check is exact.
  if (detailSessions > MAX_COUNT) throw sumTooLarge(`policies[${pi}].failure-details`, `the failed-session-counts of \`policies[${pi}].failure-details\``);

  const summary = entry.summary;
  let successfulSessions = 0;
  let failedSessions = detailSessions;
  if (isObject(summary)) {
    successfulSessions = readCount(summary['total-successful-session-count'], dc, pi, -1, 'total-successful-session-count');
    failedSessions = readCount(summary['total-failure-session-count'], dc, pi, -1, 'total-failure-session-count');
  } else {
    dc.warn(DeviationCode.SUMMARY_MISSING, () => [
      `policies[${pi}].summary`,
      `\`policies[${pi}].summary\` is missing or not an object; 0 successful sessions and ${detailSessions} failed sessions (the sum of the failure details) were used`,
    ]);
  }
  if (detailSessions > failedSessions) {
    dc.warn(DeviationCode.FAILURE_DETAILS_EXCEED_SUMMARY, () => [
      `policies[${pi}].failure-details`,
      `the failure details of \`policies[${pi}]\` add up to ${detailSessions} sessions, but total-failure-session-count is ${failedSessions}; the summary was used for the totals`,
    ]);
  }
  const out: {
    policyType: PolicyType;
    policyTypeRaw: string;
    policyDomain?: string;
    policyDomainRaw: string;
    policyStrings: string[];
    stsPolicy?: StsPolicySeen;
    mxHosts: string[];
    successfulSessions: number;
    failedSessions: number;
    failureDetails: FailureDetail[];
  } = { policyType, policyTypeRaw, policyDomainRaw, policyStrings, mxHosts, successfulSessions, failedSessions, failureDetails: details };
  if (domain !== undefined) out.policyDomain = domain;
  if (stsPolicy !== undefined) out.stsPolicy = stsPolicy;
  return out;
}

/**
 * The most policy domains one report may name. Each domain costs the collector a rollup write,
 * and a real report names one (a few for a provider's bundled report): more is refused as
 * `too-many-policies`, so one POST cannot turn into thousands of writes.
 */
export const MAX_POLICY_DOMAINS_PER_REPORT = 100;

/**
 * Checks, entry by entry, what a report may add up to: at most `MAX_POLICY_DOMAINS_PER_REPORT`
 * domains, and session sums (per policy domain and for the whole report, summary and details
 * apart) that stay exact integers, so no rollup or verdict built from the report can overflow.
 */
class ReportBounds {
  // Parallel lists, not a Map: a report names one or two domains, and at most 100 are scanned.
  private readonly domains: string[] = [];
  private readonly domainTotals: number[] = [];
  private sessions = 0;
  private detailSessions = 0;

  /** Adds one entry; throws `TOO_MANY_POLICIES` or `COUNT_INVALID`. */
  public add(p: ReportPolicy, pi: number): void {
    const n = p.successfulSessions + p.failedSessions;
    if (p.policyDomain !== undefined) this.addToDomain(p.policyDomain, n, pi);
    this.sessions += n;
    if (this.sessions > MAX_COUNT) throw sumTooLarge(`policies[${pi}].summary`, `the session counts of the report (up to \`policies[${pi}]\`)`);
    const fd = p.failureDetails;
    for (let i = 0; i < fd.length; i++) this.detailSessions += fd[i].failedSessions;
    if (this.detailSessions > MAX_COUNT) throw sumTooLarge(`policies[${pi}].failure-details`, `the failed-session-counts of the report's failure details (up to \`policies[${pi}]\`)`);
  }

  private addToDomain(domain: string, n: number, pi: number): void {
    let i = this.domains.indexOf(domain);
    if (i < 0) {
      if (this.domains.length >= MAX_POLICY_DOMAINS_PER_REPORT) {
        throw new ReportRejectedError(
          RejectReason.TOO_MANY_POLICIES,
          `policies[${pi}].policy.policy-domain`,
          `\`policies\` names more than ${MAX_POLICY_DOMAINS_PER_REPORT} policy domains (the ${MAX_POLICY_DOMAINS_PER_REPORT + 1}th is ${showValue(domain)} at \`policies[${pi}]\`); ` +
            'a TLS report covers the policy domains of one receiver, and each would cost a rollup write: the report was refused',
        );
      }
      i = this.domains.push(domain) - 1;
      this.domainTotals.push(0);
    }
    const total = this.domainTotals[i] + n;
    if (total > MAX_COUNT) throw sumTooLarge(`policies[${pi}].summary`, `the session counts of the policy domain ${showValue(domain)} (up to \`policies[${pi}]\`)`);
    this.domainTotals[i] = total;
  }
}

const FILE_NAME = /^([^!]+)!([^!]+)!(\d+)!(\d+)(?:!([^!]*?))?\.json(?:\.gz)?$/i;

/** Compares the envelope (TLS-Report-Domain, file name) with the body; the body wins (RFC 8460 section 5). */
function checkEnvelope(extracted: ExtractedReport | undefined, policies: readonly ReportPolicy[], startMs: number, dc: DeviationCollector): void {
  if (!extracted || (extracted.email?.reportDomain === undefined && extracted.fileName === undefined)) return;
  const domains = new Set(policies.map((p) => p.policyDomain).filter((d): d is string => d !== undefined));
  const headerDomain = extracted.email?.reportDomain;
  if (headerDomain !== undefined && domains.size > 0 && !domains.has(canonicalName(headerDomain))) {
    dc.info(DeviationCode.ENVELOPE_MISMATCH, () => [
      'email',
      `the TLS-Report-Domain header ${showValue(headerDomain)} names none of the report's policy domains (${[...domains].join(', ')}); the body was used`,
    ]);
  }
  const m = extracted.fileName ? FILE_NAME.exec(extracted.fileName) : null;
  if (m) {
    const fileDomain = canonicalName(m[2]);
    const begin = Number(m[3]);
    if ((domains.size > 0 && !domains.has(fileDomain)) || begin !== Math.floor(startMs / 1000)) {
      dc.info(DeviationCode.ENVELOPE_MISMATCH, () => [
        'fileName',
        `the file name ${showValue(extracted.fileName)} says domain ${fileDomain} from ${new Date(begin * 1000).toISOString()}, ` +
          `the body says ${[...domains].join(', ') || 'no domain'} from ${new Date(startMs).toISOString()}; the body was used`,
      ]);
    }
  }
}

/** The JSON text of a parsed report, for the content hash; a value too deep for JSON.stringify is refused, not a crash. */
function serializeForHash(value: JsonObject): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new ReportRejectedError(
      RejectReason.NOT_JSON,
      'report',
      `the report has no \`report-id\` and cannot be written back as JSON to hash it (${showValue(String((err as Error).message)).slice(1, -1)}): pass its JSON text (normalizeReport)`,
    );
  }
}

const PRINTABLE_HEAD = /^[\x20-\x7e\t\r\n]*$/;

/**
 * Why a text is not JSON, for a message that never carries binary: the parser's message (it
 * quotes the text) and the first characters when they are printable ASCII, else only the hex of
 * the first bytes (UTF-8, as decoded).
 */
function notJsonWhy(text: string, err: unknown): string {
  const head = text.slice(0, 40);
  if (PRINTABLE_HEAD.test(head)) {
    const parser = showValue(String((err as Error).message)).slice(1, -1);
    return `${parser}); it starts with ${showValue(head)}`;
  }
  const bytes = Buffer.from(text.slice(0, 16), 'utf8').subarray(0, 16);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const hint = bytes[0] === 0x1f ? ': compressed data? A gzip body sent with Content-Encoding: gzip is compressed twice' : '';
  return `binary data${hint}); it starts with the bytes ${hex}`;
}

/**
 * Normalises a report given as JSON text. See `normalizeReportValue`.
 *
 * @param text the report JSON
 * @param options fallbacks and context
 * @throws ReportRejectedError `NOT_JSON`, or any rejection of `normalizeReportValue`
 */
export function normalizeReport(text: string, options: NormalizeOptions = {}): TlsRptReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ReportRejectedError(RejectReason.NOT_JSON, 'report', `the report is not JSON (${notJsonWhy(text, err)}; a TLS report is a JSON object (RFC 8460 section 4)`);
  }
  return normalizeReportValue(value, options, text);
}

/**
 * Normalises a parsed report into the canonical `TlsRptReport`.
 *
 * Refuses (throws `ReportRejectedError`) only what is not a report: not an object, no
 * `policies`, `policies` not an array or with no object in it, a session count that is
 * negative, fractional or not a number, and a missing or unreadable start date. Everything
 * else is read as well as it can be, and each departure from RFC 8460 is recorded in
 * `deviations` (see `DeviationCode`): missing names and ids, date-times without a zone,
 * unknown policy and result types (kept raw, typed `OTHER`), `mx-host` as a string or with an
 * "mx: " prefix, JSON-encoded TLSA policy strings, counts as numeric strings, empty optional
 * fields, draft field names, failure details adding up to more than the summary.
 *
 * @param value the parsed JSON
 * @param options fallbacks and context
 * @param text the JSON text, when known (only hashed when `report-id` is missing)
 * @throws ReportRejectedError when the value is not a report
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-4
 */
export function normalizeReportValue(value: unknown, options: NormalizeOptions = {}, text?: string): TlsRptReport {
  if (!isObject(value)) {
    const what = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    throw new ReportRejectedError(RejectReason.NOT_AN_OBJECT, 'report', `the report JSON must be an object, got ${what}; a TLS report is a JSON object with organization-name, date-range, report-id and policies (RFC 8460 section 4.3)`);
  }
  if (!('policies' in value)) {
    throw new ReportRejectedError(RejectReason.POLICIES_MISSING, 'policies', 'the JSON object has no `policies`; a TLS report lists its policies in a `policies` array (RFC 8460 section 4.3)');
  }
  const policiesIn = value.policies;
  if (!Array.isArray(policiesIn)) {
    throw new ReportRejectedError(RejectReason.POLICIES_NOT_ARRAY, 'policies', `\`policies\` must be an array, got ${showValue(policiesIn)} (RFC 8460 section 4.3)`);
  }
  const dc = new DeviationCollector();
  const extracted = options.extracted;
  if (extracted) dc.addAll(extracted.deviations);

  const range = isObject(value['date-range']) ? value['date-range'] : {};
  const startRaw = range['start-datetime'];
  const start = parseDateTime(startRaw);
  if (!start) {
    throw new ReportRejectedError(
      RejectReason.DATE_RANGE_INVALID,
      'date-range.start-datetime',
      `\`date-range.start-datetime\` must be an RFC 3339 date-time (for example "2026-11-20T00:00:00Z"), got ${showValue(startRaw)}: the report cannot be put on a day`,
    );
  }
  const endRaw = range['end-datetime'];
  let end = parseDateTime(endRaw);
  if (!start.zoned || (end && !end.zoned)) {
    dc.info(DeviationCode.DATETIME_NO_TIMEZONE, () => [
      'date-range',
      `\`date-range\` ${showValue(start.zoned ? endRaw : startRaw)} has no time zone, which RFC 3339 requires; it was read as UTC`,
    ]);
  }
  if (!end) {
    dc.warn(DeviationCode.DATE_RANGE_END_INVALID, () => [
      'date-range.end-datetime',
      `\`date-range.end-datetime\` must be an RFC 3339 date-time, got ${showValue(endRaw)}; the range was taken as one day from the start`,
    ]);
    end = { ms: start.ms + DAY_MS, zoned: true };
  }
  checkDateInRange(start.ms, startRaw, 'date-range.start-datetime');
  checkDateInRange(start.ms + DAY_MS / 2, startRaw, 'date-range.start-datetime');
  checkDateInRange(end.ms, endRaw, 'date-range.end-datetime');
  const length = end.ms - start.ms;
  if (start.ms % DAY_MS !== 0 || length < DAY_MS - 1000 || length > DAY_MS) {
    dc.info(DeviationCode.DATE_RANGE_NOT_ONE_DAY, () => [
      'date-range',
      `\`date-range\` ${isoInstant(start.ms)} to ${isoInstant(end!.ms)} is not one whole UTC day (RFC 8460 section 4.1); ` +
        'the report was put on the UTC day of its start',
    ]);
  }
  const day = start.iso !== undefined && start.ms % DAY_MS === 0 ? start.iso.slice(0, 10) : dayOf(start.ms + DAY_MS / 2);

  let contactInfo: string | null = null;
  const ci = value['contact-info'];
  if (typeof ci === 'string' && ci.trim() !== '') {
    contactInfo = ci.trim();
  } else {
    dc.warn(DeviationCode.CONTACT_INFO_MISSING, () => ['contact-info', `\`contact-info\` is ${ci === null ? 'null' : ci === undefined ? 'missing' : showValue(ci)}; RFC 8460 section 4.3 requires it`]);
  }
  const orgRaw = value['organization-name'];
  let organization: string;
  if (typeof orgRaw === 'string' && orgRaw.trim() !== '') {
    organization = orgRaw.trim();
  } else {
    organization = extracted?.email?.reportSubmitter ?? (contactInfo?.includes('@') ? contactInfo.split('@').pop()! : contactInfo) ?? 'unknown';
    dc.warn(DeviationCode.ORGANIZATION_MISSING, () => ['organization-name', `\`organization-name\` is ${showValue(orgRaw)}; the reporter was named ${showValue(organization)}`]);
  }
  const idRaw = value['report-id'];
  let reportId: string;
  if ((typeof idRaw === 'string' && idRaw.trim() !== '') || typeof idRaw === 'number') {
    reportId = String(idRaw).trim();
  } else {
    reportId = 'sha256:' + createHash('sha256').update(text ?? serializeForHash(value), 'utf8').digest('hex').slice(0, 32);
    dc.warn(DeviationCode.REPORT_ID_MISSING, () => ['report-id', `\`report-id\` is ${showValue(idRaw)}; the content hash ${reportId} stands in for it`]);
  }

  const fallbackRaw = options.fallbackPolicyDomain ?? extracted?.email?.reportDomain;
  const fallbackDomain = fallbackRaw === undefined ? undefined : normalizeHostname(fallbackRaw, 'fallbackPolicyDomain').name;
  const policies: ReportPolicy[] = [];
  const bounds = new ReportBounds();
  for (let pi = 0; pi < policiesIn.length; pi++) {
    const entry: unknown = policiesIn[pi];
    if (!isObject(entry)) {
      dc.warn(DeviationCode.POLICY_ENTRY_INVALID, () => [`policies[${pi}]`, `\`policies[${pi}]\` must be an object, got ${showValue(entry)}; it was skipped`]);
      continue;
    }
    const p = readPolicyEntry(entry, pi, fallbackDomain, dc);
    if (p) {
      bounds.add(p, pi);
      policies.push(p);
    }
  }
  if (policies.length === 0) {
    throw new ReportRejectedError(
      RejectReason.POLICIES_EMPTY,
      'policies',
      policiesIn.length === 0
        ? '`policies` is empty; a TLS report lists at least one policy with its session counts (RFC 8460 section 4.3)'
        : `none of the ${policiesIn.length} \`policies\` entries is an object with a \`policy\` object; a TLS report lists at least one policy`,
    );
  }
  checkEnvelope(extracted, policies, start.ms, dc);
  if (options.receivedAt) {
    const lateMs = options.receivedAt.getTime() - end.ms;
    if (lateMs > LATE_REPORT_THRESHOLD_HOURS * 3_600_000) {
      dc.info(DeviationCode.REPORT_LATE, () => [
        'date-range.end-datetime',
        `the report arrived ${Math.floor(lateMs / 3_600_000)} hours after its date range ended (${isoInstant(end!.ms)}); reports are expected within a day`,
      ]);
    }
  }

  const startDatetime = start.iso ?? isoInstant(start.ms);
  const report: {
    -readonly [K in keyof TlsRptReport]: TlsRptReport[K];
  } = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    idempotencyKey: reportIdempotencyKey(organization, reportId, startDatetime),
    reportId,
    organization,
    contactInfo,
    startDatetime,
    endDatetime: end.iso ?? isoInstant(end.ms),
    day,
    policies,
    deviations: dc.findings(),
  };
  if (extracted || options.receivedAt) {
    const source: { -readonly [K in keyof ReportSource]: ReportSource[K] } = {
      format: extracted?.format ?? InputFormat.JSON,
      payloadFormat: extracted?.payloadFormat ?? InputFormat.JSON,
      inflatedBytes: extracted?.inflatedBytes ?? Buffer.byteLength(text ?? ''),
    };
    if (extracted?.fileName !== undefined) source.fileName = extracted.fileName;
    if (extracted?.email !== undefined) source.email = extracted.email;
    if (options.receivedAt) source.receivedAt = options.receivedAt.toISOString();
    report.source = source;
  }
  return report;
}
