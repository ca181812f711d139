import * as zlib from 'node:zlib';
import {
  DeviationCode,
  IDEMPOTENCY_KEY_PATTERN,
  LATE_REPORT_THRESHOLD_HOURS,
  MAX_POLICY_DOMAINS_PER_REPORT,
  MAX_POLICY_STRING_LINE_CHARS,
  MAX_POLICY_STRING_LINES,
  normalizeReport, normalizeReportValue, PolicyType, REGISTERED_RESULT_TYPES, RejectReason, reportIdempotencyKey, ResultType } from '../../lib/reports';
import { MtaStsMode, Severity } from '../../lib/policy';
import { rejectionOf, reportJson } from './helpers';

type Obj = { [key: string]: unknown };

/** A report object whose first policy entry can be edited in place. */
function editable(day = '2026-11-20'): { report: Obj; entry: Obj; policy: Obj; summary: Obj } {
  const report = reportJson({ day, success: 10, failure: 2, details: [{ type: 'certificate-expired', count: 2, mx: 'mx1.example.com', ip: '192.0.2.1' }] }) as Obj;
  const entry = (report.policies as Obj[])[0];
  return { report, entry, policy: entry.policy as Obj, summary: entry.summary as Obj };
}

const codes = (r: { deviations: ReadonlyArray<{ code: string }> }): string[] => r.deviations.map((d) => d.code);

describe('the canonical model', () => {
  test('a clean report', () => {
    const r = normalizeReportValue(editable().report);
    expect(r).toMatchObject({
      schemaVersion: 1,
      organization: 'Google Inc.',
      contactInfo: 'tlsrpt@googleinc.example',
      startDatetime: '2026-11-20T00:00:00.000Z',
      endDatetime: '2026-11-20T23:59:59.000Z',
      day: '2026-11-20',
      deviations: [],
    });
    expect(r.policies).toEqual([
      {
        policyType: PolicyType.STS,
        policyTypeRaw: 'sts',
        policyDomain: 'example.com',
        policyDomainRaw: 'example.com',
        policyStrings: ['version: STSv1', 'mode: testing', 'mx: mail.example.com', 'max_age: 86400'],
        stsPolicy: { mode: MtaStsMode.TESTING, mx: ['mail.example.com'], maxAgeSeconds: 86400 },
        mxHosts: ['mail.example.com'],
        successfulSessions: 10,
        failedSessions: 2,
        failureDetails: [
          { resultType: ResultType.CERTIFICATE_EXPIRED, resultTypeRaw: 'certificate-expired', failedSessions: 2, sendingMtaIp: '192.0.2.1', receivingMxHostname: 'mx1.example.com' },
        ],
      },
    ]);
    expect(r.idempotencyKey).toBe(reportIdempotencyKey('Google Inc.', r.reportId, '2026-11-20T00:00:00.000Z'));
    expect(r.source).toBeUndefined();
  });

  test('every registered result type is known, and the list is the IANA registry', () => {
    expect([...REGISTERED_RESULT_TYPES].sort()).toEqual(
      [
        'starttls-not-supported',
        'certificate-host-mismatch',
        'certificate-expired',
        'certificate-not-trusted',
        'validation-failure',
        'tlsa-invalid',
        'dnssec-invalid',
        'dane-required',
        'sts-policy-fetch-error',
        'sts-policy-invalid',
        'sts-webpki-invalid',
      ].sort(),
    );
    const report = reportJson({ day: '2026-11-20', details: REGISTERED_RESULT_TYPES.map((t, i) => ({ type: t, count: i + 1, mx: 'mail.example.com' })) });
    const r = normalizeReportValue(report);
    expect(r.policies[0].failureDetails.map((d) => d.resultType)).toEqual(REGISTERED_RESULT_TYPES);
    expect(r.policies[0].failedSessions).toBe(66);
    expect(r.deviations).toEqual([]);
  });

  test('an unknown result type is kept raw, typed other, not rejected', () => {
    const r = normalizeReportValue(reportJson({ day: '2026-11-20', details: [{ type: 'quantum-tls-failure', count: 4 }] }));
    expect(r.policies[0].failureDetails[0]).toEqual({ resultType: ResultType.OTHER, resultTypeRaw: 'quantum-tls-failure', failedSessions: 4 });
    expect(r.deviations).toEqual([
      {
        code: DeviationCode.RESULT_TYPE_UNKNOWN,
        severity: Severity.WARNING,
        field: 'policies[0].failure-details[0].result-type',
        message: '`policies[0].failure-details[0].result-type` "quantum-tls-failure" is not a registered result type; it was kept and counted as "other"',
      },
    ]);
  });

  test('a result type in other case is matched and noted', () => {
    const r = normalizeReportValue(reportJson({ day: '2026-11-20', details: [{ type: 'Certificate-Expired', count: 1 }] }));
    expect(r.policies[0].failureDetails[0].resultType).toBe(ResultType.CERTIFICATE_EXPIRED);
    expect(codes(r)).toEqual([DeviationCode.RESULT_TYPE_CASE]);
  });

  test('DANE (tlsa) entries and failures', () => {
    const r = normalizeReportValue(
      reportJson({
        day: '2026-11-20',
        policies: [
          {
            type: 'tlsa',
            tlsa: ['3 1 1 AAAA', '3 1 1 BBBB'],
            success: 50,
            details: [
              { type: 'dane-required', count: 1, mx: 'mx1.example.com' },
              { type: 'tlsa-invalid', count: 2, mx: 'mx1.example.com' },
              { type: 'dnssec-invalid', count: 3, mx: 'mx2.example.com' },
            ],
          },
        ],
      }),
    );
    const p = r.policies[0];
    expect(p.policyType).toBe(PolicyType.TLSA);
    expect(p.policyStrings).toEqual(['3 1 1 AAAA', '3 1 1 BBBB']);
    expect(p.stsPolicy).toBeUndefined();
    expect(p.failureDetails.map((d) => d.resultType)).toEqual([ResultType.DANE_REQUIRED, ResultType.TLSA_INVALID, ResultType.DNSSEC_INVALID]);
    expect(codes(r)).toEqual([DeviationCode.POLICY_STRING_JSON_ENCODED]);
  });

  test('thousands of failure details: every one kept, quirks noted once with a count', () => {
    const details = Array.from({ length: 5000 }, (_, i) => ({
      'result-type': REGISTERED_RESULT_TYPES[i % REGISTERED_RESULT_TYPES.length],
      'sending-mta-ip': i % 2 === 0 ? `198.51.100.${i % 250}` : '',
      'receiving-mx-hostname': `MX${i % 3}.Example.COM.`,
      'failed-session-count': 1,
    }));
    const report = reportJson({ day: '2026-11-20', success: 1, failure: 5000 });
    (report.policies as Obj[])[0]['failure-details'] = details;
    const r = normalizeReportValue(report);
    expect(r.policies[0].failureDetails).toHaveLength(5000);
    expect(new Set(r.policies[0].failureDetails.map((d) => d.receivingMxHostname))).toEqual(new Set(['mx0.example.com', 'mx1.example.com', 'mx2.example.com']));
    expect(r.deviations).toEqual([
      expect.objectContaining({ code: DeviationCode.FIELD_EMPTY, message: expect.stringMatching(/treated as absent \(2500 times in this report\)$/) }),
    ]);
  });
});

describe('quirks of real reporters are normalised and recorded', () => {
  test('mx-host as a string, absent, or with the "mx: " prefix', () => {
    const a = editable();
    a.policy['mx-host'] = 'MAIL.example.com.';
    expect(normalizeReportValue(a.report).policies[0].mxHosts).toEqual(['mail.example.com']);
    const b = editable();
    delete b.policy['mx-host'];
    expect(normalizeReportValue(b.report).policies[0].mxHosts).toEqual([]);
    const c = editable();
    c.policy['mx-host'] = ['mx: mail.example.com', 'mx:  backup.example.com', ''];
    const rc = normalizeReportValue(c.report);
    expect(rc.policies[0].mxHosts).toEqual(['mail.example.com', 'backup.example.com']);
    expect(codes(rc)).toEqual([DeviationCode.MX_HOST_PREFIXED]);
    const d = editable();
    d.policy['mx-host'] = [42, 'mail.example.com'];
    const rd = normalizeReportValue(d.report);
    expect(rd.policies[0].mxHosts).toEqual(['mail.example.com']);
    expect(codes(rd)).toEqual([DeviationCode.MX_HOST_INVALID]);
  });

  test('date-times without a zone are UTC; a local zone lands on its own day', () => {
    const a = editable();
    a.report['date-range'] = { 'start-datetime': '2026-11-20T00:00:00', 'end-datetime': '2026-11-20T23:59:59' };
    const ra = normalizeReportValue(a.report);
    expect([ra.startDatetime, ra.day]).toEqual(['2026-11-20T00:00:00.000Z', '2026-11-20']);
    expect(codes(ra)).toEqual([DeviationCode.DATETIME_NO_TIMEZONE]);
    const b = editable();
    b.report['date-range'] = { 'start-datetime': '2026-11-20T00:00:00+02:00', 'end-datetime': '2026-11-21T00:00:00+02:00' };
    const rb = normalizeReportValue(b.report);
    expect([rb.startDatetime, rb.day]).toEqual(['2026-11-19T22:00:00.000Z', '2026-11-20']);
    expect(codes(rb)).toEqual([DeviationCode.DATE_RANGE_NOT_ONE_DAY]);
  });

  test('end = next midnight is normal; a week-long range is flagged and put on its first day', () => {
    const a = editable();
    a.report['date-range'] = { 'start-datetime': '2026-11-20T00:00:00Z', 'end-datetime': '2026-11-21T00:00:00Z' };
    expect(normalizeReportValue(a.report).deviations).toEqual([]);
    const b = editable();
    b.report['date-range'] = { 'start-datetime': '2026-11-20T00:00:00Z', 'end-datetime': '2026-11-26T23:59:59Z' };
    const rb = normalizeReportValue(b.report);
    expect(rb.day).toBe('2026-11-20');
    expect(codes(rb)).toEqual([DeviationCode.DATE_RANGE_NOT_ONE_DAY]);
  });

  test('a missing end is taken as one day', () => {
    const a = editable();
    a.report['date-range'] = { 'start-datetime': '2026-11-20T00:00:00Z' };
    const r = normalizeReportValue(a.report);
    expect(r.endDatetime).toBe('2026-11-21T00:00:00.000Z');
    expect(codes(r)).toEqual([DeviationCode.DATE_RANGE_END_INVALID]);
  });

  test('counts as numeric strings are tolerated', () => {
    const a = editable();
    a.summary['total-successful-session-count'] = '10';
    const r = normalizeReportValue(a.report);
    expect(r.policies[0].successfulSessions).toBe(10);
    expect(r.deviations).toEqual([
      expect.objectContaining({
        code: DeviationCode.COUNT_AS_STRING,
        message: '`policies[0].summary.total-successful-session-count` is the string "10", not a JSON number; its value 10 was used',
      }),
    ]);
  });

  test('a missing summary uses the details', () => {
    const a = editable();
    delete a.entry.summary;
    const r = normalizeReportValue(a.report);
    expect([r.policies[0].successfulSessions, r.policies[0].failedSessions]).toEqual([0, 2]);
    expect(codes(r)).toEqual([DeviationCode.SUMMARY_MISSING]);
  });

  test('details adding up to more than the summary are flagged, the summary is kept', () => {
    const a = editable();
    a.summary['total-failure-session-count'] = 1;
    const r = normalizeReportValue(a.report);
    expect(r.policies[0].failedSessions).toBe(1);
    expect(r.deviations).toEqual([
      expect.objectContaining({
        code: DeviationCode.FAILURE_DETAILS_EXCEED_SUMMARY,
        message: 'the failure details of `policies[0]` add up to 2 sessions, but total-failure-session-count is 1; the summary was used for the totals',
      }),
    ]);
  });

  test('empty optional fields are absent; the draft field name is read; unknown fields noted', () => {
    const a = editable();
    (a.entry['failure-details'] as Obj[])[0] = {
      'result-type': 'validation-failure',
      'failed-session-count': 2,
      'sending-mta-ip': '',
      'receiving-ip': '',
      'receiving-mx-hostname': '',
      'additional-information': '',
      'failure-error-code': 'X509_ERR',
      'receiving-mx-helo': 'mx1',
      'vendor-extra': true,
    };
    const r = normalizeReportValue(a.report);
    expect(r.policies[0].failureDetails[0]).toEqual({
      resultType: ResultType.VALIDATION_FAILURE,
      resultTypeRaw: 'validation-failure',
      failedSessions: 2,
      receivingMxHelo: 'mx1',
      failureReasonCode: 'X509_ERR',
    });
    expect(codes(r).sort()).toEqual([DeviationCode.DRAFT_FIELD_NAME, DeviationCode.FIELD_EMPTY, DeviationCode.UNKNOWN_FIELD].sort());
  });

  test('an invalid IP is kept and noted', () => {
    const a = editable();
    (a.entry['failure-details'] as Obj[])[0]['sending-mta-ip'] = 'x.x.x.x';
    const r = normalizeReportValue(a.report);
    expect(r.policies[0].failureDetails[0].sendingMtaIp).toBe('x.x.x.x');
    expect(codes(r)).toEqual([DeviationCode.IP_INVALID]);
  });

  test('policy-domain: upper case and U-labels become A-labels; a missing one uses the fallback', () => {
    const a = editable();
    a.policy['policy-domain'] = 'Bücher.Example';
    const ra = normalizeReportValue(a.report);
    expect(ra.policies[0].policyDomain).toBe('xn--bcher-kva.example');
    expect(codes(ra)).toEqual([DeviationCode.POLICY_DOMAIN_NOT_CANONICAL]);
    const b = editable();
    delete b.policy['policy-domain'];
    expect(normalizeReportValue(b.report).policies[0].policyDomain).toBeUndefined();
    const rb = normalizeReportValue(b.report, { fallbackPolicyDomain: 'example.com' });
    expect(rb.policies[0].policyDomain).toBe('example.com');
    expect(codes(rb)).toEqual([DeviationCode.POLICY_DOMAIN_MISSING]);
    const c = editable();
    c.policy['policy-domain'] = 'not a domain';
    const rc = normalizeReportValue(c.report);
    expect(rc.policies[0]).toMatchObject({ policyDomainRaw: 'not a domain' });
    expect(rc.policies[0].policyDomain).toBeUndefined();
    expect(codes(rc)).toEqual([DeviationCode.POLICY_DOMAIN_INVALID]);
  });

  test('an invalid sts policy-string is noted; what can be read is kept', () => {
    const a = editable();
    a.policy['policy-string'] = ['version: STSv1', 'mode: Enforce', 'mx: mail.example.com', 'max_age: 86400'];
    const r = normalizeReportValue(a.report);
    expect(r.policies[0].stsPolicy).toEqual({ mx: ['mail.example.com'], maxAgeSeconds: 86400 });
    expect(r.deviations[0]).toMatchObject({ code: DeviationCode.STS_POLICY_STRING_INVALID, message: expect.stringContaining('`mode` must be enforce, testing or none') });
  });

  test('missing names: organization, contact-info, report-id', () => {
    const a = editable();
    delete a.report['organization-name'];
    a.report['contact-info'] = 'mailto:tls@reporter.example';
    delete a.report['report-id'];
    const r = normalizeReportValue(a.report);
    expect(r.organization).toBe('reporter.example');
    expect(r.reportId).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(codes(r)).toEqual([DeviationCode.ORGANIZATION_MISSING, DeviationCode.REPORT_ID_MISSING]);
  });

  test('a late report is noted when the receive time is known', () => {
    const a = editable();
    const end = Date.parse('2026-11-20T23:59:59Z');
    const onTime = normalizeReportValue(a.report, { receivedAt: new Date(end + 6 * 3_600_000) });
    expect(onTime.deviations).toEqual([]);
    expect(onTime.source?.receivedAt).toBe('2026-11-21T05:59:59.000Z');
    const late = normalizeReportValue(a.report, { receivedAt: new Date(end + (LATE_REPORT_THRESHOLD_HOURS + 500) * 3_600_000) });
    expect(late.deviations).toEqual([expect.objectContaining({ code: DeviationCode.REPORT_LATE, message: expect.stringMatching(/^the report arrived 548 hours after its date range ended/) })]);
    expect(late.idempotencyKey).toBe(onTime.idempotencyKey);
  });
});

describe('what is not a report is rejected', () => {
  test.each([
    ['an array', '[{"policies":[]}]', 'the report JSON must be an object, got an array'],
    ['a string', '"report"', 'the report JSON must be an object, got a string'],
    ['null', 'null', 'the report JSON must be an object, got null'],
  ])('JSON that is %s', (_, text, message) => {
    const e = rejectionOf(() => normalizeReport(text));
    expect(e.reason).toBe(RejectReason.NOT_AN_OBJECT);
    expect(e.message).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; a TLS report is a JSON object`));
  });

  test('not JSON', () => {
    const e = rejectionOf(() => normalizeReport('{"organization-name": "x",'));
    expect(e.reason).toBe(RejectReason.NOT_JSON);
    expect(e.field).toBe('report');
    expect(e.message).toMatch(/^the report is not JSON \(.+\); it starts with "\{\\"organization-name\\": \\"x\\",/);
  });

  test('no policies', () => {
    const a = editable();
    delete a.report.policies;
    const e = rejectionOf(() => normalizeReportValue(a.report));
    expect([e.reason, e.field, e.message]).toEqual([
      RejectReason.POLICIES_MISSING,
      'policies',
      'the JSON object has no `policies`; a TLS report lists its policies in a `policies` array (RFC 8460 section 4.3)',
    ]);
  });

  test('policies not an array', () => {
    const a = editable();
    a.report.policies = { policy: {} };
    const e = rejectionOf(() => normalizeReportValue(a.report));
    expect([e.reason, e.message]).toEqual([RejectReason.POLICIES_NOT_ARRAY, '`policies` must be an array, got {"policy":{}} (RFC 8460 section 4.3)']);
  });

  test('policies empty, or with no object in it', () => {
    const a = editable();
    a.report.policies = [];
    expect(rejectionOf(() => normalizeReportValue(a.report)).reason).toBe(RejectReason.POLICIES_EMPTY);
    a.report.policies = ['sts', 3];
    const e = rejectionOf(() => normalizeReportValue(a.report));
    expect([e.reason, e.message]).toEqual([
      RejectReason.POLICIES_EMPTY,
      'none of the 2 `policies` entries is an object with a `policy` object; a TLS report lists at least one policy',
    ]);
  });

  test.each([
    ['negative', -3, '-3'],
    ['fractional', 1.5, '1.5'],
    ['a non-numeric string', 'many', '"many"'],
    ['a negative string', '-3', '"-3"'],
    ['a boolean', true, 'true'],
  ])('a count that is %s', (_, value, shown) => {
    const a = editable();
    a.summary['total-failure-session-count'] = value;
    const e = rejectionOf(() => normalizeReportValue(a.report));
    expect(e.reason).toBe(RejectReason.COUNT_INVALID);
    expect(e.field).toBe('policies[0].summary.total-failure-session-count');
    expect(e.message).toBe(
      `\`policies[0].summary.total-failure-session-count\` must be a whole number of sessions, 0 or more, got ${shown}: the report's session counts cannot be used (RFC 8460 section 4.3)`,
    );
  });

  test('a negative failed-session-count in a detail', () => {
    const a = editable();
    (a.entry['failure-details'] as Obj[])[0]['failed-session-count'] = -1;
    const e = rejectionOf(() => normalizeReportValue(a.report));
    expect([e.reason, e.field]).toEqual([RejectReason.COUNT_INVALID, 'policies[0].failure-details[0].failed-session-count']);
  });

  test.each([
    ['missing', undefined],
    ['not a date', 'yesterday'],
    ['an impossible date', '2026-02-30T00:00:00Z'],
  ])('a start date that is %s', (_, start) => {
    const a = editable();
    a.report['date-range'] = { 'start-datetime': start, 'end-datetime': '2026-11-20T23:59:59Z' };
    const e = rejectionOf(() => normalizeReportValue(a.report));
    expect(e.reason).toBe(RejectReason.DATE_RANGE_INVALID);
    expect(e.message).toMatch(/^`date-range.start-datetime` must be an RFC 3339 date-time \(for example "2026-11-20T00:00:00Z"\), got .+: the report cannot be put on a day$/);
  });

  test('a rejection converts to an error finding with the reason as code', () => {
    const e = rejectionOf(() => normalizeReport('[]'));
    expect(e.toFinding()).toEqual({ code: 'not-an-object', severity: Severity.ERROR, field: 'report', message: e.message });
  });
});

describe('idempotency keys', () => {
  test('stable, S3-safe, and sensitive to reporter, id and start', () => {
    const k = reportIdempotencyKey('Google Inc.', 'id-1', '2026-11-20T00:00:00.000Z');
    expect(k).toMatch(IDEMPOTENCY_KEY_PATTERN);
    expect(reportIdempotencyKey(' google inc. ', 'id-1', '2026-11-20T00:00:00.000Z')).toBe(k);
    expect(reportIdempotencyKey('Microsoft Corporation', 'id-1', '2026-11-20T00:00:00.000Z')).not.toBe(k);
    expect(reportIdempotencyKey('Google Inc.', 'id-2', '2026-11-20T00:00:00.000Z')).not.toBe(k);
    expect(reportIdempotencyKey('Google Inc.', 'id-1', '2026-11-21T00:00:00.000Z')).not.toBe(k);
  });

  test('the same report with and without a zone on its dates has the same key', () => {
    const a = editable();
    const b = editable();
    b.report['date-range'] = { 'start-datetime': '2026-11-20T00:00:00', 'end-datetime': '2026-11-20T23:59:59' };
    expect(normalizeReportValue(a.report).idempotencyKey).toBe(normalizeReportValue(b.report).idempotencyKey);
  });
});

describe('hostile input is bounded', () => {
  const deep = (n: number, leaf: string): string => '['.repeat(n) + leaf + ']'.repeat(n);
  const DEEP = 100_000;

  test('a policy-string of 100 000 tabs is cut to the cap, not parsed, and read as no mode and no mx', () => {
    const a = editable();
    // Tabs between two letters: what made the policy parser's trim quadratic (32 s of processor time).
    a.policy['policy-string'] = ['version: STSv1', `mode: x${'\t'.repeat(100_000)}y`, 'mx: mail.example.com'];
    const r = normalizeReportValue(a.report);
    const p = r.policies[0];
    // The line is cut to its first 1000 characters (then trimmed): no 100 000-character line reaches the policy parser.
    expect(p.policyStrings).toEqual(['version: STSv1', 'mode: x', 'mx: mail.example.com']);
    expect(p.stsPolicy).toEqual({ mx: [] });
    expect(r.deviations.find((d) => d.code === DeviationCode.POLICY_STRING_TOO_LONG)).toEqual({
      code: 'policy-string-too-long',
      severity: Severity.WARNING,
      field: 'policies[0].policy.policy-string',
      message: '`policies[0].policy.policy-string` has more than 64 lines or a line longer than 1000 characters, far beyond any real policy; it was cut and not read as a policy',
    });
  });

  test.each([
    ['an array of 100 000 lines', () => Array.from({ length: 100_000 }, (_, i) => `mx: mx${i}.example.com`)],
    ['one string of 100 000 lines', () => Array.from({ length: 100_000 }, (_, i) => `mx: mx${i}.example.com`).join('\n')],
    ['a JSON-encoded array of 100 lines', () => [JSON.stringify(Array.from({ length: 100 }, (_, i) => `mx: mx${i}.example.com`))]],
    ['one element of 1 MB', () => ['x'.repeat(1_000_000)]],
  ])('a policy-string of %s keeps at most 64 lines', (_, value) => {
    const a = editable();
    a.policy['policy-string'] = value();
    const r = normalizeReportValue(a.report);
    expect(r.policies[0].policyStrings.length).toBeLessThanOrEqual(MAX_POLICY_STRING_LINES);
    expect(r.policies[0].policyStrings.every((l) => l.length <= MAX_POLICY_STRING_LINE_CHARS)).toBe(true);
    expect(r.policies[0].stsPolicy).toEqual({ mx: [] });
    expect(codes(r)).toContain(DeviationCode.POLICY_STRING_TOO_LONG);
  });

  test('a policy-string at the caps is still read', () => {
    const a = editable();
    const lines = ['version: STSv1', 'mode: enforce', 'max_age: 86400', ...Array.from({ length: MAX_POLICY_STRING_LINES - 3 }, (_, i) => `mx: mx${i}.example.com`)];
    a.policy['policy-string'] = lines;
    const r = normalizeReportValue(a.report);
    expect(r.policies[0].stsPolicy?.mode).toBe(MtaStsMode.ENFORCE);
    expect(r.policies[0].stsPolicy?.mx).toHaveLength(MAX_POLICY_STRING_LINES - 3);
    expect(codes(r)).not.toContain(DeviationCode.POLICY_STRING_TOO_LONG);
  });

  test('100 000 mx-host values are de-duplicated (no quadratic scan)', () => {
    const a = editable();
    a.policy['mx-host'] = Array.from({ length: 100_000 }, (_, i) => `MX${i % 50_000}.example.com`);
    const r = normalizeReportValue(a.report);
    expect(r.policies[0].mxHosts).toHaveLength(50_000);
    expect(r.policies[0].mxHosts.slice(0, 2)).toEqual(['mx0.example.com', 'mx1.example.com']);
  });

  test(`more than ${MAX_POLICY_DOMAINS_PER_REPORT} policy domains is too-many-policies`, () => {
    const policies = Array.from({ length: 350 }, (_, i) => ({ domain: `d${i}.example.com` }));
    const report = reportJson({ day: '2026-11-20', policies });
    const e = rejectionOf(() => normalizeReportValue(report));
    expect([e.reason, e.field]).toEqual([RejectReason.TOO_MANY_POLICIES, 'policies[100].policy.policy-domain']);
    expect(e.message).toBe(
      '`policies` names more than 100 policy domains (the 101th is "d100.example.com" at `policies[100]`); a TLS report covers the policy domains of one receiver, and each would cost a rollup write: the report was refused',
    );
  });

  test(`${MAX_POLICY_DOMAINS_PER_REPORT} domains, and many entries of one domain, are accepted`, () => {
    const hundred = reportJson({ day: '2026-11-20', policies: Array.from({ length: 100 }, (_, i) => ({ domain: `d${i}.example.com` })) });
    expect(normalizeReportValue(hundred).policies).toHaveLength(100);
    const same = reportJson({ day: '2026-11-20', policies: Array.from({ length: 300 }, () => ({ domain: 'example.com' })) });
    expect(normalizeReportValue(same).policies).toHaveLength(300);
  });

  test.each([
    ['two summaries of one domain', [{ success: Number.MAX_SAFE_INTEGER }, { success: 1 }], 'policies[1].summary', 'the session counts of the policy domain "example.com" (up to `policies[1]`)'],
    ['success and failure of one entry', [{ success: Number.MAX_SAFE_INTEGER, failure: 1 }], 'policies[0].summary', 'the session counts of the policy domain "example.com" (up to `policies[0]`)'],
    ['two domains', [{ domain: 'a.example', success: Number.MAX_SAFE_INTEGER }, { domain: 'b.example', success: 2 }], 'policies[1].summary', 'the session counts of the report (up to `policies[1]`)'],
    [
      'two failure details',
      [{ success: 0, failure: 0, details: [{ type: 'certificate-expired', count: Number.MAX_SAFE_INTEGER }, { type: 'certificate-expired', count: Number.MAX_SAFE_INTEGER }] }],
      'policies[0].failure-details',
      'the failed-session-counts of `policies[0].failure-details`',
    ],
  ])('counts that add up past MAX_SAFE_INTEGER (%s) are count-invalid', (_, policies, field, what) => {
    const report = reportJson({ day: '2026-11-20', policies: policies as never });
    const e = rejectionOf(() => normalizeReportValue(report));
    expect([e.reason, e.field]).toEqual([RejectReason.COUNT_INVALID, field]);
    expect(e.message).toBe(
      `${what} add up to more than 9007199254740991 (Number.MAX_SAFE_INTEGER), more sessions than any sender has: the report's session counts cannot be summed exactly (RFC 8460 section 4.3)`,
    );
  });

  test('counts that add up to exactly MAX_SAFE_INTEGER are accepted', () => {
    const report = reportJson({ day: '2026-11-20', policies: [{ success: Number.MAX_SAFE_INTEGER - 1, failure: 1 }] });
    expect(normalizeReportValue(report).policies[0].successfulSessions).toBe(Number.MAX_SAFE_INTEGER - 1);
  });

  test.each([
    ['organization-name', (a: ReturnType<typeof editable>, v: unknown) => (a.report['organization-name'] = v), DeviationCode.ORGANIZATION_MISSING],
    ['mx-host', (a: ReturnType<typeof editable>, v: unknown) => (a.policy['mx-host'] = v), DeviationCode.MX_HOST_INVALID],
    ['policy-string', (a: ReturnType<typeof editable>, v: unknown) => (a.policy['policy-string'] = v), DeviationCode.POLICY_STRING_NOT_ARRAY],
  ])('100 000-level nested JSON in %s is a deviation with a bounded message, not a stack overflow', (_, set, code) => {
    const a = editable();
    set(a, JSON.parse(deep(DEEP, '1')));
    const d = normalizeReportValue(a.report).deviations.find((f) => f.code === code)!;
    expect(d.message).toContain('[[[[…]]]]');
    expect(d.message.length).toBeLessThan(600);
  });

  test('a 100 000-level nested count is count-invalid with a bounded message', () => {
    const a = editable();
    const text = JSON.stringify(a.report).replace('"total-failure-session-count":2', `"total-failure-session-count":${deep(DEEP, '2')}`);
    const e = rejectionOf(() => normalizeReport(text));
    expect([e.reason, e.field]).toEqual([RejectReason.COUNT_INVALID, 'policies[0].summary.total-failure-session-count']);
    expect(e.message).toBe(
      "`policies[0].summary.total-failure-session-count` must be a whole number of sessions, 0 or more, got [[[[…]]]]: the report's session counts cannot be used (RFC 8460 section 4.3)",
    );
  });

  test('a deep report without report-id and without its text is refused, not a stack overflow', () => {
    const a = editable();
    delete a.report['report-id'];
    a.report.extra = JSON.parse(deep(DEEP, '1'));
    const e = rejectionOf(() => normalizeReportValue(a.report));
    expect(e.reason).toBe(RejectReason.NOT_JSON);
    expect(e.message).toMatch(/^the report has no `report-id` and cannot be written back as JSON to hash it \(Maximum call stack size exceeded\)/);
  });

  test('control and bidi characters in a shown value are escaped', () => {
    const a = editable();
    a.report['organization-name'] = ['\u001b]8;;https://evil.example\u0007x\u202e\r\nforged'];
    const r = normalizeReportValue(a.report);
    const d = r.deviations.find((f) => f.code === DeviationCode.ORGANIZATION_MISSING)!;
    expect(d.message).toBe('`organization-name` is ["\\u001b]8;;https://evil.example\\u0007x\\u202e\\r\\nforged"]; the reporter was named "googleinc.example"');
  });

  test('a binary body is not-json with its first bytes in hex, never the binary itself', () => {
    const text = zlib.gzipSync(Buffer.from('{"policies":[]}')).toString('utf8');
    const e = rejectionOf(() => normalizeReport(text));
    expect(e.reason).toBe(RejectReason.NOT_JSON);
    expect(e.message).toMatch(
      /^the report is not JSON \(binary data: compressed data\? A gzip body sent with Content-Encoding: gzip is compressed twice\); it starts with the bytes 1f ef bf bd 08 00 00 00 00 00 [0-9a-f ]+; a TLS report is a JSON object \(RFC 8460 section 4\)$/,
    );
    expect(e.message).toMatch(/^[\x20-\x7e]*$/);
  });
});

describe('dates outside what can be put on a day', () => {
  test.each([
    ['9999-12-31T23:00:00Z', '2026-11-20T23:59:59Z', 'date-range.start-datetime'],
    ['9999-12-31T00:00:00Z', 'not a date', 'date-range.end-datetime'],
    ['2026-11-20T00:00:00Z', '9999-12-31T23:59:59-23:00', 'date-range.end-datetime'],
    ['0000-01-01T00:00:00+01:00', '0000-01-01T23:59:59Z', 'date-range.start-datetime'],
  ])('start %s, end %s: date-out-of-range', (start, end, field) => {
    const a = editable();
    a.report['date-range'] = { 'start-datetime': start, 'end-datetime': end };
    const e = rejectionOf(() => normalizeReportValue(a.report));
    expect([e.reason, e.field]).toEqual([RejectReason.DATE_OUT_OF_RANGE, field]);
    expect(e.message).toMatch(
      new RegExp(`^\`${field.replace('.', '\\.')}\` ".+" is outside the years 0000 to 9999 as a UTC instant or day \\(with the report's one-day range and rounding to the nearest midnight\\): the report cannot be put on a day; a TLS report covers a recent UTC day \\(RFC 8460 section 4\\.1\\)$`),
    );
  });

  test('the last and first representable days are accepted', () => {
    const a = editable();
    a.report['date-range'] = { 'start-datetime': '9999-12-30T00:00:00Z', 'end-datetime': '9999-12-30T23:59:59Z' };
    expect(normalizeReportValue(a.report).day).toBe('9999-12-30');
    a.report['date-range'] = { 'start-datetime': '0000-01-01T00:00:00Z', 'end-datetime': '0000-01-01T23:59:59Z' };
    expect(normalizeReportValue(a.report).day).toBe('0000-01-01');
  });

  test('a zone offset beyond 23:59 is not a date-time', () => {
    const a = editable();
    a.report['date-range'] = { 'start-datetime': '2026-11-20T00:00:00+99:99', 'end-datetime': '2026-11-20T23:59:59Z' };
    expect(rejectionOf(() => normalizeReportValue(a.report)).reason).toBe(RejectReason.DATE_RANGE_INVALID);
  });
});

describe('a line just over the cap', () => {
  test('is cut to 1000 characters and flagged', () => {
    const a = editable();
    a.policy['policy-string'] = ['version: STSv1', `mode: x${'\t'.repeat(2000)}y`];
    const r = normalizeReportValue(a.report);
    expect(r.policies[0].policyStrings[1]).toBe(`mode: x${'\t'.repeat(MAX_POLICY_STRING_LINE_CHARS - 7)}`);
    expect(r.policies[0].stsPolicy).toEqual({ mx: [] });
    expect(codes(r)).toContain(DeviationCode.POLICY_STRING_TOO_LONG);
  });
});
