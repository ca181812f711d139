import { normalizeHostname } from '../policy/domain-name';
import { error, Finding, throwOnErrors } from '../policy/findings';
import { MtaStsMode } from '../policy/mode';
import { mxPatternMatches, parseMxPattern } from '../policy/mx-pattern';
import { DailyRollup, mergeRollups, ReportContribution } from './aggregate';
import { AuthenticationStatus, isVerified, ReportAuthentication } from './authentication';
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

/** What unverified reports' failures do to a verdict (they never count as evidence either way). */
export enum UnverifiedFailures {
  /** Failures, stale policies and policy-not-found in unverified reports block, marked unverified (the default: fail closed). */
  BLOCK = 'block',
  /** They are shown as warnings: for an operator who knows someone is sending forged failure reports. */
  WARN = 'warn',
}

/**
 * Unauthenticated copies an operator chooses to count as evidence, accepting that anyone could
 * have sent them. The verdict says so. Their reporter is the report's `organization-name`
 * (trimmed, lower case).
 */
export interface EvidenceTrust {
  /**
   * Count reports received by HTTPS POST (`https-unauthenticated`).
   * @default false
   */
  readonly https?: boolean;
  /**
   * Count bare report files read from disk (`file-unauthenticated`).
   * @default false
   */
  readonly files?: boolean;
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
   * Distinct reporters needed over the counted days: distinct verified signing (organizational)
   * domains, plus trusted unauthenticated sources when `trust` allows them.
   * @default 2
   */
  readonly minReporters?: number;
  /**
   * Unauthenticated copies to count as evidence anyway.
   * @default - only DKIM-verified reports count
   */
  readonly trust?: EvidenceTrust;
  /**
   * What failures in unverified reports do.
   * @default UnverifiedFailures.BLOCK
   */
  readonly unverifiedFailures?: UnverifiedFailures;
  /**
   * The only signing (organizational) domains that count as reporters. A DKIM signature proves
   * who sent a report, not that the sender delivers mail to you: anyone who owns two domains can
   * sign reports as two "reporters". With this list, verified reports of other signers count as
   * unverified (their failures still block).
   * @default - every verified signing domain counts
   */
  readonly knownReporters?: readonly string[];
  /**
   * Stored rollups that exist but cannot be read as rollups (corrupt, or written by another
   * version): each blocks its day (`rollup-invalid`), since it could hold failures. Only that
   * day: once it leaves the window, the object no longer matters.
   * @default - none
   */
  readonly invalidRollups?: readonly InvalidRollup[];
}

/** A stored rollup that cannot be read, and where it is. */
export interface InvalidRollup {
  /** The report day its key names. */
  readonly day: string;
  /** Where it is (an object key or a file name). */
  readonly reference: string;
  /** Why it cannot be read. */
  readonly message: string;
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
  /**
   * Copies of one report (same idempotency key) that differ: two counted (verified) copies block,
   * since at least one is not what the reporter sent; otherwise it is a warning.
   */
  CONFLICTING_COPIES = 'conflicting-copies',
  /** A stored rollup of the day cannot be read: it could hold failures. */
  ROLLUP_INVALID = 'rollup-invalid',
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
   * The reporters concerned, sorted (verified signing domains, or what unverified reports call themselves).
   * @default - not about reporters
   */
  readonly reporters?: string[];
  /**
   * True when it comes from reports that are not counted as evidence (unverified).
   * @default false
   */
  readonly unverified?: boolean;
  /**
   * The report concerned (conflicting copies).
   * @default - not about one report
   */
  readonly idempotencyKey?: string;
}

/** One copy of a report in the window, and what the verdict made of it. */
export interface ReportEvidence {
  /** The report day. */
  readonly day: string;
  /** The idempotency key. */
  readonly idempotencyKey: string;
  /** The report id, as the report says. */
  readonly reportId: string;
  /** The reporter, as the report names itself (`organization-name`). */
  readonly organization: string;
  /** How the copy was authenticated. */
  readonly authentication: ReportAuthentication;
  /** True when its sessions count toward the thresholds. */
  readonly counted: boolean;
  /** Successful sessions it lists. */
  readonly successfulSessions: number;
  /** Failed sessions it lists. */
  readonly failedSessions: number;
}

/** What the reports say about one day. */
export interface DayEvidence {
  /** The day. */
  readonly day: string;
  /** True for a pending (grace) day, which is not counted. */
  readonly pending: boolean;
  /** Distinct reports counted (verified, or trusted). */
  readonly reports: number;
  /** Distinct counted reporters, sorted. */
  readonly reporters: string[];
  /** Successful sessions of the counted reports. */
  readonly successfulSessions: number;
  /** Failed sessions of the counted reports. */
  readonly failedSessions: number;
  /** Copies not counted (unverified, or conflicting). */
  readonly unverifiedReports: number;
  /** True when the day has counted reports and no blocker. */
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
   * One line: "example.com: ready for enforce (14 clean days; 2 verified reporters: google.com,
   * microsoft.com; 48210 sessions; 12 unverified reports not counted)" or "example.com: not
   * ready: 12 certificate-expired sessions on mx2.example.com since 2026-11-20".
   */
  readonly summary: string;
  /** The expected policy, normalised. */
  readonly expected: { readonly mode: MtaStsMode; readonly mx: string[] };
  /** The days looked at. */
  readonly window: ReadinessWindow;
  /** The thresholds used. */
  readonly thresholds: { readonly days: number; readonly graceDays: number; readonly minSessions: number; readonly minReporters: number };
  /** Which unauthenticated copies were counted, and what unverified failures did. */
  readonly trust: { readonly https: boolean; readonly files: boolean; readonly unverifiedFailures: UnverifiedFailures };
  /** Every counted day, oldest first, then every pending day. */
  readonly days: DayEvidence[];
  /** Counted days that are clean. */
  readonly cleanDays: number;
  /** Distinct counted reporters over the counted days, sorted: verified signing domains (and trusted sources). */
  readonly reporters: string[];
  /** The counted reporters that are DKIM-verified signing domains, sorted. */
  readonly verifiedReporters: string[];
  /** Copies in the window not counted as evidence (unverified, or conflicting). */
  readonly unverifiedReports: number;
  /** Successful sessions over the counted days. */
  readonly successfulSessions: number;
  /** Failed sessions over the counted days. */
  readonly failedSessions: number;
  /** MX hosts named by failure details, most failures first. */
  readonly mxHosts: MxHostEvidence[];
  /** Every blocker, most serious first (failures, conflicting verified copies, stale policy, no policy, missing days, too few sessions, too few reporters). */
  readonly blockers: ReadinessBlocker[];
  /** What does not block but is worth a look: conflicting unverified copies, and unverified failures under `UnverifiedFailures.WARN`. */
  readonly warnings: ReadinessBlocker[];
  /** Every copy of every report in the window (counted and pending days), with its authentication. */
  readonly reports: ReportEvidence[];
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
  BlockerCode.ROLLUP_INVALID,
  BlockerCode.CONFLICTING_COPIES,
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
  const trust = { https: options.trust?.https === true, files: options.trust?.files === true, unverifiedFailures: options.unverifiedFailures ?? UnverifiedFailures.BLOCK };
  const known = options.knownReporters === undefined ? undefined : new Set(options.knownReporters.map((r) => r.trim().toLowerCase().replace(/\.$/, '')));
  const ctx: DayContext = { domain, expectedMode, expectedMx, ours, trust, known, mxFailures: new Map() };

  const blockers: ReadinessBlocker[] = [];
  const warnings: ReadinessBlocker[] = [];
  const dayEvidence: DayEvidence[] = [];
  const reportEvidence: ReportEvidence[] = [];
  const reporters = new Set<string>();
  const verifiedReporters = new Set<string>();
  let successfulSessions = 0;
  let failedSessions = 0;
  let cleanDays = 0;
  let unverifiedReports = 0;

  for (const day of [...countedDays, ...window.pendingDays]) {
    const pending = pendingSet.has(day);
    const result = examineDay(byDay.get(day), day, pending, ctx);
    blockers.push(...result.blockers);
    for (const bad of options.invalidRollups ?? []) {
      if (bad.day !== day) continue;
      blockers.push({ code: BlockerCode.ROLLUP_INVALID, day, message: `${day}: the stored rollup ${JSON.stringify(bad.reference.slice(0, 300))} cannot be read (${bad.message.slice(0, 300)}); it could hold failures` });
    }
    warnings.push(...result.warnings);
    reportEvidence.push(...result.reports);
    dayEvidence.push(result.evidence);
    unverifiedReports += result.evidence.unverifiedReports;
    if (!pending) {
      successfulSessions += result.evidence.successfulSessions;
      failedSessions += result.evidence.failedSessions;
      for (const r of result.evidence.reporters) reporters.add(r);
      for (const r of result.verifiedReporters) verifiedReporters.add(r);
      if (result.evidence.clean) cleanDays++;
    }
  }

  const sessions = successfulSessions + failedSessions;
  if (sessions < minSessions) {
    blockers.push({
      code: BlockerCode.TOO_FEW_SESSIONS,
      sessions,
      message: `only ${sessions} sessions were reported by counted reports over the ${days} counted days (${window.firstDay} to ${window.lastDay}); at least ${minSessions} are needed${notCounted(unverifiedReports)}`,
    });
  }
  if (reporters.size < minReporters) {
    const who = [...reporters].sort();
    blockers.push({
      code: BlockerCode.TOO_FEW_REPORTERS,
      reporters: who,
      message: `only ${who.length} ${trust.https || trust.files ? 'counted' : 'verified'} reporter(s)${who.length > 0 ? ` (${who.join(', ')})` : ''} sent reports over the counted days; at least ${minReporters} are needed${notCounted(unverifiedReports)}`,
    });
  }
  const byOrder = (a: ReadinessBlocker, b: ReadinessBlocker) => BLOCKER_ORDER.indexOf(a.code) - BLOCKER_ORDER.indexOf(b.code);
  blockers.sort(byOrder);
  warnings.sort(byOrder);

  const mxHosts = [...ctx.mxFailures.values()]
    .map((m) => (m.mxHost === undefined ? { ours: false, failedSessions: m.failedSessions } : { mxHost: m.mxHost, ours: ours(m.mxHost), failedSessions: m.failedSessions }))
    .sort((a, b) => b.failedSessions - a.failedSessions || (a.mxHost ?? '').localeCompare(b.mxHost ?? ''));
  const reporterList = [...reporters].sort();
  const ready = blockers.length === 0;
  const summary = ready
    ? `${domain}: ready for enforce (${cleanDays} clean days; ${reportersText(reporterList, verifiedReporters)}; ${sessions} sessions${unverifiedReports > 0 ? `; ${unverifiedReports} unverified report${unverifiedReports === 1 ? '' : 's'} not counted` : ''})`
    : `${domain}: not ready: ${headline(blockers, days)}${blockers.length > 1 ? ` (+${blockers.length - 1} more blocker${blockers.length > 2 ? 's' : ''})` : ''}`;
  return {
    domain,
    ready,
    summary,
    expected: { mode: expectedMode, mx: expectedMx },
    window,
    thresholds: { days, graceDays, minSessions, minReporters },
    trust,
    days: dayEvidence,
    cleanDays,
    reporters: reporterList,
    verifiedReporters: [...verifiedReporters].sort(),
    unverifiedReports,
    successfulSessions,
    failedSessions,
    mxHosts,
    blockers,
    warnings,
    reports: reportEvidence,
    ignoredRollups,
  };
}

function notCounted(unverified: number): string {
  return unverified > 0 ? ` (${unverified} unverified report${unverified === 1 ? ' is' : 's are'} not counted)` : '';
}

function reportersText(reporters: readonly string[], verified: ReadonlySet<string>): string {
  if (reporters.every((r) => verified.has(r))) return `${reporters.length} verified reporter${reporters.length === 1 ? '' : 's'}: ${reporters.join(', ')}`;
  const names = reporters.map((r) => (verified.has(r) ? r : `${r} (unauthenticated, trusted by option)`));
  return `${reporters.length} reporters: ${names.join(', ')}`;
}

// ---- one day ------------------------------------------------------------------------------

/** What every day's examination shares. */
interface DayContext {
  readonly domain: string;
  readonly expectedMode: MtaStsMode;
  readonly expectedMx: readonly string[];
  readonly ours: (host: string | undefined) => boolean;
  readonly trust: ReadinessVerdict['trust'];
  /** `ReadinessOptions.knownReporters`, normalised. */
  readonly known?: ReadonlySet<string>;
  /** Failed sessions per MX host over the whole window (counted and unverified copies). */
  readonly mxFailures: Map<string, { mxHost?: string; failedSessions: number }>;
}

/** What one day gave. */
interface DayResult {
  readonly evidence: DayEvidence;
  readonly verifiedReporters: string[];
  readonly blockers: ReadinessBlocker[];
  readonly warnings: ReadinessBlocker[];
  readonly reports: ReportEvidence[];
}

/** Failures, stale policies and missing policies found in a set of copies. */
interface Findings {
  readonly groups: Map<string, { resultType?: ResultType; resultTypeRaw?: string; mxHost?: string; sessions: number; reporters: Set<string> }>;
  readonly stale: Map<string, { seen: string; sessions: number; reporters: Set<string> }>;
  readonly notFound: Map<string, number>;
}

function newFindings(): Findings {
  return { groups: new Map(), stale: new Map(), notFound: new Map() };
}

/** The reporter identity a copy counts as, or undefined when it is not counted as evidence. */
function countedIdentity(c: ReportContribution, ctx: DayContext): string | undefined {
  const a = c.authentication;
  if (isVerified(a)) return ctx.known === undefined || ctx.known.has(a.reporterDomain!) ? a.reporterDomain : undefined;
  const trusted = (a.status === AuthenticationStatus.HTTPS_UNAUTHENTICATED && ctx.trust.https) || (a.status === AuthenticationStatus.FILE_UNAUTHENTICATED && ctx.trust.files);
  return trusted ? unverifiedName(c) : undefined;
}

/**
 * How an uncounted copy's reporter is named: a verified signer outside `knownReporters` by its
 * domain, otherwise what the report calls itself, folded (two spellings of one name are one
 * source) and quoted.
 */
function unverifiedName(c: ReportContribution): string {
  if (isVerified(c.authentication)) return `${c.authentication.reporterDomain} (not a known reporter)`;
  return JSON.stringify(c.reporter.trim().toLowerCase().split(/\s+/).join(' ').slice(0, 64));
}

/** Examines one day: which copy of each report counts, and what every copy reports. */
function examineDay(rollup: DailyRollup | undefined, day: string, pending: boolean, ctx: DayContext): DayResult {
  const counted = newFindings();
  const unverified = newFindings();
  const copyBlockers: ReadinessBlocker[] = [];
  const copyWarnings: ReadinessBlocker[] = [];
  const reports: ReportEvidence[] = [];
  const reporters = new Set<string>();
  const verifiedReporters = new Set<string>();
  let countedReports = 0;
  let notCountedCopies = 0;
  let successfulSessions = 0;
  let failedSessions = 0;
  for (const copies of copiesByReport(rollup)) {
    const evidence = copies.filter((c) => countedIdentity(c, ctx) !== undefined);
    const conflict = describeConflict(copies, evidence, day);
    if (conflict) (evidence.length >= 2 ? copyBlockers : copyWarnings).push(conflict);
    const chosen = evidence.length === 1 ? evidence[0] : undefined;
    for (const c of copies) {
      const isCounted = c === chosen;
      reports.push({ day, idempotencyKey: c.idempotencyKey, reportId: c.reportId, organization: c.reporter, authentication: c.authentication, counted: isCounted, successfulSessions: c.successfulSessions, failedSessions: c.failedSessions });
      const trusted = evidence.includes(c);
      const who = trusted ? countedIdentity(c, ctx)! : unverifiedName(c);
      collect(trusted ? counted : unverified, c, who, pending, ctx);
      if (!isCounted) {
        notCountedCopies++;
        continue;
      }
      countedReports++;
      reporters.add(who);
      if (isVerified(c.authentication)) verifiedReporters.add(who);
      successfulSessions += c.successfulSessions;
      failedSessions += c.failedSessions;
    }
  }
  const blockers = [...findingsBlockers(counted, day, pending, ctx, false), ...copyBlockers];
  const unverifiedBlockers = findingsBlockers(unverified, day, pending, ctx, true);
  const warnings = [...copyWarnings];
  if (ctx.trust.unverifiedFailures === UnverifiedFailures.WARN) warnings.push(...unverifiedBlockers);
  else blockers.push(...unverifiedBlockers);
  if (countedReports === 0 && !pending) {
    blockers.push({
      code: BlockerCode.MISSING_DAY,
      day,
      message: `${day}: no ${ctx.trust.https || ctx.trust.files ? 'counted' : 'verified'} report for ${ctx.domain}${notCountedCopies > 0 ? ` (${notCountedCopies} unverified not counted)` : ''}`,
    });
  }
  const clean = countedReports > 0 && blockers.length === 0;
  const evidence: DayEvidence = { day, pending, reports: countedReports, reporters: [...reporters].sort(), successfulSessions, failedSessions, unverifiedReports: notCountedCopies, clean };
  return { evidence, verifiedReporters: [...verifiedReporters], blockers, warnings, reports };
}

/** A rollup's contributions grouped by report (idempotency key), preferred copy first. */
function copiesByReport(rollup: DailyRollup | undefined): ReportContribution[][] {
  const out: ReportContribution[][] = [];
  for (const c of rollup?.contributions ?? []) {
    const last = out[out.length - 1];
    if (last !== undefined && last[0].idempotencyKey === c.idempotencyKey) last.push(c);
    else out.push([c]);
  }
  return out;
}

/** The conflicting-copies finding of one report, when its copies differ. */
function describeConflict(copies: readonly ReportContribution[], evidence: readonly ReportContribution[], day: string): ReadinessBlocker | undefined {
  if (copies.length < 2) return undefined;
  const first = copies[0];
  const what = copies.map((c) => `${c.authentication.status}${c.authentication.reporterDomain ? ` by ${c.authentication.reporterDomain}` : ''}: ${c.successfulSessions} ok, ${c.failedSessions} failed`).join('; ');
  const verdict =
    evidence.length >= 2
      ? 'two counted copies differ, so at least one is not what its reporter sent: none is counted'
      : evidence.length === 1
        ? 'the counted copy outranks the others, which are not counted'
        : 'none is counted';
  return {
    code: BlockerCode.CONFLICTING_COPIES,
    day,
    idempotencyKey: first.idempotencyKey,
    reporters: [...new Set(copies.map(unverifiedName))].sort(),
    message: `${day}: report ${JSON.stringify(first.reportId.slice(0, 128))} has ${copies.length} copies that differ (${what}); ${verdict}`,
  };
}

/** Adds one copy's failures, stale policies and missing policies to `f`. */
function collect(f: Findings, c: ReportContribution, who: string, pending: boolean, ctx: DayContext): void {
  const addGroup = (resultType: ResultType | undefined, resultTypeRaw: string | undefined, mxHost: string | undefined, sessions: number): void => {
    const k = `${resultTypeRaw ?? '\u0001'}\u0000${mxHost ?? ''}`;
    const g = f.groups.get(k) ?? { resultType, resultTypeRaw, mxHost, sessions: 0, reporters: new Set<string>() };
    g.sessions += sessions;
    g.reporters.add(who);
    f.groups.set(k, g);
    const mk = mxHost ?? '';
    const m = ctx.mxFailures.get(mk) ?? (mxHost === undefined ? { failedSessions: 0 } : { mxHost, failedSessions: 0 });
    m.failedSessions += sessions;
    ctx.mxFailures.set(mk, m);
  };
  for (const x of c.failures) addGroup(x.resultType, x.resultTypeRaw, x.mxHost, x.failedSessions);
  const unexplained = c.failedSessions - c.detailFailedSessions;
  if (unexplained > 0) addGroup(undefined, undefined, undefined, unexplained);
  if (pending) return;
  for (const e of c.entries) {
    if (e.policyType !== PolicyType.STS || e.stsMx === undefined) continue;
    if (e.stsMode === ctx.expectedMode && sameSet([...e.stsMx].sort(), ctx.expectedMx)) continue;
    const seen = `mode ${e.stsMode ?? '(invalid)'}, mx ${e.stsMx.length > 0 ? e.stsMx.join(' ') : '(none)'}`;
    const s = f.stale.get(seen) ?? { seen, sessions: 0, reporters: new Set<string>() };
    s.sessions += e.successfulSessions + e.failedSessions;
    s.reporters.add(who);
    f.stale.set(seen, s);
  }
  if (c.countedPolicyType === PolicyType.NO_POLICY_FOUND) f.notFound.set(who, (f.notFound.get(who) ?? 0) + c.successfulSessions + c.failedSessions);
}

/** The blockers of what `collect` found (marked unverified, and their messages saying so, when from unverified copies). */
function findingsBlockers(f: Findings, day: string, pending: boolean, ctx: DayContext, unverified: boolean): ReadinessBlocker[] {
  const out: Array<{ -readonly [K in keyof ReadinessBlocker]: ReadinessBlocker[K] }> = [];
  const by = unverified ? 'unverified source(s) ' : '';
  const sortedGroups = [...f.groups.values()].sort((a, b) => b.sessions - a.sessions || (a.resultTypeRaw ?? '').localeCompare(b.resultTypeRaw ?? '') || (a.mxHost ?? '').localeCompare(b.mxHost ?? ''));
  for (const g of sortedGroups) {
    const isOurs = ctx.ours(g.mxHost);
    const who = [...g.reporters].sort();
    const what = g.resultTypeRaw === undefined ? 'failed sessions without failure details' : `${JSON.stringify(g.resultTypeRaw.slice(0, 64)).slice(1, -1)} sessions`;
    const b: { -readonly [K in keyof ReadinessBlocker]: ReadinessBlocker[K] } = {
      code: BlockerCode.FAILED_SESSIONS,
      day,
      sessions: g.sessions,
      reporters: who,
      message: `${day}${pending ? ' (pending day)' : ''}: ${g.sessions} ${what} on ${describeMx(g.mxHost, isOurs)}, reported by ${by}${who.join(', ')}`,
    };
    if (pending) b.pending = true;
    if (g.mxHost !== undefined) {
      b.mxHost = g.mxHost;
      b.ours = isOurs;
    }
    if (g.resultType !== undefined) b.resultType = g.resultType;
    if (g.resultTypeRaw !== undefined) b.resultTypeRaw = g.resultTypeRaw;
    out.push(b);
  }
  for (const s of [...f.stale.values()].sort((a, b) => a.seen.localeCompare(b.seen))) {
    const who = [...s.reporters].sort();
    out.push({
      code: BlockerCode.STALE_POLICY,
      day,
      sessions: s.sessions,
      reporters: who,
      message: `${day}: ${by}${who.join(', ')} applied another policy (${s.seen}) to ${s.sessions} sessions; expected mode ${ctx.expectedMode}, mx ${ctx.expectedMx.join(' ')}`,
    });
  }
  for (const [reporter, sessions] of [...f.notFound.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    out.push({ code: BlockerCode.POLICY_NOT_FOUND, day, sessions, reporters: [reporter], message: `${day}: ${by}${reporter} found no MTA-STS policy for ${ctx.domain} in ${sessions} sessions` });
  }
  if (unverified) for (const b of out) b.unverified = true;
  return out;
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
