/**
 * The stable codes of the deviations the extractor and normaliser record: every way a report
 * (or its envelope) departs from RFC 8460 while still being readable as a report.
 *
 * A deviation is a `Finding` (code, severity, field, message) in `TlsRptReport.deviations`.
 * Each code is recorded once per report; when the same code occurs several times (for example
 * in thousands of failure details) the message of the first occurrence is kept and ends with
 * "(N times in this report)". Severity is `WARNING` for a break of a MUST or of the grammar,
 * `INFO` for a SHOULD or a harmless quirk.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-4
 */
export enum DeviationCode {
  // --- the envelope (bytes, email, HTTPS) -------------------------------------------------
  /** The JSON starts with a UTF-8 byte order mark (I-JSON forbids it); it was skipped. */
  JSON_BOM = 'json-bom',
  /** A content type or file name said one format, the bytes are another; the bytes won. */
  LABEL_MISMATCH = 'label-mismatch',
  /** The report came in a zip archive: RFC 8460 allows only JSON or gzip. */
  ZIP_CONTAINER = 'zip-container',
  /** The email is not `multipart/report; report-type=tlsrpt` (section 5.3). */
  EMAIL_NOT_MULTIPART_REPORT = 'email-not-multipart-report',
  /** The report part is not `application/tlsrpt+gzip` or `application/tlsrpt+json` (section 5.3). */
  EMAIL_PART_TYPE = 'email-part-type',
  /** The email lacks `TLS-Report-Domain` or `TLS-Report-Submitter` (MUST, section 5.3). */
  EMAIL_HEADER_MISSING = 'email-header-missing',
  /** The report came inside a forwarded message (`message/rfc822`); the inner message was read. */
  EMAIL_FORWARDED = 'email-forwarded',
  /** The email has several report parts; the first one (by type preference) was read. */
  EMAIL_SEVERAL_REPORT_PARTS = 'email-several-report-parts',
  /** A header, subject or file name disagrees with the report body; the body wins (section 5). */
  ENVELOPE_MISMATCH = 'envelope-mismatch',
  /** The report arrived long after its date range ended (`receivedAt` was given). */
  REPORT_LATE = 'report-late',

  // --- the report object ------------------------------------------------------------------
  /** `organization-name` is missing or empty. */
  ORGANIZATION_MISSING = 'organization-name-missing',
  /** `contact-info` is missing or null. */
  CONTACT_INFO_MISSING = 'contact-info-missing',
  /** `report-id` is missing or empty; a content hash stands in for it. */
  REPORT_ID_MISSING = 'report-id-missing',
  /** A date-time has no time zone; it was read as UTC. */
  DATETIME_NO_TIMEZONE = 'datetime-no-timezone',
  /** `end-datetime` is missing or not a date-time; the range was taken as one day. */
  DATE_RANGE_END_INVALID = 'date-range-end-invalid',
  /** The range is not exactly one UTC day (section 4.1 says reports cover a full UTC day). */
  DATE_RANGE_NOT_ONE_DAY = 'date-range-not-one-day',

  // --- policies ---------------------------------------------------------------------------
  /** A `policies` entry is not an object, or has no `policy` object; it was skipped. */
  POLICY_ENTRY_INVALID = 'policy-entry-invalid',
  /** `policy-type` is missing. */
  POLICY_TYPE_MISSING = 'policy-type-missing',
  /** `policy-type` is none of sts, tlsa, no-policy-found; kept raw, typed `PolicyType.OTHER`. */
  POLICY_TYPE_UNKNOWN = 'policy-type-unknown',
  /** `policy-domain` is missing (the `TLS-Report-Domain` header stands in when present). */
  POLICY_DOMAIN_MISSING = 'policy-domain-missing',
  /** `policy-domain` is not a valid domain name; the entry cannot be attributed to a domain. */
  POLICY_DOMAIN_INVALID = 'policy-domain-invalid',
  /** `policy-domain` is valid but not lower-case A-labels without a trailing dot. */
  POLICY_DOMAIN_NOT_CANONICAL = 'policy-domain-not-canonical',
  /** `policy-string` is missing for an sts or tlsa policy. */
  POLICY_STRING_MISSING = 'policy-string-missing',
  /** `policy-string` is not an array of strings. */
  POLICY_STRING_NOT_ARRAY = 'policy-string-not-array',
  /**
   * `policy-string` has more than `MAX_POLICY_STRING_LINES` lines or a line longer than
   * `MAX_POLICY_STRING_LINE_CHARS`: it was cut to the caps and not read as a policy (an sts entry
   * then shows no mode and no mx, which readiness treats as a stale policy).
   */
  POLICY_STRING_TOO_LONG = 'policy-string-too-long',
  /** A `policy-string` element holds a JSON-encoded array of strings (Microsoft's TLSA quirk); it was decoded. */
  POLICY_STRING_JSON_ENCODED = 'policy-string-json-encoded',
  /** The sts `policy-string` is not a valid MTA-STS policy (RFC 8461 section 3.2). */
  STS_POLICY_STRING_INVALID = 'sts-policy-string-invalid',
  /** An `mx-host` value starts with "mx: " (a policy line copied verbatim); the prefix was removed. */
  MX_HOST_PREFIXED = 'mx-host-prefixed',
  /** `mx-host` is neither a string nor an array of strings; bad entries were dropped. */
  MX_HOST_INVALID = 'mx-host-invalid',

  // --- counts -----------------------------------------------------------------------------
  /** `summary` is missing: the success count is 0 and the failure count the sum of the details. */
  SUMMARY_MISSING = 'summary-missing',
  /** A session count is missing; 0 was used. */
  COUNT_MISSING = 'count-missing',
  /** A session count is a numeric string (`"12"`); its number was used. */
  COUNT_AS_STRING = 'count-as-string',
  /** The failure details add up to more sessions than `total-failure-session-count`. */
  FAILURE_DETAILS_EXCEED_SUMMARY = 'failure-details-exceed-summary',

  // --- failure details --------------------------------------------------------------------
  /** `failure-details` is not an array; it was ignored. */
  FAILURE_DETAILS_NOT_ARRAY = 'failure-details-not-array',
  /** A failure detail is not an object; it was skipped. */
  FAILURE_DETAIL_INVALID = 'failure-detail-invalid',
  /** `result-type` is missing. */
  RESULT_TYPE_MISSING = 'result-type-missing',
  /** `result-type` is not a registered type; kept raw, typed `ResultType.OTHER`. */
  RESULT_TYPE_UNKNOWN = 'result-type-unknown',
  /** `result-type` is registered but not in lower case; matched case-insensitively. */
  RESULT_TYPE_CASE = 'result-type-case',
  /** An optional field is present but empty (`""`); it was treated as absent. */
  FIELD_EMPTY = 'field-empty',
  /** An optional field is not a string; it was dropped. */
  FIELD_NOT_A_STRING = 'field-not-a-string',
  /** `sending-mta-ip` or `receiving-ip` is not an IPv4 or IPv6 address; kept as written. */
  IP_INVALID = 'ip-invalid',
  /** The draft field name `failure-error-code` was used for `failure-reason-code`. */
  DRAFT_FIELD_NAME = 'draft-field-name',
  /** A failure detail has a field RFC 8460 does not define (for example `additional-info-uri`). */
  UNKNOWN_FIELD = 'unknown-field',
}
