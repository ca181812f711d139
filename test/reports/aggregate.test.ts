import { aggregateReports, AuthenticationStatus, DailyRollup, httpsUnauthenticated, mergeRollups, normalizeReportValue, PolicyType, ResultType, rollupFromJson, RollupFormatError, ReportAggregator, rollupsOf, TlsRptReport } from '../../lib/reports';
import { reportJson, ReportSpec } from './helpers';
import { verifiedBy } from './dkim';

const report = (spec: ReportSpec): TlsRptReport => normalizeReportValue(reportJson(spec));

/** Microsoft-style: the same sessions listed under tlsa (first) and sts. */
const microsoftBoth = (day: string, success: number, failure = 0, details: ReportSpec['details'] = []): TlsRptReport =>
  report({
    day,
    org: 'Microsoft Corporation',
    policies: [
      { type: 'tlsa', success, failure, details },
      { type: 'sts', success, failure, details },
    ],
  });

describe('the counting rule: one report, one domain, sessions counted once', () => {
  test('sts and tlsa entries for the same sessions count once, from sts', () => {
    const [r] = aggregateReports([microsoftBoth('2026-11-20', 4)]);
    expect(r.totals).toMatchObject({ reports: 1, successfulSessions: 4, failedSessions: 0 });
    expect(r.contributions[0].countedPolicyType).toBe(PolicyType.STS);
    // By policy type the rows show what the reporter listed (4 under each).
    expect(r.totals.byPolicyType.map((t) => [t.policyType, t.successfulSessions, t.countedReports])).toEqual([
      [PolicyType.STS, 4, 1],
      [PolicyType.TLSA, 4, 0],
    ]);
  });

  test('failures listed under both count once, under the sts entry', () => {
    const details = [{ type: 'certificate-expired', count: 3, mx: 'mail.example.com' }];
    const [r] = aggregateReports([microsoftBoth('2026-11-20', 10, 3, details)]);
    expect(r.totals.failedSessions).toBe(3);
    expect(r.totals.byResultType).toEqual([{ resultType: ResultType.CERTIFICATE_EXPIRED, resultTypeRaw: 'certificate-expired', failedSessions: 3 }]);
  });

  test('tlsa-only reports count from tlsa; no-policy-found counts when nothing else is there', () => {
    const tlsa = report({ day: '2026-11-20', policies: [{ type: 'tlsa', success: 9, details: [{ type: 'dane-required', count: 1, mx: 'mx1.example.com' }] }] });
    const none = report({ day: '2026-11-20', org: 'Mail.ru', policies: [{ type: 'no-policy-found', success: 5 }] });
    const [r] = aggregateReports([tlsa, none]);
    expect(r.contributions.map((c) => [c.reporter, c.countedPolicyType, c.successfulSessions, c.failedSessions]).sort()).toEqual([
      ['Google Inc.', PolicyType.TLSA, 9, 1],
      ['Mail.ru', PolicyType.NO_POLICY_FOUND, 5, 0],
    ]);
    expect(r.totals.byMxHost).toEqual([{ mxHost: 'mx1.example.com', failedSessions: 1, byResultType: [{ resultType: ResultType.DANE_REQUIRED, resultTypeRaw: 'dane-required', failedSessions: 1 }] }]);
  });

  test('two sts entries for one domain (one per MX set) add up', () => {
    const r = report({
      day: '2026-11-20',
      policies: [
        { mx: ['mx1.example.com'], success: 3 },
        { mx: ['mx2.example.com'], success: 4 },
      ],
    });
    expect(aggregateReports([r])[0].totals.successfulSessions).toBe(7);
  });

  test('one report for two domains gives one rollup per domain', () => {
    const r = report({ day: '2026-11-20', policies: [{ domain: 'example.com', success: 3 }, { domain: 'example.net', success: 4 }] });
    const rollups = rollupsOf(r);
    expect(rollups.map((x) => [x.domain, x.day, x.totals.successfulSessions])).toEqual([
      ['example.com', '2026-11-20', 3],
      ['example.net', '2026-11-20', 4],
    ]);
  });

  test('a report for a domain that is not ours is its own rollup, never mixed into ours', () => {
    const ours = report({ day: '2026-11-20', success: 100 });
    const theirs = report({ day: '2026-11-20', domain: 'stranger.example', success: 999, details: [{ type: 'certificate-expired', count: 5 }] });
    const rollups = aggregateReports([ours, theirs]);
    expect(rollups.map((r) => [r.domain, r.totals.successfulSessions, r.totals.failedSessions])).toEqual([
      ['example.com', 100, 0],
      ['stranger.example', 999, 5],
    ]);
  });
});

describe('totals', () => {
  test('per reporter, result type and MX host', () => {
    const g = report({
      day: '2026-11-20',
      success: 100,
      details: [
        { type: 'certificate-expired', count: 12, mx: 'mx2.example.com', ip: '192.0.2.1' },
        { type: 'certificate-expired', count: 3, mx: 'mx2.example.com', ip: '192.0.2.2' },
        { type: 'starttls-not-supported', count: 1, mx: 'mx1.example.com' },
      ],
    });
    const m = report({ day: '2026-11-20', org: 'Microsoft Corporation', success: 50, details: [{ type: 'sts-policy-fetch-error', count: 2 }] });
    const [r] = aggregateReports([g, m]);
    expect(r.totals.reporters).toEqual(['Google Inc.', 'Microsoft Corporation']);
    expect(r.totals.byReporter).toEqual([
      { reporter: 'Google Inc.', reports: 1, successfulSessions: 100, failedSessions: 16 },
      { reporter: 'Microsoft Corporation', reports: 1, successfulSessions: 50, failedSessions: 2 },
    ]);
    expect(r.totals.byResultType.map((t) => [t.resultTypeRaw, t.failedSessions])).toEqual([
      ['certificate-expired', 15],
      ['sts-policy-fetch-error', 2],
      ['starttls-not-supported', 1],
    ]);
    expect(r.totals.byMxHost.map((h) => [h.mxHost, h.failedSessions])).toEqual([
      ['mx2.example.com', 15],
      [undefined, 2],
      ['mx1.example.com', 1],
    ]);
  });

  test('an unknown result type is counted as other, keeping its name', () => {
    const [r] = aggregateReports([report({ day: '2026-11-20', details: [{ type: 'Testing', count: 3 }] })]);
    expect(r.totals.byResultType).toEqual([{ resultType: ResultType.OTHER, resultTypeRaw: 'Testing', failedSessions: 3 }]);
  });

  test('summary/detail mismatches are flagged (Mail.ru: two 1-session details, total-failure 1)', () => {
    const json = reportJson({ day: '2026-11-20', org: 'Mail.ru', success: 0, details: [{ type: 'sts-policy-fetch-error', count: 1 }, { type: 'sts-policy-fetch-error', count: 1, reason: 'bad https response code: 500' }] });
    ((json.policies as { [k: string]: { [k: string]: unknown } }[])[0].summary)['total-failure-session-count'] = 1;
    const r0 = normalizeReportValue(json);
    const [r] = aggregateReports([r0]);
    expect(r.totals.failedSessions).toBe(1);
    expect(r.totals.summaryMismatches).toEqual([
      { idempotencyKey: r0.idempotencyKey, reporter: 'Mail.ru', reportId: r0.reportId, summaryFailedSessions: 1, detailFailedSessions: 2 },
    ]);
  });
});

describe('duplicates and merging', () => {
  const a = report({ day: '2026-11-20', success: 10 });
  const b = report({ day: '2026-11-20', org: 'Microsoft Corporation', success: 20 });
  const c = report({ day: '2026-11-21', success: 30 });

  test('the same report delivered three times counts once', () => {
    const [r] = aggregateReports([a, a, { ...a, source: undefined }]);
    expect(r.totals).toMatchObject({ reports: 1, successfulSessions: 10 });
  });

  test('merging is commutative, associative and idempotent', () => {
    const parts = [a, b, c].flatMap((r) => rollupsOf(r));
    const once = mergeRollups(parts);
    expect(mergeRollups([...parts].reverse())).toEqual(once);
    expect(mergeRollups([...mergeRollups(parts.slice(0, 2)), ...parts.slice(2)])).toEqual(once);
    expect(mergeRollups([...once, ...parts, ...once])).toEqual(once);
    expect(once.map((r) => [r.day, r.totals.reports, r.totals.successfulSessions])).toEqual([
      ['2026-11-20', 2, 30],
      ['2026-11-21', 1, 30],
    ]);
  });

  test('two different contents under one key: the same one wins whatever the order', () => {
    const corrected = { ...a, policies: [{ ...a.policies[0], successfulSessions: 11 }] };
    const x = mergeRollups([...rollupsOf(a), ...rollupsOf(corrected)]);
    const y = mergeRollups([...rollupsOf(corrected), ...rollupsOf(a)]);
    expect(x).toEqual(y);
    expect(x[0].totals.reports).toBe(1);
    // No copy replaces another: both are kept, side by side, and counted as a conflict.
    expect(x[0].contributions.map((c) => c.successfulSessions).sort()).toEqual([10, 11]);
    expect(x[0].totals.conflictingCopies).toBe(1);
  });

  test('the same content with two authentications is one copy, the better-authenticated one', () => {
    const byHttps = rollupsOf(a, httpsUnauthenticated());
    const byEmail = rollupsOf(a, verifiedBy('google.com'));
    for (const order of [[...byHttps, ...byEmail], [...byEmail, ...byHttps]]) {
      const [r] = mergeRollups(order);
      expect(r.contributions).toHaveLength(1);
      expect(r.contributions[0].authentication.status).toBe(AuthenticationStatus.VERIFIED);
      expect(r.totals).toMatchObject({ reports: 1, verifiedReports: 1, verifiedReporters: ['google.com'], conflictingCopies: 0 });
    }
  });

  test('a verified copy is preferred over a differing unverified one for the totals', () => {
    const forged = { ...a, policies: [{ ...a.policies[0], successfulSessions: 1_000_000 }] };
    const [r] = mergeRollups([...rollupsOf(forged, httpsUnauthenticated()), ...rollupsOf(a, verifiedBy('google.com'))]);
    expect(r.totals).toMatchObject({ reports: 1, successfulSessions: 10, verifiedReports: 1, conflictingCopies: 1 });
    expect(r.contributions[0].authentication.status).toBe(AuthenticationStatus.VERIFIED);
  });

  test('ReportAggregator: reports and stored rollups mix, duplicates are counted and dropped', () => {
    const agg = new ReportAggregator();
    agg.add(a).add(b).addRollup(rollupsOf(a)[0]).add(c).add(c);
    expect(agg.duplicates).toBe(2);
    expect(agg.rollups()).toEqual(aggregateReports([a, b, c]));
    // A report for two domains is one contribution to each, not a duplicate.
    const two = report({ day: '2026-11-20', org: 'Yahoo', policies: [{ domain: 'example.com', success: 1 }, { domain: 'example.net', success: 2 }] });
    const agg2 = new ReportAggregator().add(two);
    expect(agg2.duplicates).toBe(0);
    expect(agg2.rollups().map((r) => r.domain)).toEqual(['example.com', 'example.net']);
  });

  test('rollups survive JSON (the stored form) and stored totals are not trusted', () => {
    const [r] = aggregateReports([a, b]);
    const stored: unknown = JSON.parse(JSON.stringify({ ...r, totals: { ...r.totals, successfulSessions: 1_000_000 } }));
    const back = rollupFromJson(stored);
    expect(back).toEqual(r);
    // A stored contribution and a fresh one of the same report merge into one.
    expect(mergeRollups([back, ...rollupsOf(a)])).toEqual([r]);
  });
});

describe('rollupFromJson refuses what is not a rollup, naming the field', () => {
  const good = (): { [k: string]: unknown } => JSON.parse(JSON.stringify(rollupsOf(report({ day: '2026-11-20', details: [{ type: 'certificate-expired', count: 1, mx: 'mx.example.com' }] }))[0])) as { [k: string]: unknown };
  const contribution = (r: { [k: string]: unknown }): { [k: string]: unknown } => (r.contributions as { [k: string]: unknown }[])[0];

  test.each<[string, (r: { [k: string]: unknown }) => void, RegExp]>([
    ['another schema version', (r) => (r.schemaVersion = 3), /^`schemaVersion` must be 1 or 2, got 3/],
    ['an unknown authentication status', (r) => ((contribution(r).authentication as { [k: string]: unknown }).status = 'trusted'), /^`contributions\[0\]\.authentication\.status` must be one of verified, dkim-fail/],
    ['verified without a reporter domain', (r) => (contribution(r).authentication = { status: 'verified', reason: 'pass', detail: 'x' }), /^`contributions\[0\]\.authentication\.reporterDomain` must be given exactly when the status is verified/],
    ['no authentication', (r) => delete contribution(r).authentication, /^`contributions\[0\]\.authentication` must be an object, got nothing$/],
    ['a bad day', (r) => (r.day = '2026-13-01'), /^`day` must be a UTC day written YYYY-MM-DD, got "2026-13-01"$/],
    ['a negative count', (r) => (contribution(r).successfulSessions = -1), /^`contributions\[0\]\.successfulSessions` must be a whole number, 0 or more, got -1$/],
    ['a bad key', (r) => (contribution(r).idempotencyKey = '../../etc'), /^`contributions\[0\]\.idempotencyKey` must be 32 hex digits/],
    ['an unknown result type', (r) => ((contribution(r).failures as { [k: string]: unknown }[])[0].resultType = 'bogus'), /^`contributions\[0\]\.failures\[0\]\.resultType` must be a result type, got "bogus"$/],
    ['no contributions', (r) => delete r.contributions, /^`contributions` must be an array, got nothing$/],
  ])('%s', (_, edit, message) => {
    const r = good();
    edit(r);
    expect(() => rollupFromJson(r)).toThrow(RollupFormatError);
    expect(() => rollupFromJson(r)).toThrow(message);
  });

  test('100 000 levels of nesting in a field is a RollupFormatError with a short message, not a stack overflow', () => {
    const r = good();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    contribution(r).reporter = deep;
    expect(() => rollupFromJson(r)).toThrow(RollupFormatError);
    expect(() => rollupFromJson(r)).toThrow(/^`contributions\[0\]\.reporter` must be a string, got \[\[\[/);
  });

  test('an untouched rollup is accepted', () => {
    const r: DailyRollup = rollupFromJson(good());
    expect(r.totals.failedSessions).toBe(1);
  });

  test('a version 1 rollup (written before authentication) is read, as unverified', () => {
    const r = good();
    r.schemaVersion = 1;
    delete contribution(r).authentication;
    const back = rollupFromJson(r);
    expect(back.schemaVersion).toBe(2);
    expect(back.contributions[0].authentication).toMatchObject({ status: AuthenticationStatus.FILE_UNAUTHENTICATED, detail: expect.stringMatching(/did not authenticate/) });
  });
});
