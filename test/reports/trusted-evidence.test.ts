// The trust model of the readiness verdict: forged evidence never makes a domain ready or hides a
// real failure; DKIM-verified reports from two reporters over 14 days do.
import {
  assessReadiness,
  BlockerCode,
  DailyRollup,
  httpsUnauthenticated,
  fileUnauthenticated,
  normalizeReportValue,
  ReportAuthentication,
  rollupsOf,
  UnverifiedFailures,
} from '../../lib/reports';
import { MtaStsMode } from '../../lib/policy';
import { addDay, reportJson, ReportSpec } from './helpers';
import { verifiedBy } from './dkim';

const NOW = new Date('2026-12-01T10:00:00Z');
const MX = ['mx1.example.com', 'mx2.example.com'];
const COUNTED = Array.from({ length: 14 }, (_, i) => addDay('2026-11-15', i));
const opts = { domain: 'example.com', now: NOW, expected: { mode: MtaStsMode.TESTING, mx: MX } };

const copy = (spec: ReportSpec, auth: ReportAuthentication): DailyRollup[] => rollupsOf(normalizeReportValue(reportJson({ mx: MX, ...spec })), auth);
const googleDay = (day: string, extra: Partial<ReportSpec> = {}) => copy({ day, org: 'Google Inc.', success: 300, ...extra }, verifiedBy('google.com'));
const microsoftDay = (day: string) => copy({ day, org: 'Microsoft Corporation', success: 200 }, verifiedBy('microsoft.com', 'selector1'));
const signedHistory = (): DailyRollup[] => COUNTED.flatMap((d) => [...googleDay(d), ...microsoftDay(d)]);

describe('forged evidence', () => {
  test('15 forged back-dated HTTPS reports (a million sessions each, two spellings of "google inc") do not make a domain ready', () => {
    const forged = [...COUNTED, '2026-11-29'].flatMap((day, i) => copy({ day, org: i % 2 === 0 ? 'Google Inc' : 'google inc', success: 1_000_000 }, httpsUnauthenticated()));
    const v = assessReadiness(forged, opts);
    expect(v.ready).toBe(false);
    expect(v.reporters).toEqual([]);
    expect(v.successfulSessions).toBe(0);
    expect(v.unverifiedReports).toBe(15);
    expect(v.blockers[0]).toMatchObject({ code: BlockerCode.MISSING_DAY, message: '2026-11-15: no verified report for example.com (1 unverified not counted)' });
    expect(v.blockers.find((b) => b.code === BlockerCode.TOO_FEW_REPORTERS)?.message).toBe(
      'only 0 verified reporter(s) sent reports over the counted days; at least 2 are needed (15 unverified reports are not counted)',
    );
    // Two spellings of one organization-name are one unverified source.
    expect(new Set(v.reports.map((r) => JSON.stringify(r.organization.toLowerCase())))).toEqual(new Set(['"google inc"']));
  });

  test('a forged copy reusing a real report\'s idempotency key never hides its failures, in either order', () => {
    const day = '2026-11-20';
    const real = googleDay(day, { success: 263, details: [{ type: 'certificate-expired', count: 37, mx: 'mx2.example.com' }] });
    const forged = copy({ day, org: 'Google Inc.', success: 1_000_000 }, httpsUnauthenticated());
    expect(forged[0].contributions[0].idempotencyKey).toBe(real[0].contributions[0].idempotencyKey);
    const rest = signedHistory().filter((r) => !(r.day === day && r.contributions[0].reporter === 'Google Inc.'));
    for (const inputs of [[...forged, ...real, ...rest], [...rest, ...real, ...forged]]) {
      const v = assessReadiness(inputs, opts);
      expect(v.ready).toBe(false);
      expect(v.summary).toBe('example.com: not ready: 37 certificate-expired sessions on mx2.example.com since 2026-11-20');
      expect(v.blockers).toHaveLength(1);
      expect(v.warnings).toEqual([expect.objectContaining({ code: BlockerCode.CONFLICTING_COPIES, day, message: expect.stringMatching(/has 2 copies that differ .*the counted copy outranks the others/) })]);
      expect(v.days.find((d) => d.day === day)).toMatchObject({ successfulSessions: 263 + 200, failedSessions: 37, unverifiedReports: 1 });
    }
  });

  test('unverified failures block by default, marked unverified; --unverified-failures warn turns them into warnings', () => {
    const forgedFailure = copy({ day: '2026-11-21', org: 'Someone', success: 0, details: [{ type: 'validation-failure', count: 5, mx: 'mx1.example.com' }] }, httpsUnauthenticated());
    const v = assessReadiness([...signedHistory(), ...forgedFailure], opts);
    expect(v.ready).toBe(false);
    expect(v.blockers).toEqual([expect.objectContaining({ code: BlockerCode.FAILED_SESSIONS, unverified: true, message: '2026-11-21: 5 validation-failure sessions on mx1.example.com, reported by unverified source(s) "someone"' })]);
    const warn = assessReadiness([...signedHistory(), ...forgedFailure], { ...opts, unverifiedFailures: UnverifiedFailures.WARN });
    expect(warn.ready).toBe(true);
    expect(warn.warnings).toEqual([expect.objectContaining({ code: BlockerCode.FAILED_SESSIONS, unverified: true })]);
    expect(warn.summary).toBe('example.com: ready for enforce (14 clean days; 2 verified reporters: google.com, microsoft.com; 7000 sessions; 1 unverified report not counted)');
  });

  test('unverified no-policy-found and stale policies block too', () => {
    const notFound = copy({ day: '2026-11-22', org: 'X', policies: [{ type: 'no-policy-found', success: 9 }] }, fileUnauthenticated());
    const stale = copy({ day: '2026-11-23', org: 'Y', mode: 'enforce', success: 9 }, httpsUnauthenticated());
    const v = assessReadiness([...signedHistory(), ...notFound, ...stale], opts);
    expect(v.blockers.map((b) => [b.code, b.unverified])).toEqual([
      [BlockerCode.STALE_POLICY, true],
      [BlockerCode.POLICY_NOT_FOUND, true],
    ]);
  });

  test('two verified copies that differ block; two unverified copies that differ are both shown', () => {
    const day = '2026-11-24';
    const twoVerified = [...googleDay(day), ...googleDay(day, { success: 301 })];
    const v = assessReadiness([...signedHistory(), ...twoVerified], opts);
    expect(v.blockers).toEqual([expect.objectContaining({ code: BlockerCode.CONFLICTING_COPIES, day, message: expect.stringMatching(/two counted copies differ.*none is counted/) })]);
    const twoForged = [...copy({ day, org: 'Z', success: 1 }, httpsUnauthenticated()), ...copy({ day, org: 'Z', success: 2 }, httpsUnauthenticated())];
    const w = assessReadiness([...signedHistory(), ...twoForged], opts);
    expect(w.ready).toBe(true);
    expect(w.warnings).toEqual([expect.objectContaining({ code: BlockerCode.CONFLICTING_COPIES, message: expect.stringMatching(/has 2 copies that differ.*none is counted/) })]);
    expect(w.reports.filter((r) => r.day === day && r.organization === 'Z')).toHaveLength(2);
  });

  test('a reporter is its verified signing domain, never its organization-name', () => {
    // An attacker signs for its own domain and calls itself Google: it counts as the attacker, once.
    const attacker = COUNTED.flatMap((d) => copy({ day: d, org: 'Google Inc.', id: `fake-${d}`, success: 500 }, verifiedBy('attacker.example')));
    const v = assessReadiness([...COUNTED.flatMap((d) => googleDay(d)), ...attacker], opts);
    expect(v.reporters).toEqual(['attacker.example', 'google.com']);
  });
});

describe('known reporters', () => {
  test('two domains of one attacker sign reports as two "reporters": counted by default, not with knownReporters', () => {
    const attackers = COUNTED.flatMap((d) => [
      ...copy({ day: d, org: 'Google Inc.', id: `a-${d}`, success: 500 }, verifiedBy('attacker-one.example')),
      ...copy({ day: d, org: 'Microsoft Corporation', id: `b-${d}`, success: 500 }, verifiedBy('attacker-two.example')),
    ]);
    const open = assessReadiness(attackers, opts);
    expect(open.ready).toBe(true);
    expect(open.reporters).toEqual(['attacker-one.example', 'attacker-two.example']);
    const known = assessReadiness(attackers, { ...opts, knownReporters: ['google.com', 'Microsoft.com.'] });
    expect(known.ready).toBe(false);
    expect(known.reporters).toEqual([]);
    expect(known.unverifiedReports).toBe(28);
    // Real reporters on the list still count, and an unknown signer's failure still blocks.
    const failing = copy({ day: '2026-11-20', org: 'X', id: 'x-fail', success: 0, details: [{ type: 'validation-failure', count: 2, mx: 'mx1.example.com' }] }, verifiedBy('stranger.example'));
    const mixed = assessReadiness([...signedHistory(), ...failing], { ...opts, knownReporters: ['google.com', 'microsoft.com'] });
    expect(mixed.blockers).toEqual([expect.objectContaining({ code: BlockerCode.FAILED_SESSIONS, unverified: true, reporters: ['stranger.example (not a known reporter)'] })]);
  });
});

describe('signed evidence', () => {
  test('signed reports from two reporters over 14 days make the domain ready, and the verdict shows its evidence', () => {
    const noise = copy({ day: '2026-11-18', org: 'Forger', success: 5 }, httpsUnauthenticated());
    const v = assessReadiness([...signedHistory(), ...noise], opts);
    expect(v.ready).toBe(true);
    expect(v.summary).toBe('example.com: ready for enforce (14 clean days; 2 verified reporters: google.com, microsoft.com; 7000 sessions; 1 unverified report not counted)');
    expect(v.verifiedReporters).toEqual(['google.com', 'microsoft.com']);
    expect(v.reports.filter((r) => r.counted)).toHaveLength(28);
    expect(v.reports.find((r) => !r.counted)?.authentication.status).toBe('https-unauthenticated');
  });

  test('one verified reporter is not enough', () => {
    const v = assessReadiness(COUNTED.flatMap((d) => googleDay(d)), opts);
    expect(v.blockers.map((b) => b.code)).toEqual([BlockerCode.TOO_FEW_REPORTERS]);
  });

  test('an operator may count HTTPS reports (trust.https); the verdict says so', () => {
    const https = COUNTED.flatMap((d) => copy({ day: d, org: 'Mail.Ru', success: 50 }, httpsUnauthenticated()));
    const v = assessReadiness([...COUNTED.flatMap((d) => googleDay(d)), ...https], { ...opts, trust: { https: true } });
    expect(v.ready).toBe(true);
    expect(v.trust).toEqual({ https: true, files: false, unverifiedFailures: UnverifiedFailures.BLOCK });
    expect(v.summary).toBe('example.com: ready for enforce (14 clean days; 2 reporters: "mail.ru" (unauthenticated, trusted by option), google.com; 4900 sessions)');
    // Files stay uncounted unless trusted too.
    const files = COUNTED.flatMap((d) => copy({ day: d, org: 'Mail.Ru', success: 50 }, fileUnauthenticated()));
    expect(assessReadiness([...COUNTED.flatMap((d) => googleDay(d)), ...files], { ...opts, trust: { https: true } }).ready).toBe(false);
    expect(assessReadiness([...COUNTED.flatMap((d) => googleDay(d)), ...files], { ...opts, trust: { files: true } }).ready).toBe(true);
  });

  test('no verified evidence at all is "not ready", not an error', () => {
    const v = assessReadiness([], opts);
    expect(v.ready).toBe(false);
    expect(v.summary).toMatch(/^example\.com: not ready: no reports for 14 of 14 days/);
  });
});
