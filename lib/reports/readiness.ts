import { normalizeHostname } from '../policy/domain-name';
import { error, Finding, throwOnErrors } from '../policy/findings';
import { MtaStsMode } from '../policy/mode';
import { mxPatternMatches, parseMxPattern } from '../policy/mx-pattern';
import { DailyRollup, mergeRollups } from './aggregate';
import { addDays, dayOf, daysBetween } from './private/utc-day';
import { PolicyType, ResultType } from './report';

/**
 * The defaults of `assessReadiness`.
 *
 * - `days` 14: two weeks cover both weekly traffic patterns and the certificate renewals of
 *   most setups; it matches the two-week `max_age` recommended for enforce.
 * - `graceDays` 2: reporters send a day's report some hours after the day ends (Google within
 *   hours, Microsoft within a day or two, some much later), so the two most recent complete days
 *   are not counted yet; a failure already reported for them still blocks.
 * - `minSessions` 100 and `minReporters` 2: fewer sessions, or a single reporter, say too little
 *   about the senders that will enforce the policy.
 */
export const READINESS_DEFAULTS = {
  days: 14,
  graceDays: 2,
  minSessions: 100,
  minReporters: 2,
} as const;

/** The policy the reports must show: the one currently published. */
export interface ExpectedPolicy {
  /**
   * The mode currently published.
   * @default MtaStsMode.TESTING
   */
  readonly mode?: MtaStsMode;
  /** The mx patterns currently published (order, case and duplicates do not matter). */
  readonly mx: readonly string[];
}

/** Options of `assessReadiness`. */
export interface ReadinessOptions {
  /** The policy domain to assess. */
  readonly domain: string;
  /** The current time; the window is computed from it (the core never reads the clock). */
  readonly now: Date;
  /** The currently published policy. */
  readonly expected: ExpectedPolicy;
  /**
   * Complete UTC days that must be clean.
   * @default 14
   */
  readonly days?: number;
  /**
   * The most recent complete UTC days not counted yet, because late reports may still arrive.
   * @default 2
   */
  readonly graceDays?: number;
  /**
   * Sessions (successful + failed) needed over the counted days.
   * @default 100
   */
  readonly minSessions?: number;
  /**
   * Distinct reporters needed over the counted days.
   * @default 2
   */
  readonly minReporters?: number;
}

/** The days a verdict looks at. */
export interface ReadinessWindow {
  /** The first counted day (`YYYY-MM-DD`). */
  readonly firstDay: string;
  /** The last counted day. */
  readonly lastDay: string;
  /** The days after `lastDay` up to and including today: not counted, but failures there still block. */
  readonly pendingDays: string[];
}

/**
 * The window of `assessReadiness`: the `days` complete UTC days that end `graceDays` days before
 * yesterday, and the pending days after them. Readers use it to fetch only the rollups needed
 * (from `firstDay` to the last pending day).
 *
 * For `now` = 2026-12-01T10:00Z, days 14, grace 2: counted 2026-11-15 … 2026-11-28, pending
 * 2026-11-29, 2026-11-30 and 2026-12-01 (today, incomplete).
 *
 * @param now the current time
 * @param days complete days to count
 * @param graceDays most recent complete days not counted yet
 */
export function readinessWindow(now: Date, days: number = READINESS_DEFAULTS.days, graceDays: number = READINESS_DEFAULTS.graceDays): ReadinessWindow {
  const today = dayOf(now.getTime());
  const lastDay = addDays(today, -graceDays - 1);
  return { firstDay: addDays(lastDay, -days + 1), lastDay, pendingDays: daysBetween(addDays(lastDay, 1), today) };
}

/** Why a domain is not ready. */
export enum BlockerCode {
  /** Sessions failed (with or without failure details). */
  FAILED_SESSIONS = 'failed-sessions',
  /** A reporter applied a policy other than the expected one (an older mode or mx set). */
  STALE_POLICY = 'stale-policy',
  /** A reporter found no MTA-STS policy at all. */
  POLICY_NOT_FOUND = 'policy-not-found',
  /** A counted day has no report. */
  MISSING_DAY = 'missing-day',
  /** Fewer sessions than `minSessions` over the counted days. */
  TOO_FEW_SESSIONS = 'too-few-sessions',
  /** Fewer distinct reporters than `minReporters` over the counted days. */
  TOO_FEW_REPORTERS = 'too-few-reporters',
}

/** One reason a domain is not ready, with where and when. */
export interface ReadinessBlocker {
  /** The stable code. */
  readonly code: BlockerCode;
  /** A sentence naming the day, the MX host, the reporter and the numbers. */
  readonly message: string;
  /**
   * The day it concerns.
   * @default - the whole window (too few sessions or reporters)
   */
  readonly day?: string;
  /**
   * True when `day` is a pending (grace) day: not counted yet, but a reported failure there still blocks.
   * @default false
   */
  readonly pending?: boolean;
  /**
   * The MX host the failure details name.
   * @default - not about an MX host, or the details name none
   */
  readonly mxHost?: string;
  /**
   * Whether `mxHost` matches one of the expected mx patterns.
   * @default - no MX host
   */
  readonly ours?: boolean;
  /**
   * The result type of the failures.
   * @default - not about failures, or failures without details
   */
  readonly resultType?: ResultType;
  /**
   * The result type as reported.
   * @default - as `resultType`
   */
  readonly resultTypeRaw?: string;
  /**
   * The sessions concerned.
   * @default - not a session count
   */
  readonly sessions?: number;
  /**
   * The reporters concerned, sorted.
   * @default - not about reporters
   */
  readonly reporters?: string[];
}

/** What the reports say about one day. */
export interface DayEvidence {
  /** The day. */
  readonly day: string;
  /** True for a pending (grace) day, which is not counted. */
  readonly pending: boolean;
  /** Distinct reports. */
  readonly reports: number;
  /** Distinct reporters, sorted. */
  readonly reporters: string[];
  /** Successful sessions. */
  readonly successfulSessions: number;
  /** Failed sessions. */
  readonly failedSessions: number;
  /** True when the day has reports and no blocker. */
  readonly clean: boolean;
}

/** Failed sessions on one MX host over the window, and whether the host is ours. */
export interface MxHostEvidence {
  /**
   * The MX host.
   * @default - details that name no MX host
   */
  readonly mxHost?: string;
  /** Whether the host matches an expected mx pattern. */
  readonly ours: boolean;
  /** Failed sessions on it (counted and pending days). */
  readonly failedSessions: number;
}

/** The readiness verdict: whether it is safe to switch the domain to `enforce`, and why. */
export interface ReadinessVerdict {
  /** The domain. */
  readonly domain: string;
  /** True only when there is no blocker. */
  readonly ready: boolean;
  /**
   * One line: "example.com: ready for enforce (14 clean days, 3 reporters, 48210 sessions)" or
   * "example.com: not ready: 12 certificate-expired sessions on mx2.example.com since 2026-11-20".
   */
  readonly summary: string;
  /** The expected policy, normalised. */
  readonly expected: { readonly mode: MtaStsMode; readonly mx: string[] };
  /** The days looked at. */
  readonly window: ReadinessWindow;
  /** The thresholds used. */
  readonly thresholds: { readonly days: number; readonly graceDays: number; readonly minSessions: number; readonly minReporters: number };
  /** Every counted day, oldest first, then every pending day. */
  readonly days: DayEvidence[];
  /** Counted days that are clean. */
  readonly cleanDays: number;
  /** Distinct reporters over the counted days, sorted. */
  readonly reporters: string[];
  /** Successful sessions over the counted days. */
  readonly successfulSessions: number;
  /** Failed sessions over the counted days. */
  readonly failedSessions: number;
  /** MX hosts named by failure details, most failures first. */
  readonly mxHosts: MxHostEvidence[];
  /** Every blocker, most serious first (failures, stale policy, no policy, missing days, too few sessions, too few reporters). */
  readonly blockers: ReadinessBlocker[];
  /** Rollups ignored: other domains, or days outside the window. */
  readonly ignoredRollups: number;
}

function positiveInteger(v: number, field: string, min: number, findings: Finding[]): void {
  if (!Number.isInteger(v) || v < min) {
    findings.push(error('readiness-option-invalid', field, `\`${field}\` must be a whole number, at least ${min}, got ${String(v)}`));
  }
}

const BLOCKER_ORDER: readonly BlockerCode[] = [
  BlockerCode.FAILED_SESSIONS,
  BlockerCode.STALE_POLICY,
  BlockerCode.POLICY_NOT_FOUND,
  BlockerCode.MISSING_DAY,
  BlockerCode.TOO_FEW_SESSIONS,
  BlockerCode.TOO_FEW_REPORTERS,
];

function describeMx(mxHost: string | undefined, ours: boolean): string {
  if (mxHost === undefined) return 'an MX host the reports do not name';
  return ours ? mxHost : `${mxHost} (not matched by the expected mx patterns)`;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Decides whether a domain is ready for `mode: enforce`, from its daily rollups.
 *
 * Ready only when, over the `days` complete UTC days of `readinessWindow` (the most recent
 * `graceDays` complete days and today are pending, not counted):
 *
 * - no session failed and no failure detail was reported on a counted day, nor on a pending day
 *   (a failure already reported is known, whether or not the day is complete);
 * - every counted day has at least one report;
 * - there are at least `minSessions` sessions from at least `minReporters` reporters;
 * - every sts entry with a policy string shows the expected policy: the expected mode and
 *   exactly the expected mx set. A report that shows another policy (an older one still
 *   cached by the sender) is a `stale-policy` blocker on its day: its sessions say nothing about
 *   the published policy. After a policy change the window therefore restarts once reporters
 *   see the new policy, usually within a day because senders re-fetch when the TXT id changes.
 *   sts entries without a policy string (Mail.ru, fetch errors) cannot be compared and are not
 *   blockers by themselves. A report whose counted entry is `no-policy-found` is a
 *   `policy-not-found` blocker.
 *
 * Failure details name MX hosts; a host is "ours" when one of the expected mx patterns matches
 * it (`mxPatternMatches`), and blockers say so. Rollups of other domains are ignored (counted in
 * `ignoredRollups`); duplicates are merged away.
 *
 * @param rollups daily rollups (any domains and days; one per report as stored is fine)
 * @param options the domain, the time, the expected policy and thresholds
 * @throws MtaStsValidationError when an option is invalid (the message names it)
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-5
 */
export function assessReadiness(rollups: Iterable<DailyRollup>, options: ReadinessOptions): ReadinessVerdict {
  const days = options.days ?? READINESS_DEFAULTS.days;
  const graceDays = options.graceDays ?? READINESS_DEFAULTS.graceDays;
  const minSessions = options.minSessions ?? READINESS_DEFAULTS.minSessions;
  const minReporters = options.minReporters ?? READINESS_DEFAULTS.minReporters;
  const findings: Finding[] = [];
  const domainName = normalizeHostname(options.domain, 'domain', 'a domain name');
  findings.push(...domainName.findings);
  positiveInteger(days, 'days', 1, findings);
  positiveInteger(graceDays, 'graceDays', 0, findings);
  positiveInteger(minSessions, 'minSessions', 0, findings);
  positiveInteger(minReporters, 'minReporters', 0, findings);
  if (Number.isNaN(options.now.getTime())) findings.push(error('readiness-option-invalid', 'now', '`now` must be a valid date'));
  if (options.expected.mx.length === 0) {
    findings.push(error('readiness-option-invalid', 'expected.mx', '`expected.mx` is empty: give the mx patterns of the published policy (for example mail.example.com)'));
  }
  const expectedMx = [
    ...new Set(
      options.expected.mx.map((m, i) => {
        const p = parseMxPattern(m, `expected.mx[${i}]`);
        findings.push(...p.findings);
        return p.pattern ?? m;
      }),
    ),
  ].sort();
  throwOnErrors(findings, 'readiness');
  const domain = domainName.name!;
  const expectedMode = options.expected.mode ?? MtaStsMode.TESTING;
  const window = readinessWindow(options.now, days, graceDays);
  const countedDays = daysBetween(window.firstDay, window.lastDay);
  const pendingSet = new Set(window.pendingDays);
  const inWindow = new Set([...countedDays, ...window.pendingDays]);
  const ours = (host: string | undefined): boolean => host !== undefined && expectedMx.some((p) => mxPatternMatches(p, host));

  let ignoredRollups = 0;
  const relevant: DailyRollup[] = [];
  for (const r of rollups) {
    if (r.domain === domain && inWindow.has(r.day)) relevant.push(r);
    else ignoredRollups++;
  }
  const byDay = new Map(mergeRollups(relevant).map((r) => [r.day, r]));

  const blockers: ReadinessBlocker[] = [];
  const dayEvidence: DayEvidence[] = [];
  const reporters = new Set<string>();
  const mxFailures = new Map<string, { mxHost?: string; failedSessions: number }>();
  let successfulSessions = 0;
  let failedSessions = 0;
  let cleanDays = 0;

  for (const day of [...countedDays, ...window.pendingDays]) {
    const pending = pendingSet.has(day);
    const rollup = byDay.get(day);
    const dayBlockers: ReadinessBlocker[] = [];
    if (!rollup) {
      if (!pending) {
        dayBlockers.push({ code: BlockerCode.MISSING_DAY, day, message: `${day}: no report for ${domain}` });
      }
      dayEvidence.push({ day, pending, reports: 0, reporters: [], successfulSessions: 0, failedSessions: 0, clean: false });
      blockers.push(...dayBlockers);
      continue;
    }
    // Failures, grouped by result type and MX host over the day's reports.
    const groups = new Map<string, { resultType?: ResultType; resultTypeRaw?: string; mxHost?: string; sessions: number; reporters: Set<string> }>();
    const addGroup = (resultType: ResultType | undefined, resultTypeRaw: string | undefined, mxHost: string | undefined, sessions: number, reporter: string): void => {
      const k = `${resultTypeRaw ?? '\u0001'}\u0000${mxHost ?? ''}`;
      const g = groups.get(k) ?? { resultType, resultTypeRaw, mxHost, sessions: 0, reporters: new Set<string>() };
      g.sessions += sessions;
      g.reporters.add(reporter);
      groups.set(k, g);
      const mk = mxHost ?? '';
      const m = mxFailures.get(mk) ?? (mxHost === undefined ? { failedSessions: 0 } : { mxHost, failedSessions: 0 });
      m.failedSessions += sessions;
      mxFailures.set(mk, m);
    };
    const stale = new Map<string, { seen: string; sessions: number; reporters: Set<string> }>();
    const notFound = new Map<string, number>();
    for (const c of rollup.contributions) {
      for (const f of c.failures) addGroup(f.resultType, f.resultTypeRaw, f.mxHost, f.failedSessions, c.reporter);
      const unexplained = c.failedSessions - c.detailFailedSessions;
      if (unexplained > 0) addGroup(undefined, undefined, undefined, unexplained, c.reporter);
      if (pending) continue;
      for (const e of c.entries) {
        if (e.policyType !== PolicyType.STS || e.stsMx === undefined) continue;
        if (e.stsMode === expectedMode && sameSet([...e.stsMx].sort(), expectedMx)) continue;
        const seen = `mode ${e.stsMode ?? '(invalid)'}, mx ${e.stsMx.length > 0 ? e.stsMx.join(' ') : '(none)'}`;
        const s = stale.get(seen) ?? { seen, sessions: 0, reporters: new Set<string>() };
        s.sessions += e.successfulSessions + e.failedSessions;
        s.reporters.add(c.reporter);
        stale.set(seen, s);
      }
      if (c.countedPolicyType === PolicyType.NO_POLICY_FOUND) {
        notFound.set(c.reporter, (notFound.get(c.reporter) ?? 0) + c.successfulSessions + c.failedSessions);
      }
    }
    const sortedGroups = [...groups.values()].sort((a, b) => b.sessions - a.sessions || (a.resultTypeRaw ?? '').localeCompare(b.resultTypeRaw ?? '') || (a.mxHost ?? '').localeCompare(b.mxHost ?? ''));
    for (const g of sortedGroups) {
      const isOurs = ours(g.mxHost);
      const who = [...g.reporters].sort();
      const what = g.resultTypeRaw === undefined ? 'failed sessions without failure details' : `${g.resultTypeRaw} sessions`;
      const blocker: { -readonly [K in keyof ReadinessBlocker]: ReadinessBlocker[K] } = {
        code: BlockerCode.FAILED_SESSIONS,
        day,
        sessions: g.sessions,
        reporters: who,
        message: `${day}${pending ? ' (pending day)' : ''}: ${g.sessions} ${what} on ${describeMx(g.mxHost, isOurs)}, reported by ${who.join(', ')}`,
      };
      if (pending) blocker.pending = true;
      if (g.mxHost !== undefined) {
        blocker.mxHost = g.mxHost;
        blocker.ours = isOurs;
      }
      if (g.resultType !== undefined) blocker.resultType = g.resultType;
      if (g.resultTypeRaw !== undefined) blocker.resultTypeRaw = g.resultTypeRaw;
      dayBlockers.push(blocker);
    }
    for (const s of [...stale.values()].sort((a, b) => a.seen.localeCompare(b.seen))) {
      const who = [...s.reporters].sort();
      dayBlockers.push({
        code: BlockerCode.STALE_POLICY,
        day,
        sessions: s.sessions,
        reporters: who,
        message: `${day}: ${who.join(', ')} applied another policy (${s.seen}) to ${s.sessions} sessions; expected mode ${expectedMode}, mx ${expectedMx.join(' ')}`,
      });
    }
    for (const [reporter, sessions] of [...notFound.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      dayBlockers.push({
        code: BlockerCode.POLICY_NOT_FOUND,
        day,
        sessions,
        reporters: [reporter],
        message: `${day}: ${reporter} found no MTA-STS policy for ${domain} in ${sessions} sessions`,
      });
    }
    const t = rollup.totals;
    const clean = dayBlockers.length === 0;
    dayEvidence.push({ day, pending, reports: t.reports, reporters: t.reporters, successfulSessions: t.successfulSessions, failedSessions: t.failedSessions, clean });
    if (!pending) {
      successfulSessions += t.successfulSessions;
      failedSessions += t.failedSessions;
      for (const r of t.reporters) reporters.add(r);
      if (clean) cleanDays++;
    }
    blockers.push(...dayBlockers);
  }

  const sessions = successfulSessions + failedSessions;
  if (sessions < minSessions) {
    blockers.push({
      code: BlockerCode.TOO_FEW_SESSIONS,
      sessions,
      message: `only ${sessions} sessions were reported over the ${days} counted days (${window.firstDay} to ${window.lastDay}); at least ${minSessions} are needed`,
    });
  }
  if (reporters.size < minReporters) {
    const who = [...reporters].sort();
    blockers.push({
      code: BlockerCode.TOO_FEW_REPORTERS,
      reporters: who,
      message: `only ${who.length} reporter(s)${who.length > 0 ? ` (${who.join(', ')})` : ''} sent reports over the counted days; at least ${minReporters} are needed`,
    });
  }
  blockers.sort((a, b) => BLOCKER_ORDER.indexOf(a.code) - BLOCKER_ORDER.indexOf(b.code));

  const mxHosts = [...mxFailures.values()]
    .map((m) => (m.mxHost === undefined ? { ours: false, failedSessions: m.failedSessions } : { mxHost: m.mxHost, ours: ours(m.mxHost), failedSessions: m.failedSessions }))
    .sort((a, b) => b.failedSessions - a.failedSessions || (a.mxHost ?? '').localeCompare(b.mxHost ?? ''));
  const reporterList = [...reporters].sort();
  const ready = blockers.length === 0;
  const summary = ready
    ? `${domain}: ready for enforce (${cleanDays} clean days, ${reporterList.length} reporters, ${sessions} sessions)`
    : `${domain}: not ready: ${headline(blockers, days)}${blockers.length > 1 ? ` (+${blockers.length - 1} more blocker${blockers.length > 2 ? 's' : ''})` : ''}`;
  return {
    domain,
    ready,
    summary,
    expected: { mode: expectedMode, mx: expectedMx },
    window,
    thresholds: { days, graceDays, minSessions, minReporters },
    days: dayEvidence,
    cleanDays,
    reporters: reporterList,
    successfulSessions,
    failedSessions,
    mxHosts,
    blockers,
    ignoredRollups,
  };
}

/** The one-line reason: the worst blocker, failures summed over days by result type and MX host. */
function headline(blockers: readonly ReadinessBlocker[], days: number): string {
  const first = blockers[0];
  switch (first.code) {
    case BlockerCode.FAILED_SESSIONS: {
      const sums = new Map<string, { b: ReadinessBlocker; sessions: number; since: string }>();
      for (const b of blockers) {
        if (b.code !== BlockerCode.FAILED_SESSIONS) continue;
        const k = `${b.resultTypeRaw ?? ''}\u0000${b.mxHost ?? ''}`;
        const s = sums.get(k) ?? { b, sessions: 0, since: b.day! };
        s.sessions += b.sessions ?? 0;
        if (b.day! < s.since) s.since = b.day!;
        sums.set(k, s);
      }
      const top = [...sums.values()].sort((a, b) => b.sessions - a.sessions || a.since.localeCompare(b.since))[0];
      const what = top.b.resultTypeRaw === undefined ? 'failed sessions without failure details' : `${top.b.resultTypeRaw} sessions`;
      return `${top.sessions} ${what} on ${describeMx(top.b.mxHost, top.b.ours ?? false)} since ${top.since}`;
    }
    case BlockerCode.STALE_POLICY:
      return first.message.replace(/^(\d{4}-\d{2}-\d{2}): (.*)$/, '$2 on $1');
    case BlockerCode.POLICY_NOT_FOUND:
      return first.message.replace(/^(\d{4}-\d{2}-\d{2}): (.*)$/, '$2 on $1');
    case BlockerCode.MISSING_DAY: {
      const missing = blockers.filter((b) => b.code === BlockerCode.MISSING_DAY);
      return `no reports for ${missing.length} of ${days} days (first ${missing[0].day})`;
    }
    default:
      return first.message;
  }
}
