import { error, Finding } from '../policy/findings';

/**
 * Why an input was refused as "not a TLS report". Each value is a stable code: the collector
 * puts it in the quarantine key and metrics, tests assert on it, and it never changes meaning.
 *
 * Only input that cannot be read as a report is refused. Anything that is a report but breaks
 * a rule of RFC 8460 is accepted and the break is listed in `TlsRptReport.deviations`.
 *
 * Counts: a count written as a numeric string (`"12"`) is tolerated as a deviation
 * (`DeviationCode.COUNT_AS_STRING`); a count that is negative, fractional, larger than
 * `Number.MAX_SAFE_INTEGER`, or not a number at all is refused with `COUNT_INVALID`, because no
 * session total can be derived from it and summing it would corrupt every rollup it reaches. So
 * is a report whose counts add up past `Number.MAX_SAFE_INTEGER` (per policy domain or for the
 * whole report), before anything is stored.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-4
 */
export enum RejectReason {
  /** The input has no bytes. */
  EMPTY_INPUT = 'empty-input',
  /** The raw input is larger than `maxInputBytes`. */
  INPUT_TOO_LARGE = 'input-too-large',
  /** The bytes are none of JSON, gzip, zip or an email (the magic bytes decide, never a label). */
  UNRECOGNISED_FORMAT = 'unrecognised-format',
  /** The bytes are an email, but the synchronous decoder was called (use `extractReportInput`). */
  EMAIL_NEEDS_ASYNC = 'email-needs-async',
  /** The gzip stream is corrupt (bad header, bad block, bad checksum or trailing garbage). */
  GZIP_INVALID = 'gzip-invalid',
  /** The gzip stream ends before its end marker. */
  GZIP_TRUNCATED = 'gzip-truncated',
  /** The decompressed report is larger than `maxInflatedBytes` (a decompression bomb). */
  INFLATED_TOO_LARGE = 'inflated-too-large',
  /** The zip archive is corrupt or uses a feature not supported (encryption, ZIP64, a method other than stored or deflate). */
  ZIP_INVALID = 'zip-invalid',
  /** The zip archive holds no file. */
  ZIP_EMPTY = 'zip-empty',
  /** The zip archive holds more than one file: which one is the report is ambiguous. */
  ZIP_SEVERAL_FILES = 'zip-several-files',
  /** The email could not be parsed as MIME. */
  EMAIL_INVALID = 'email-invalid',
  /** The email has more MIME parts than the parser reads (a real report email has two or three). */
  EMAIL_TOO_COMPLEX = 'email-too-complex',
  /** The `Content-Encoding` the body came with is not gzip, deflate, br or identity, or the body does not decode with it. */
  CONTENT_ENCODING_INVALID = 'content-encoding-invalid',
  /** The email has no part that holds a report (JSON, gzip or zip). */
  EMAIL_NO_REPORT_PART = 'email-no-report-part',
  /** The report text is not JSON. */
  NOT_JSON = 'not-json',
  /** The JSON is not an object (an array, a string, a number, null). */
  NOT_AN_OBJECT = 'not-an-object',
  /** The object has no `policies` field. */
  POLICIES_MISSING = 'policies-missing',
  /** `policies` is not an array. */
  POLICIES_NOT_ARRAY = 'policies-not-array',
  /** `policies` is empty, or none of its entries is an object. */
  POLICIES_EMPTY = 'policies-empty',
  /** `policies` names more than `MAX_POLICY_DOMAINS_PER_REPORT` policy domains (each would cost a rollup write). */
  TOO_MANY_POLICIES = 'too-many-policies',
  /** A session count is negative, fractional, too large or not a number, or the counts add up past `Number.MAX_SAFE_INTEGER` (see the enum's notes). */
  COUNT_INVALID = 'count-invalid',
  /** `date-range.start-datetime` is missing or not a date-time: the report cannot be put on a day. */
  DATE_RANGE_INVALID = 'date-range-invalid',
  /** A date of `date-range` is a date-time, but its UTC day or instant falls outside the years 0000 to 9999. */
  DATE_OUT_OF_RANGE = 'date-out-of-range',
}

/**
 * Thrown when an input is not a TLS report. `reason` is the stable code, `field` the place in
 * the input (`policies[2].summary.total-failure-session-count`, `gzip`, `email`), and `message`
 * a sentence naming the field, the value and what a valid report has there.
 *
 * The collector quarantines the raw bytes under `reason` (see `quarantineKey`).
 */
export class ReportRejectedError extends Error {
  /** The stable reason code. */
  public readonly reason: RejectReason;
  /** Where in the input the problem is. */
  public readonly field: string;

  /**
   * @param reason the stable reason code
   * @param field where in the input the problem is
   * @param message a sentence naming the field, the value and what a report has there
   */
  constructor(reason: RejectReason, field: string, message: string) {
    super(message);
    this.name = 'ReportRejectedError';
    this.reason = reason;
    this.field = field;
  }

  /** The same rejection as an error `Finding` (code = `reason`), for front ends that print findings. */
  public toFinding(): Finding {
    return error(this.reason, this.field, this.message);
  }
}

/** True when `e` is a `ReportRejectedError` (also across module copies, by name and shape). */
export function isReportRejectedError(e: unknown): e is ReportRejectedError {
  return (
    e instanceof ReportRejectedError ||
    (e instanceof Error && e.name === 'ReportRejectedError' && typeof (e as { reason?: unknown }).reason === 'string')
  );
}
