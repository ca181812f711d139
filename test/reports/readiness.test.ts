import { assessReadiness, BlockerCode, DailyRollup, DeviationCode, normalizeReportValue, READINESS_DEFAULTS, readinessWindow, ResultType, rollupsOf, TlsRptReport } from '../../lib/reports';
import { MtaStsMode, MtaStsValidationError } from '../../lib/policy';
import { addDay, reportJson, ReportSpec } from './helpers';
import { signerOf, verifiedBy } from './dkim';

const NOW = new Date('2026-12-01T10:00:00Z');
const MX = ['mx1.example.com', 'mx2.example.com'];
const EXPECTED = { mode: MtaStsMode.TESTING, mx: MX };
const FIRST = '2026-11-15';
const LAST = '2026-11-28';
const COUNTED = Array.from({ length: 14 }, (_, i) => addDay(FIRST, i));

const report = (spec: ReportSpec, receivedAt?: Date): TlsRptReport => normalizeReportValue(reportJson({ mx: MX, ...spec }), { receivedAt });

/** Google (sts) and Microsoft (tlsa + sts for the same sessions) every day. */
function cleanDay(day: string): TlsRptReport[] {
  return [
    report({ day, success: 200 }),
    report({
      day,
      org: 'Microsoft Corporation',
      policies: [
        { type: 'tlsa', success: 100 },
        { type: 'sts', mx: MX, success: 100 },
      ],
    }),
  ];
}

/** Every fixture report as the processor stores it when its DKIM signature verifies. */
const rollups = (reports: readonly TlsRptReport[]): DailyRollup[] => reports.flatMap((r) => rollupsOf(r, verifiedBy(signerOf(r.organization))));
const verdictOf = (reports: readonly TlsRptReport[], extra: Partial<Parameters<typeof assessReadiness>[1]> = {}) =>
  assessReadiness(rollups(reports), { domain: 'example.com', now: NOW, expected: EXPECTED, ...extra });

describe('the window', () => {
  test('14 counted days end 2 grace days before yesterday', () => {
    expect(readinessWindow(NOW)).toEqual({ firstDay: FIRST, lastDay: LAST, pendingDays: ['2026-11-29', '2026-11-30', '2026-12-01'] });
    expect(readinessWindow(NOW, 7, 0)).toEqual({ firstDay: '2026-11-24', lastDay: '2026-11-30', pendingDays: ['2026-12-01'] });
  });

  test('the documented defaults', () => {
    expect(READINESS_DEFAULTS).toEqual({ days: 14, graceDays: 2, minSessions: 100, minReporters: 2 });
  });
});

describe('readiness verdicts', () => {
  test('clean history: ready, and the summary says why', () => {
    const v = verdictOf(COUNTED.flatMap(cleanDay));
    expect(v.ready).toBe(true);
    expect(v.blockers).toEqual([]);
    expect(v.summary).toBe('example.com: ready for enforce (14 clean days; 2 verified reporters: google.com, microsoft.com; 4200 sessions)');
    expect(v).toMatchObject({ cleanDays: 14, reporters: ['google.com', 'microsoft.com'], successfulSessions: 4200, failedSessions: 0 });
    expect(v.days).toHaveLength(17);
    expect(v.days.filter((d) => d.pending).map((d) => d.day)).toEqual(['2026-11-29', '2026-11-30', '2026-12-01']);
  });

  test('duplicates do not inflate the evidence', () => {
    const reports = COUNTED.flatMap(cleanDay);
    expect(verdictOf([...reports, ...reports]).summary).toBe('example.com: ready for enforce (14 clean days; 2 verified reporters: google.com, microsoft.com; 4200 sessions)');
  });

  test('dirty history: every failure is a blocker with its day and MX host; the summary names the worst', () => {
    const reports = COUNTED.flatMap((day) => {
      if (day === '2026-11-20') return [report({ day, success: 190, details: [{ type: 'certificate-expired', count: 12, mx: 'mx2.example.com' }] }), cleanDay(day)[1]];
      if (day === '2026-11-22') return [report({ day, success: 197, details: [{ type: 'certificate-expired', count: 3, mx: 'mx2.example.com' }] }), cleanDay(day)[1]];
      return cleanDay(day);
    });
    const v = verdictOf(reports);
    expect(v.ready).toBe(false);
    expect(v.summary).toBe('example.com: not ready: 15 certificate-expired sessions on mx2.example.com since 2026-11-20 (+1 more blocker)');
    expect(v.blockers).toEqual([
      {
        code: BlockerCode.FAILED_SESSIONS,
        day: '2026-11-20',
        sessions: 12,
        reporters: ['google.com'],
        mxHost: 'mx2.example.com',
        ours: true,
        resultType: ResultType.CERTIFICATE_EXPIRED,
        resultTypeRaw: 'certificate-expired',
        message: '2026-11-20: 12 certificate-expired sessions on mx2.example.com, reported by google.com',
      },
      expect.objectContaining({ code: BlockerCode.FAILED_SESSIONS, day: '2026-11-22', sessions: 3 }),
    ]);
    expect(v.cleanDays).toBe(12);
    expect(v.mxHosts).toEqual([{ mxHost: 'mx2.example.com', ours: true, failedSessions: 15 }]);
  });

  test('a failure on an MX host that is not ours says so', () => {
    const reports = COUNTED.flatMap((day) => (day === '2026-11-25' ? [report({ day, details: [{ type: 'validation-failure', count: 2, mx: 'mx.old-provider.net' }] }), cleanDay(day)[1]] : cleanDay(day)));
    const v = verdictOf(reports);
    expect(v.blockers[0]).toMatchObject({ mxHost: 'mx.old-provider.net', ours: false });
    expect(v.summary).toBe('example.com: not ready: 2 validation-failure sessions on mx.old-provider.net (not matched by the expected mx patterns) since 2026-11-25');
  });

  test('failures without details (or naming no MX) still block', () => {
    const mailRu = report({ day: '2026-11-19', org: 'Mail.ru', policies: [{ noPolicyString: true, success: 0, failure: 1 }] });
    const v = verdictOf([...COUNTED.flatMap(cleanDay), mailRu]);
    expect(v.blockers.map((b) => b.message)).toEqual(['2026-11-19: 1 failed sessions without failure details on an MX host the reports do not name, reported by mail.ru']);
  });

  test('a failure detail with zero sessions still blocks ("no failure details")', () => {
    const odd = report({ day: '2026-11-19', org: 'Odd Reporter', details: [{ type: 'starttls-not-supported', count: 0, mx: 'mx1.example.com' }] });
    const v = verdictOf([...COUNTED.flatMap(cleanDay), odd]);
    expect(v.ready).toBe(false);
    expect(v.blockers[0]).toMatchObject({ code: BlockerCode.FAILED_SESSIONS, sessions: 0, mxHost: 'mx1.example.com' });
  });

  test('sparse history: too few sessions and too few reporters', () => {
    const v = verdictOf(COUNTED.map((day) => report({ day, success: 3 })));
    expect(v.ready).toBe(false);
    expect(v.blockers.map((b) => b.code)).toEqual([BlockerCode.TOO_FEW_SESSIONS, BlockerCode.TOO_FEW_REPORTERS]);
    expect(v.summary).toBe(
      'example.com: not ready: only 42 sessions were reported by counted reports over the 14 counted days (2026-11-15 to 2026-11-28); at least 100 are needed (+1 more blocker)',
    );
    expect(v.blockers[1].message).toBe('only 1 verified reporter(s) (google.com) sent reports over the counted days; at least 2 are needed');
    // The thresholds are options.
    expect(verdictOf(COUNTED.map((day) => report({ day, success: 3 })), { minSessions: 40, minReporters: 1 }).ready).toBe(true);
  });

  test('a missing day blocks', () => {
    const v = verdictOf(COUNTED.filter((d) => d !== '2026-11-18' && d !== '2026-11-23').flatMap(cleanDay));
    expect(v.blockers.map((b) => [b.code, b.day])).toEqual([
      [BlockerCode.MISSING_DAY, '2026-11-18'],
      [BlockerCode.MISSING_DAY, '2026-11-23'],
    ]);
    expect(v.summary).toBe('example.com: not ready: no reports for 2 of 14 days (first 2026-11-18) (+1 more blocker)');
    expect(v.days.find((d) => d.day === '2026-11-18')).toMatchObject({ reports: 0, clean: false, pending: false });
  });

  test('stale policy: a reporter that still applies an older policy blocks its day', () => {
    const reports = COUNTED.flatMap((day) => {
      if (day === '2026-11-16') return [report({ day, mode: 'enforce', success: 200 }), cleanDay(day)[1]];
      if (day === '2026-11-17') return [cleanDay(day)[0], report({ day, org: 'Microsoft Corporation', mx: ['mx1.example.com'], success: 100 })];
      return cleanDay(day);
    });
    const v = verdictOf(reports);
    expect(v.blockers.map((b) => [b.code, b.day, b.reporters])).toEqual([
      [BlockerCode.STALE_POLICY, '2026-11-16', ['google.com']],
      [BlockerCode.STALE_POLICY, '2026-11-17', ['microsoft.com']],
    ]);
    expect(v.blockers[1].message).toBe(
      '2026-11-17: microsoft.com applied another policy (mode testing, mx mx1.example.com) to 100 sessions; expected mode testing, mx mx1.example.com mx2.example.com',
    );
    expect(v.summary).toBe(
      'example.com: not ready: google.com applied another policy (mode enforce, mx mx1.example.com mx2.example.com) to 200 sessions; ' +
        'expected mode testing, mx mx1.example.com mx2.example.com on 2026-11-16 (+1 more blocker)',
    );
  });

  test('expected mx patterns are compared as a set (order, case, duplicates do not matter)', () => {
    const v = verdictOf(COUNTED.flatMap(cleanDay), { expected: { mx: ['MX2.example.com', 'mx1.example.com', 'mx1.example.com'] } });
    expect(v.ready).toBe(true);
    expect(v.expected).toEqual({ mode: MtaStsMode.TESTING, mx: MX });
  });

  test('no-policy-found blocks: the sender did not see the published policy', () => {
    const reports = COUNTED.flatMap((day) => (day === '2026-11-26' ? [report({ day, policies: [{ type: 'no-policy-found', success: 50 }] }), cleanDay(day)[1]] : cleanDay(day)));
    const v = verdictOf(reports);
    expect(v.blockers.map((b) => b.message)).toEqual(['2026-11-26: google.com found no MTA-STS policy for example.com in 50 sessions']);
  });

  describe('late reports', () => {
    test('a counted day whose report has not arrived yet is missing; once the late report arrives, the domain is ready', () => {
      const early = COUNTED.filter((d) => d !== LAST).flatMap(cleanDay);
      expect(verdictOf(early).blockers.map((b) => [b.code, b.day])).toEqual([[BlockerCode.MISSING_DAY, LAST]]);
      // The reports for the 28th arrive at 09:00 on 1 December, 57 hours after the day ended.
      const late = cleanDay(LAST).map((r) => normalizeReportValue(reportJson({ day: LAST, org: r.organization, mx: MX, success: 150 }), { receivedAt: new Date('2026-12-01T09:00:00Z') }));
      expect(late[0].deviations.map((d) => d.code)).toEqual([DeviationCode.REPORT_LATE]);
      const v = verdictOf([...early, ...late]);
      expect(v.ready).toBe(true);
      expect(v.days.find((d) => d.day === LAST)).toMatchObject({ reports: 2, successfulSessions: 300, clean: true });
    });

    test('the grace period keeps a day whose reports may still come from counting as missing', () => {
      // Nothing has arrived yet for 29 and 30 November: with the default grace they are pending,
      // without grace they are missing.
      expect(verdictOf(COUNTED.flatMap(cleanDay)).ready).toBe(true);
      const noGrace = verdictOf(COUNTED.flatMap(cleanDay), { graceDays: 0 });
      expect(noGrace.window).toEqual({ firstDay: '2026-11-17', lastDay: '2026-11-30', pendingDays: ['2026-12-01'] });
      expect(noGrace.blockers.map((b) => [b.code, b.day])).toEqual([
        [BlockerCode.MISSING_DAY, '2026-11-29'],
        [BlockerCode.MISSING_DAY, '2026-11-30'],
      ]);
    });

    test('clean reports for pending (grace) days are shown but not counted', () => {
      const v = verdictOf([...COUNTED.flatMap(cleanDay), ...cleanDay('2026-11-29'), ...cleanDay('2026-11-30')]);
      expect(v.successfulSessions).toBe(4200);
      expect(v.days.find((d) => d.day === '2026-11-29')).toMatchObject({ pending: true, successfulSessions: 300, clean: true });
    });

    test('a failure already reported for a pending day blocks', () => {
      const v = verdictOf([...COUNTED.flatMap(cleanDay), report({ day: '2026-11-30', details: [{ type: 'certificate-not-trusted', count: 7, mx: 'mx1.example.com' }] })]);
      expect(v.ready).toBe(false);
      expect(v.blockers).toEqual([expect.objectContaining({ code: BlockerCode.FAILED_SESSIONS, day: '2026-11-30', pending: true, sessions: 7 })]);
      expect(v.blockers[0].message).toBe('2026-11-30 (pending day): 7 certificate-not-trusted sessions on mx1.example.com, reported by google.com');
    });

    test('reports older than the window are ignored', () => {
      const old = report({ day: '2026-11-01', details: [{ type: 'certificate-expired', count: 99 }] });
      const v = verdictOf([...COUNTED.flatMap(cleanDay), old]);
      expect(v.ready).toBe(true);
      expect(v.ignoredRollups).toBe(1);
    });
  });

  test('reports for a domain that is not ours do not touch the verdict', () => {
    const stranger = COUNTED.map((day) => report({ day, domain: 'stranger.example', details: [{ type: 'certificate-expired', count: 5 }] }));
    const v = verdictOf([...COUNTED.flatMap(cleanDay), ...stranger]);
    expect(v.ready).toBe(true);
    expect(v.ignoredRollups).toBe(14);
    // …and the stranger's own verdict is about the stranger.
    const s = assessReadiness(rollups(stranger), { domain: 'stranger.example', now: NOW, expected: EXPECTED });
    expect(s.summary).toMatch(/^stranger\.example: not ready: 70 certificate-expired sessions on an MX host the reports do not name since 2026-11-15/);
  });

  test('invalid options are refused, naming the option', () => {
    expect(() => verdictOf([], { expected: { mx: [] } })).toThrow(MtaStsValidationError);
    expect(() => verdictOf([], { expected: { mx: [] } })).toThrow('readiness: `expected.mx` is empty: give the mx patterns of the published policy');
    expect(() => verdictOf([], { expected: { mx: ['*.com'] } })).toThrow(/`expected\.mx\[0\]` "\*\.com" is too broad/);
    expect(() => verdictOf([], { days: 0 })).toThrow('readiness: `days` must be a whole number, at least 1, got 0');
    expect(() => verdictOf([], { domain: 'not a domain' })).toThrow(/`domain` must be a domain name/);
  });
});
