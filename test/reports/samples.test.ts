// Every file of the shared real-world corpus (../shared/tlsrpt-samples, never copied into the
// repo), parsed with the counts read from each file by hand.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { aggregateReports, DeviationCode, InputFormat, parseReport, PolicyType, RejectReason, ResultType, TlsRptReport } from '../../lib/reports';
import { MtaStsMode } from '../../lib/policy';
import { HAVE_SAMPLES, rejectionOfAsync, SAMPLES_DIR } from './helpers';

if (!HAVE_SAMPLES) {
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED: the TLS-RPT sample corpus is not at ${SAMPLES_DIR}; put a copy of shared/ beside the repo to run these tests`);
}
const describeSamples = HAVE_SAMPLES ? describe : describe.skip;

/** [policy type, policy domain, successful, failed, failure details] per policies entry. */
type Entry = [PolicyType, string | undefined, number, number, number];

interface Expected {
  readonly org: string;
  readonly day: string;
  readonly reportId?: string;
  readonly entries: Entry[];
  /** Sessions after the counting rule (sts+tlsa counted once), for the one domain. */
  readonly counted?: { success: number; failure: number };
  readonly format?: InputFormat;
  readonly deviations?: DeviationCode[];
  readonly check?: (r: TlsRptReport) => void;
}

const GOOGLE = 'Google Inc.';
const MS = 'Microsoft Corporation';
const RFC_EXAMPLE: Expected = {
  org: 'Company-X',
  day: '2016-04-01',
  reportId: '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
  entries: [[PolicyType.STS, 'company-y.example', 5326, 303, 3]],
  check: (r) => {
    const p = r.policies[0];
    expect(p.stsPolicy).toEqual({ mode: MtaStsMode.TESTING, mx: ['*.mail.company-y.example'], maxAgeSeconds: 86400 });
    expect(p.mxHosts).toEqual(['*.mail.company-y.example']);
    expect(p.failureDetails.map((d) => [d.resultType, d.receivingMxHostname, d.failedSessions])).toEqual([
      [ResultType.CERTIFICATE_EXPIRED, 'mx1.mail.company-y.example', 100],
      [ResultType.STARTTLS_NOT_SUPPORTED, 'mx2.mail.company-y.example', 200],
      [ResultType.VALIDATION_FAILURE, 'mx-backup.mail.company-y.example', 3],
    ]);
    expect(p.failureDetails[2].failureReasonCode).toBe('X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED');
    expect(p.failureDetails[1].receivingIp).toBe('203.0.113.56');
  },
};

const EXPECTED: Record<string, Expected> = {
  'cry-inc__google.json': {
    org: GOOGLE,
    day: '2025-05-22',
    entries: [[PolicyType.STS, 'foo-bar.io', 1, 0, 0]],
    check: (r) => {
      expect(r.policies[0].stsPolicy?.mx).toEqual(['*.foo-bar.io']);
      expect(r.policies[0].mxHosts).toEqual(['*.foo-bar.io']);
    },
  },
  'cry-inc__google_bbd2196.json': { org: GOOGLE, day: '2025-04-12', entries: [[PolicyType.NO_POLICY_FOUND, 'domain.de', 2, 0, 0]] },
  'cry-inc__microsoft.json': {
    org: MS,
    day: '2025-05-23',
    entries: [
      [PolicyType.STS, 'random.net', 2, 0, 0],
      [PolicyType.TLSA, 'random.net', 2, 0, 0],
    ],
    counted: { success: 2, failure: 0 },
    deviations: [DeviationCode.POLICY_STRING_JSON_ENCODED],
    check: (r) => expect(r.policies[1].policyStrings).toEqual([expect.stringMatching(/^3 1 1 6007EEE5/), expect.stringMatching(/^3 1 1 837C773D/)]),
  },
  'cry-inc__no-contact.json': {
    org: 'server.com',
    day: '2026-01-11',
    reportId: '123_456',
    entries: [[PolicyType.STS, 'server.com', 1, 0, 0]],
    deviations: [DeviationCode.CONTACT_INFO_MISSING, DeviationCode.MX_HOST_PREFIXED],
    check: (r) => {
      expect(r.contactInfo).toBeNull();
      expect(r.policies[0].mxHosts).toEqual(['mx.server.com']);
      expect(r.endDatetime).toBe('2026-01-12T00:00:00.000Z');
    },
  },
  'cry-inc__no-policy.json': { org: GOOGLE, day: '2025-03-27', entries: [[PolicyType.NO_POLICY_FOUND, 'foo-bar.io', 1, 0, 0]] },
  'cry-inc__no_ip_and_mx.json': {
    org: MS,
    day: '2025-06-14',
    reportId: '1234567890+',
    entries: [[PolicyType.STS, 'xxxxxxxx.xx', 0, 3, 1]],
    check: (r) => {
      expect(r.policies[0].failureDetails).toEqual([{ resultType: ResultType.STS_POLICY_FETCH_ERROR, resultTypeRaw: 'sts-policy-fetch-error', failedSessions: 3 }]);
      expect(r.policies[0].stsPolicy).toBeUndefined();
    },
  },
  'danmarg__sample.json': { ...RFC_EXAMPLE, deviations: [DeviationCode.DRAFT_FIELD_NAME] },
  'isseis__tlsrpt_failure.eml': {
    org: GOOGLE,
    day: '2026-02-08', // the body wins over the file name and subject (2026-05-12)
    format: InputFormat.EMAIL,
    entries: [[PolicyType.STS, 'example.com', 4523, 2, 1]],
    deviations: [DeviationCode.ENVELOPE_MISMATCH],
    check: (r) => {
      expect(r.policies[0].failureDetails[0]).toMatchObject({ resultType: ResultType.CERTIFICATE_EXPIRED, receivingMxHostname: 'mail.example.com', failedSessions: 2 });
      expect(r.source?.email).toMatchObject({ reportDomain: 'example.com', reportSubmitter: 'google.com', contentType: 'multipart/report' });
    },
  },
  'isseis__tlsrpt_success_google_1.eml': {
    org: GOOGLE,
    day: '2026-05-11',
    format: InputFormat.EMAIL,
    entries: [[PolicyType.STS, 'example.com', 1, 0, 0]],
    check: (r) => expect(r.policies[0].mxHosts).toEqual(['in1-smtp.messagingengine.com', 'in2-smtp.messagingengine.com']),
  },
  'isseis__tlsrpt_success_google_2.eml': { org: GOOGLE, day: '2026-05-12', format: InputFormat.EMAIL, entries: [[PolicyType.STS, 'example.com', 4, 0, 0]] },
  'isseis__tlsrpt_success_microsoft.eml': {
    org: MS,
    day: '2026-05-13',
    format: InputFormat.EMAIL,
    entries: [[PolicyType.STS, 'example.com', 2, 0, 0]],
    check: (r) => expect(r.source?.fileName).toMatch(/!134232617934286362\.json\.gz$/),
  },
  'kravietz__google1.eml': {
    org: GOOGLE,
    day: '2024-09-15',
    format: InputFormat.EMAIL,
    entries: [[PolicyType.STS, 'krvtz.net', 1, 0, 0]],
    check: (r) => expect(r.policies[0].stsPolicy).toEqual({ mode: MtaStsMode.ENFORCE, mx: ['carp-20.krvtz.net'], maxAgeSeconds: 10368000 }),
  },
  'kravietz__google2.eml': { org: GOOGLE, day: '2024-09-18', format: InputFormat.EMAIL, entries: [[PolicyType.STS, 'krvtz.net', 2, 0, 0]] },
  'kravietz__mail.ru.eml': {
    org: 'Mail.ru',
    day: '2023-01-25',
    format: InputFormat.EMAIL,
    entries: [[PolicyType.STS, 'krvtz.net', 0, 1, 1]],
    check: (r) => {
      expect(r.source?.email?.reportSubmitter).toBe('mail.ru');
      expect(r.source?.email?.subject).toMatch(/^Report Domain: krvtz\.net Submitter: mail\.ru Report-ID: <c96d67df/);
      expect(r.policies[0].failureDetails[0].failureReasonCode).toMatch(/^unable to do http request: Get "https:\/\/mta-sts\.krvtz\.net/);
    },
  },
  'kravietz__microsoft1.eml': {
    org: MS,
    day: '2024-09-13',
    format: InputFormat.EMAIL,
    reportId: '133708152202987951+krvtz.net',
    entries: [
      [PolicyType.STS, 'krvtz.net', 2, 0, 0],
      [PolicyType.TLSA, 'krvtz.net', 2, 0, 0],
    ],
    counted: { success: 2, failure: 0 },
    check: (r) => {
      expect(r.policies[1].policyStrings).toHaveLength(13);
      expect(r.source?.email?.subject).toBe('Report Domain: krvtz.net Submitter: microsoft.com Report-ID: 133708152202987951+krvtz.net');
    },
  },
  'marcbradshaw__email.eml': { org: GOOGLE, day: '2020-03-02', format: InputFormat.EMAIL, entries: [[PolicyType.NO_POLICY_FOUND, 'fastmaildmarc.com', 343, 0, 0]] },
  'marcbradshaw__report.json.gz': { org: GOOGLE, day: '2020-03-02', format: InputFormat.GZIP, entries: [[PolicyType.NO_POLICY_FOUND, 'fastmaildmarc.com', 343, 0, 0]] },
  'mox__example.eml': { org: GOOGLE, day: '2022-09-15', format: InputFormat.EMAIL, entries: [[PolicyType.STS, 'test.xmox.nl', 3, 0, 0]] },
  'mox__microsoft.eml': {
    org: MS,
    day: '2023-01-10',
    format: InputFormat.EMAIL,
    entries: [[PolicyType.STS, 'test.xmox.nl', 2, 0, 0]],
    deviations: [DeviationCode.DATETIME_NO_TIMEZONE],
    check: (r) => expect(r.startDatetime).toBe('2023-01-10T00:00:00.000Z'),
  },
  'neztore__microsoft-report.json': {
    org: MS,
    day: '2025-08-03',
    entries: [[PolicyType.STS, 'josh.scot', 2, 2, 1]],
    deviations: [DeviationCode.RESULT_TYPE_UNKNOWN, DeviationCode.IP_INVALID, DeviationCode.UNKNOWN_FIELD, DeviationCode.FAILURE_DETAILS_EXCEED_SUMMARY],
    check: (r) => {
      expect(r.policies[0].failureDetails[0]).toMatchObject({ resultType: ResultType.OTHER, resultTypeRaw: 'Testing', failedSessions: 3, sendingMtaIp: 'x.x.x.x', failureReasonCode: '123' });
    },
  },
  'neztore__microsoft-report.json.gz': { org: MS, day: '2025-08-03', format: InputFormat.GZIP, entries: [[PolicyType.STS, 'josh.scot', 2, 0, 0]] },
  'parsedmarc__empty_failure_detail_fields.json': {
    org: 'Reporter Example',
    day: '2024-06-01',
    entries: [[PolicyType.STS, 'example.com', 0, 1, 1]],
    deviations: [DeviationCode.FIELD_EMPTY],
    check: (r) => {
      expect(r.policies[0].failureDetails).toEqual([
        { resultType: ResultType.STS_POLICY_FETCH_ERROR, resultTypeRaw: 'sts-policy-fetch-error', failedSessions: 1, failureReasonCode: 'no-policy-served' },
      ]);
    },
  },
  'parsedmarc__google.com_smtp_tls_report.eml': { org: GOOGLE, day: '2024-09-03', format: InputFormat.EMAIL, entries: [[PolicyType.NO_POLICY_FOUND, 'cardinalhealth.ca', 48, 0, 0]] },
  'parsedmarc__mail.ru.json': {
    org: 'Mail.ru',
    day: '2024-02-22',
    entries: [[PolicyType.STS, 'example.com', 0, 1, 2]],
    counted: { success: 0, failure: 1 },
    deviations: [DeviationCode.FAILURE_DETAILS_EXCEED_SUMMARY, DeviationCode.POLICY_STRING_MISSING],
  },
  'parsedmarc__rfc8460.json': RFC_EXAMPLE,
  'parsedmarc__smtp_tls.json': {
    org: 'Example Inc.',
    day: '2024-01-09',
    entries: [[PolicyType.STS, 'example.com', 0, 3, 2]],
    check: (r) => expect(r.policies[0].failureDetails.map((d) => [d.sendingMtaIp, d.failedSessions])).toEqual([['209.85.222.201', 2], ['209.85.208.176', 1]]),
  },
  'phi-ag__google.json': { org: GOOGLE, day: '2024-02-17', entries: [[PolicyType.STS, 'example.com', 53, 0, 0]] },
  'phi-ag__microsoft-2.json': { org: MS, day: '2024-03-26', entries: [[PolicyType.STS, 'example.com', 7, 0, 0]], deviations: [DeviationCode.DATETIME_NO_TIMEZONE] },
  'phi-ag__microsoft.json': { org: MS, day: '2024-02-16', entries: [[PolicyType.STS, 'example.com', 18, 0, 0]] },
  'phi-ag__rfc-errata-6241.json': RFC_EXAMPLE,
  'sebastka__google-sts.json': {
    org: GOOGLE,
    day: '2026-08-27',
    entries: [[PolicyType.STS, 'karlsen.fr', 2, 0, 0]],
    check: (r) => expect(r.policies[0].stsPolicy?.mode).toBe(MtaStsMode.TESTING),
  },
  'sebastka__microsoft-tlsa-sts.json': {
    org: MS,
    day: '2026-08-18',
    entries: [
      [PolicyType.TLSA, 'karlsen.fr', 4, 0, 0],
      [PolicyType.STS, 'karlsen.fr', 4, 0, 0],
    ],
    counted: { success: 4, failure: 0 },
  },
  'stalwart__rpt01.eml': { ...RFC_EXAMPLE, format: InputFormat.EMAIL, deviations: [DeviationCode.ENVELOPE_MISMATCH] },
  'stalwart__rpt02.eml': {
    org: GOOGLE,
    day: '2020-01-01',
    format: InputFormat.EMAIL,
    entries: [[PolicyType.STS, 'example.com', 23, 1, 1]],
    deviations: [DeviationCode.EMAIL_PART_TYPE, DeviationCode.DATE_RANGE_NOT_ONE_DAY],
    check: (r) => expect(r.policies[0].failureDetails[0]).toMatchObject({ resultType: ResultType.CERTIFICATE_HOST_MISMATCH, receivingMxHostname: 'demo.example.com' }),
  },
  'stalwart__rpt03.json': {
    org: GOOGLE,
    day: '2019-04-14',
    entries: [
      [PolicyType.NO_POLICY_FOUND, undefined, 1, 0, 0],
      [PolicyType.OTHER, undefined, 1, 0, 0],
    ],
    deviations: [DeviationCode.POLICY_DOMAIN_MISSING, DeviationCode.COUNT_MISSING, DeviationCode.POLICY_TYPE_UNKNOWN],
    check: (r) => {
      expect(r.policies[1].policyTypeRaw).toBe('invalid-policy-type');
      expect(aggregateReports([r])).toEqual([]); // no domain to attribute the sessions to
    },
  },
};

const NEGATIVE: Record<string, RejectReason> = {
  'kravietz__empty.eml': RejectReason.EMAIL_NO_REPORT_PART,
};

describeSamples('the shared TLS-RPT sample corpus', () => {
  const files = HAVE_SAMPLES ? fs.readdirSync(SAMPLES_DIR).filter((f) => f !== 'SOURCES.md').sort() : [];

  test('every data file has an expectation here', () => {
    expect(files.filter((f) => !(f in EXPECTED) && !(f in NEGATIVE))).toEqual([]);
    expect(files.length).toBe(36);
  });

  test.each(Object.entries(EXPECTED))('%s', async (file, want) => {
    const bytes = fs.readFileSync(path.join(SAMPLES_DIR, file));
    const r = await parseReport(bytes, { fileName: file });
    expect(r.organization).toBe(want.org);
    expect(r.day).toBe(want.day);
    if (want.reportId) expect(r.reportId).toBe(want.reportId);
    expect(r.idempotencyKey).toMatch(/^[0-9a-f]{32}$/);
    expect(r.source?.format).toBe(want.format ?? InputFormat.JSON);
    expect(r.policies.map((p): Entry => [p.policyType, p.policyDomain, p.successfulSessions, p.failedSessions, p.failureDetails.length])).toEqual(want.entries);
    const codes = r.deviations.map((d) => d.code);
    for (const d of want.deviations ?? []) expect(codes).toContain(d);
    if (want.counted) {
      const [rollup] = aggregateReports([r]);
      expect([rollup.totals.successfulSessions, rollup.totals.failedSessions]).toEqual([want.counted.success, want.counted.failure]);
    }
    want.check?.(r);
  });

  test.each(Object.entries(NEGATIVE))('%s is rejected cleanly', async (file, reason) => {
    const e = await rejectionOfAsync(parseReport(fs.readFileSync(path.join(SAMPLES_DIR, file))));
    expect(e.reason).toBe(reason);
    expect(e.message).toMatch(/has no report part: it is text\/plain with no attachment; a TLS report email carries an application\/tlsrpt\+gzip/);
  });

  test('the email and its bare attachment are the same report (same idempotency key)', async () => {
    const a = await parseReport(fs.readFileSync(path.join(SAMPLES_DIR, 'marcbradshaw__email.eml')));
    const b = await parseReport(fs.readFileSync(path.join(SAMPLES_DIR, 'marcbradshaw__report.json.gz')));
    expect(a.idempotencyKey).toBe(b.idempotencyKey);
    expect(aggregateReports([a, b])[0].totals).toMatchObject({ reports: 1, successfulSessions: 343 });
  });

  test('the whole corpus aggregates without double counting', async () => {
    const reports: TlsRptReport[] = [];
    for (const f of Object.keys(EXPECTED)) reports.push(await parseReport(fs.readFileSync(path.join(SAMPLES_DIR, f)), { fileName: f }));
    const rollups = aggregateReports(reports);
    const krvtz = rollups.filter((r) => r.domain === 'krvtz.net').map((r) => [r.day, r.totals.successfulSessions, r.totals.failedSessions]);
    expect(krvtz).toEqual([
      ['2023-01-25', 0, 1],
      ['2024-09-13', 2, 0],
      ['2024-09-15', 1, 0],
      ['2024-09-18', 2, 0],
    ]);
    // The RFC example appears in four files (three JSON, one email): one report.
    const company = rollups.find((r) => r.domain === 'company-y.example')!;
    expect(company.totals).toMatchObject({ reports: 1, successfulSessions: 5326, failedSessions: 303 });
  });
});
