import { showValue as show } from './untrusted-text';
import { modeFromString, MtaStsMode } from '../policy/mode';
import { AuthenticationReason, AuthenticationStatus, fileUnauthenticated, isVerified, ReportAuthentication } from './authentication';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency';
import { isDay } from './private/utc-day';
import { PolicyType, ReportPolicy, ResultType, TlsRptReport } from './report';

/**
 * The schema version of `DailyRollup`; bumped when the stored shape changes. Version 2 added
 * `ReportContribution.authentication` and keeps every distinct copy of a report; version 1
 * rollups are still read, as unverified (they were written before reports were authenticated).
 */
export const ROLLUP_SCHEMA_VERSION = 2;

/**
 * Which entry's counts stand for a report's sessions for one policy domain, most preferred
 * first. See `rollupsOf` for the rule.
 */
export const COUNTED_POLICY_TYPE_ORDER: readonly PolicyType[] = [PolicyType.STS, PolicyType.TLSA, PolicyType.NO_POLICY_FOUND, PolicyType.OTHER];

/** Failed sessions of one result type on one MX host, within one report (or one rollup). */
export interface FailureGroup {
  /** The result type (`OTHER` when not registered). */
  readonly resultType: ResultType;
  /** The result type as written by the reporter. */
  readonly resultTypeRaw: string;
  /**
   * The receiving MX host the details name (lower case).
   * @default - the details name no MX host
   */
  readonly mxHost?: string;
  /** The sum of `failed-session-count` over the details in the group. */
  readonly failedSessions: number;
}

/** One policy entry of a report, reduced to what aggregation needs. */
export interface PolicyEntryCount {
  /** The policy type. */
  readonly policyType: PolicyType;
  /** The policy type as written. */
  readonly policyTypeRaw: string;
  /** `total-successful-session-count`. */
  readonly successfulSessions: number;
  /** `total-failure-session-count`. */
  readonly failedSessions: number;
  /**
   * The mode of the sts policy the reporter saw.
   * @default - not an sts entry, or no policy-string, or no valid mode
   */
  readonly stsMode?: MtaStsMode;
  /**
   * The mx patterns of the sts policy the reporter saw (sorted).
   * @default - not an sts entry, or no policy-string
   */
  readonly stsMx?: string[];
}

/**
 * What one report says about one policy domain on one day: the unit a rollup is made of.
 * Contributions are keyed by the report's idempotency key, which makes merging idempotent.
 */
export interface ReportContribution {
  /** The report's idempotency key. */
  readonly idempotencyKey: string;
  /** The report's `report-id`. */
  readonly reportId: string;
  /** The reporter (`organization-name`). */
  readonly reporter: string;
  /** The policy type whose entries were counted (see `rollupsOf`). */
  readonly countedPolicyType: PolicyType;
  /** Successful sessions, by the counting rule. */
  readonly successfulSessions: number;
  /** Failed sessions, by the counting rule (from the summaries, not the details). */
  readonly failedSessions: number;
  /** The counted entries' failure details, grouped by result type and MX host. */
  readonly failures: FailureGroup[];
  /** The failed sessions the counted entries' details add up to (may differ from `failedSessions`). */
  readonly detailFailedSessions: number;
  /** Every entry the report lists for the domain, counted or not. */
  readonly entries: PolicyEntryCount[];
  /** The codes of the report's deviations. */
  readonly deviationCodes: string[];
  /**
   * How this copy of the report was authenticated (DKIM for email). Only a verified copy is
   * evidence; `reporter` is what the report says about itself, `authentication.reporterDomain`
   * who provably sent it.
   */
  readonly authentication: ReportAuthentication;
}

/** Session totals of one reporter. */
export interface ReporterTotals {
  /** The reporter. */
  readonly reporter: string;
  /** Distinct reports. */
  readonly reports: number;
  /** Successful sessions. */
  readonly successfulSessions: number;
  /** Failed sessions. */
  readonly failedSessions: number;
}

/** Session totals of one policy type, as the reporters listed them. */
export interface PolicyTypeTotals {
  /** The policy type. */
  readonly policyType: PolicyType;
  /** The raw type (differs from `policyType` only for `OTHER`). */
  readonly policyTypeRaw: string;
  /** Entries of this type. */
  readonly entries: number;
  /** Reports whose sessions were counted from this type. */
  readonly countedReports: number;
  /** Successful sessions listed under this type (a session listed under sts and tlsa is in both rows). */
  readonly successfulSessions: number;
  /** Failed sessions listed under this type. */
  readonly failedSessions: number;
}

/** Failed sessions of one result type. */
export interface ResultTypeTotals {
  /** The result type. */
  readonly resultType: ResultType;
  /** The raw result type (differs from `resultType` only for `OTHER`). */
  readonly resultTypeRaw: string;
  /** Failed sessions. */
  readonly failedSessions: number;
}

/** Failed sessions on one MX host. */
export interface MxHostTotals {
  /**
   * The MX host.
   * @default - failure details that name no MX host
   */
  readonly mxHost?: string;
  /** Failed sessions. */
  readonly failedSessions: number;
  /** Failed sessions by result type. */
  readonly byResultType: ResultTypeTotals[];
}

/** A report whose failure details do not add up to its summary. */
export interface SummaryMismatch {
  /** The report's idempotency key. */
  readonly idempotencyKey: string;
  /** The reporter. */
  readonly reporter: string;
  /** The report id. */
  readonly reportId: string;
  /** `total-failure-session-count` of the counted entries. */
  readonly summaryFailedSessions: number;
  /** The sum of their details' `failed-session-count`. */
  readonly detailFailedSessions: number;
}

/** The totals of a rollup, derived from its contributions (recomputed on every merge). */
export interface RollupTotals {
  /** Distinct reports. */
  readonly reports: number;
  /** Distinct reporters, sorted. */
  readonly reporters: string[];
  /** Successful sessions, each counted once (see `rollupsOf`). */
  readonly successfulSessions: number;
  /** Failed sessions, each counted once. */
  readonly failedSessions: number;
  /** Per reporter, sorted by reporter. */
  readonly byReporter: ReporterTotals[];
  /** Per policy type as listed (may add up to more than the totals: see `PolicyTypeTotals`). */
  readonly byPolicyType: PolicyTypeTotals[];
  /** Failed sessions per result type, from the counted entries' details, most first. */
  readonly byResultType: ResultTypeTotals[];
  /** Failed sessions per MX host, from the counted entries' details, most first. */
  readonly byMxHost: MxHostTotals[];
  /** Reports whose details add up to more or fewer failed sessions than their summary (details present only). */
  readonly summaryMismatches: SummaryMismatch[];
  /** Distinct reports whose preferred copy is DKIM-verified. */
  readonly verifiedReports: number;
  /** The verified reporters (organizational signing domains), sorted. */
  readonly verifiedReporters: string[];
  /** Copies beyond the first of a report: same idempotency key, different content (a forgery, or a corrected re-send). */
  readonly conflictingCopies: number;
}

/**
 * Everything known about one policy domain on one UTC day: the contributions of every distinct
 * copy of every report, and their totals. The collector writes one rollup per stored copy and
 * domain (so writes never race and no copy replaces another) and readers merge them with
 * `mergeRollups`; merging is commutative, associative and idempotent, so the order and number
 * of reads do not matter.
 */
export interface DailyRollup {
  /** `ROLLUP_SCHEMA_VERSION`. */
  readonly schemaVersion: number;
  /** The policy domain (lower-case A-labels). */
  readonly domain: string;
  /** The UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /**
   * One per distinct copy of each report, sorted by idempotency key (copies of one key: the
   * preferred one first, see `ReportAggregator`).
   */
  readonly contributions: ReportContribution[];
  /** Derived from `contributions`, one copy per report: the preferred one. */
  readonly totals: RollupTotals;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function groupFailures(entries: readonly ReportPolicy[]): { failures: FailureGroup[]; detailFailedSessions: number } {
  let any = false;
  for (const e of entries) any ||= e.failureDetails.length > 0;
  if (!any) return { failures: [], detailFailedSessions: 0 };
  // MX host ('' for none) -> the groups of that host, one per result type (a handful: a linear scan
  // beats a second map, and no key string is built per detail).
  const byHost = new Map<string, Array<Mutable<FailureGroup>>>();
  let detailFailedSessions = 0;
  let last: Mutable<FailureGroup> | undefined;
  for (const e of entries) {
    for (const d of e.failureDetails) {
      detailFailedSessions += d.failedSessions;
      // Consecutive details often share result type and host (one detail per sending IP).
      if (last !== undefined && last.resultTypeRaw === d.resultTypeRaw && last.mxHost === d.receivingMxHostname) {
        last.failedSessions += d.failedSessions;
        continue;
      }
      const host = d.receivingMxHostname ?? '';
      let groups = byHost.get(host);
      if (groups === undefined) {
        groups = [];
        byHost.set(host, groups);
      }
      let g: Mutable<FailureGroup> | undefined;
      for (const x of groups) {
        if (x.resultTypeRaw === d.resultTypeRaw) {
          g = x;
          break;
        }
      }
      if (g === undefined) {
        g =
          d.receivingMxHostname === undefined
            ? { resultType: d.resultType, resultTypeRaw: d.resultTypeRaw, failedSessions: d.failedSessions }
            : { resultType: d.resultType, resultTypeRaw: d.resultTypeRaw, mxHost: d.receivingMxHostname, failedSessions: d.failedSessions };
        groups.push(g);
      } else {
        g.failedSessions += d.failedSessions;
      }
      last = g;
    }
  }
  const failures: FailureGroup[] = [];
  for (const groups of byHost.values()) failures.push(...groups);
  failures.sort(byResultThenHost);
  return { failures, detailFailedSessions };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Splits a report into one single-contribution `DailyRollup` per policy domain: what the
 * collector writes, one object per report and domain.
 *
 * **Counting rule (no double counting).** Some reporters (Microsoft) list the same sessions
 * under an `sts` and a `tlsa` entry for the same domain. Per report and policy domain, the
 * sessions are therefore counted from the entries of one type only: `sts` when the report has
 * an sts entry for the domain, else `tlsa`, else `no-policy-found`, else the rest
 * (`COUNTED_POLICY_TYPE_ORDER`); several entries of that type are added up. The failure
 * details of the counted entries become `failures`; the other entries are kept in `entries`
 * (and in `RollupTotals.byPolicyType`) but add nothing to the totals. Totals use the summary
 * counts; details that add up differently are flagged (`summaryMismatches`), not corrected:
 * one session may fail several ways (Mail.ru lists two 1-session details for one failed session).
 *
 * Entries without a usable policy domain are not aggregated (their deviation says why).
 *
 * @param report a normalised report
 * @param authentication how this copy was authenticated (carried into every contribution)
 */
export function rollupsOf(report: TlsRptReport, authentication: ReportAuthentication = fileUnauthenticated()): DailyRollup[] {
  return contributionsOf(report, authentication).map((c) => makeRollup(c.domain, c.day, [c.contribution]));
}

/** What one report contributes to one domain and day. */
interface DomainContribution {
  readonly domain: string;
  readonly day: string;
  readonly contribution: ReportContribution;
}

/** The policies of a report grouped by policy domain (sorted), leaving out entries without one. */
function policiesByDomain(policies: readonly ReportPolicy[]): Array<[string, ReportPolicy[]]> {
  if (policies.length === 1) {
    const d = policies[0].policyDomain;
    return d === undefined ? [] : [[d, [policies[0]]]];
  }
  const byDomain = new Map<string, ReportPolicy[]>();
  for (const p of policies) {
    if (p.policyDomain === undefined) continue;
    const list = byDomain.get(p.policyDomain);
    if (list) list.push(p);
    else byDomain.set(p.policyDomain, [p]);
  }
  return [...byDomain.entries()].sort((a, b) => cmp(a[0], b[0]));
}

/** The most preferred policy type present among `entries` (`COUNTED_POLICY_TYPE_ORDER`). */
function countedTypeOf(entries: readonly ReportPolicy[]): PolicyType {
  let best = COUNTED_POLICY_TYPE_ORDER.length - 1;
  for (const e of entries) {
    const rank = COUNTED_POLICY_TYPE_ORDER.indexOf(e.policyType);
    if (rank < best) best = rank;
  }
  return COUNTED_POLICY_TYPE_ORDER[best];
}

function deviationCodesOf(report: TlsRptReport): string[] {
  return report.deviations.length === 0 ? [] : report.deviations.map((d) => d.code).sort();
}

/** The contribution of a report's `entries` for one domain, by the counting rule of `rollupsOf`. */
function contributionFor(report: TlsRptReport, entries: readonly ReportPolicy[], deviationCodes: string[], authentication: ReportAuthentication): ReportContribution {
  const countedPolicyType = countedTypeOf(entries);
  const counted = entries.length === 1 ? entries : entries.filter((e) => e.policyType === countedPolicyType);
  let successfulSessions = 0;
  let failedSessions = 0;
  for (const e of counted) {
    successfulSessions += e.successfulSessions;
    failedSessions += e.failedSessions;
  }
  const { failures, detailFailedSessions } = groupFailures(counted);
  return {
    idempotencyKey: report.idempotencyKey,
    reportId: report.reportId,
    reporter: report.organization,
    countedPolicyType,
    successfulSessions,
    failedSessions,
    failures,
    detailFailedSessions,
    entries: entries.map(entryCount),
    deviationCodes,
    authentication,
  };
}

function contributionsOf(report: TlsRptReport, authentication: ReportAuthentication): DomainContribution[] {
  const deviationCodes = deviationCodesOf(report);
  return policiesByDomain(report.policies).map(([domain, entries]) => ({ domain, day: report.day, contribution: contributionFor(report, entries, deviationCodes, authentication) }));
}

function entryCount(e: ReportPolicy): PolicyEntryCount {
  const out: { -readonly [K in keyof PolicyEntryCount]: PolicyEntryCount[K] } = {
    policyType: e.policyType,
    policyTypeRaw: e.policyTypeRaw,
    successfulSessions: e.successfulSessions,
    failedSessions: e.failedSessions,
  };
  if (e.stsPolicy?.mode !== undefined) out.stsMode = e.stsPolicy.mode;
  if (e.stsPolicy !== undefined) out.stsMx = e.stsPolicy.mx;
  return out;
}

function makeRollup(domain: string, day: string, contributions: ReportContribution[]): DailyRollup {
  return { schemaVersion: ROLLUP_SCHEMA_VERSION, domain, day, contributions, totals: totalsOf(contributions) };
}

// ---- copies: one idempotency key, several contents or authentications -----------------------

/** The order of preference among the authentications of one report's copies: evidence first. */
const AUTHENTICATION_RANK: readonly AuthenticationStatus[] = [
  AuthenticationStatus.VERIFIED,
  AuthenticationStatus.DKIM_TEMPERROR,
  AuthenticationStatus.DKIM_FAIL,
  AuthenticationStatus.DKIM_NONE,
  AuthenticationStatus.HTTPS_UNAUTHENTICATED,
  AuthenticationStatus.FILE_UNAUTHENTICATED,
];

const contentCache = new WeakMap<ReportContribution, string>();
const authCache = new WeakMap<ReportContribution, string>();

/** What a copy says, without how it was authenticated (JSON, keys sorted; computed once per object). */
export function contributionContent(c: ReportContribution): string {
  let s = contentCache.get(c);
  if (s === undefined) {
    const { authentication: _omit, ...content } = c;
    s = stableStringify(content);
    contentCache.set(c, s);
  }
  return s;
}

function authenticationText(c: ReportContribution): string {
  let s = authCache.get(c);
  if (s === undefined) {
    s = stableStringify(c.authentication);
    authCache.set(c, s);
  }
  return s;
}

/** Orders two copies of one report: the better-authenticated first, then by content and authentication, so the order never depends on input order. */
function byPreference(a: ReportContribution, b: ReportContribution): number {
  return (
    AUTHENTICATION_RANK.indexOf(a.authentication.status) - AUTHENTICATION_RANK.indexOf(b.authentication.status) ||
    cmp(contributionContent(a), contributionContent(b)) ||
    cmp(authenticationText(a), authenticationText(b))
  );
}

/** Contributions by idempotency key, then preferred copy first. */
function byKeyThenPreference(a: ReportContribution, b: ReportContribution): number {
  return cmp(a.idempotencyKey, b.idempotencyKey) || (a === b ? 0 : byPreference(a, b));
}

type TypeAcc = Mutable<PolicyTypeTotals> & { lastCounted: number };
type HostAcc = { mxHost?: string; failedSessions: number; results: Map<string, Mutable<ResultTypeTotals>> };

const byReporterName = (a: ReporterTotals, b: ReporterTotals): number => cmp(a.reporter, b.reporter);
const byTypeOrder = (a: PolicyTypeTotals, b: PolicyTypeTotals): number =>
  COUNTED_POLICY_TYPE_ORDER.indexOf(a.policyType) - COUNTED_POLICY_TYPE_ORDER.indexOf(b.policyType) || cmp(a.policyTypeRaw, b.policyTypeRaw);
const byResultCount = (a: ResultTypeTotals, b: ResultTypeTotals): number => b.failedSessions - a.failedSessions || cmp(a.resultTypeRaw, b.resultTypeRaw);
const byHostCount = (a: MxHostTotals, b: MxHostTotals): number => b.failedSessions - a.failedSessions || cmp(a.mxHost ?? '', b.mxHost ?? '');
const byMismatchKey = (a: SummaryMismatch, b: SummaryMismatch): number => cmp(a.idempotencyKey, b.idempotencyKey);
const byResultThenHost = (a: FailureGroup, b: FailureGroup): number => cmp(a.resultTypeRaw, b.resultTypeRaw) || cmp(a.mxHost ?? '', b.mxHost ?? '');

function totalsOf(contributions: readonly ReportContribution[]): RollupTotals {
  let successfulSessions = 0;
  let failedSessions = 0;
  const reporters = new Map<string, Mutable<ReporterTotals>>();
  const types = new Map<string, TypeAcc>();
  const results = new Map<string, Mutable<ResultTypeTotals>>();
  const hosts = new Map<string, HostAcc>();
  const summaryMismatches: SummaryMismatch[] = [];
  const verifiedReporters = new Set<string>();
  let reports = 0;
  let verifiedReports = 0;
  let conflictingCopies = 0;
  for (let i = 0; i < contributions.length; i++) {
    const c = contributions[i];
    // Sorted by key, preferred copy first: the other copies of a key are counted as conflicts only.
    if (i > 0 && contributions[i - 1].idempotencyKey === c.idempotencyKey) {
      conflictingCopies++;
      continue;
    }
    reports++;
    if (isVerified(c.authentication)) {
      verifiedReports++;
      verifiedReporters.add(c.authentication.reporterDomain!);
    }
    successfulSessions += c.successfulSessions;
    failedSessions += c.failedSessions;
    let r = reporters.get(c.reporter);
    if (r === undefined) {
      r = { reporter: c.reporter, reports: 0, successfulSessions: 0, failedSessions: 0 };
      reporters.set(c.reporter, r);
    }
    r.reports++;
    r.successfulSessions += c.successfulSessions;
    r.failedSessions += c.failedSessions;
    for (const e of c.entries) {
      let t = types.get(e.policyTypeRaw);
      if (t === undefined) {
        t = { policyType: e.policyType, policyTypeRaw: e.policyTypeRaw, entries: 0, countedReports: 0, successfulSessions: 0, failedSessions: 0, lastCounted: -1 };
        types.set(e.policyTypeRaw, t);
      }
      t.entries++;
      t.successfulSessions += e.successfulSessions;
      t.failedSessions += e.failedSessions;
      if (e.policyType === c.countedPolicyType && t.lastCounted !== i) {
        t.lastCounted = i;
        t.countedReports++;
      }
    }
    for (const f of c.failures) {
      let rt = results.get(f.resultTypeRaw);
      if (rt === undefined) {
        rt = { resultType: f.resultType, resultTypeRaw: f.resultTypeRaw, failedSessions: 0 };
        results.set(f.resultTypeRaw, rt);
      }
      rt.failedSessions += f.failedSessions;
      const hk = f.mxHost ?? '';
      let h = hosts.get(hk);
      if (h === undefined) {
        h = f.mxHost === undefined ? { failedSessions: 0, results: new Map() } : { mxHost: f.mxHost, failedSessions: 0, results: new Map() };
        hosts.set(hk, h);
      }
      h.failedSessions += f.failedSessions;
      let hr = h.results.get(f.resultTypeRaw);
      if (hr === undefined) {
        hr = { resultType: f.resultType, resultTypeRaw: f.resultTypeRaw, failedSessions: 0 };
        h.results.set(f.resultTypeRaw, hr);
      }
      hr.failedSessions += f.failedSessions;
    }
    if (c.failures.length > 0 && c.detailFailedSessions !== c.failedSessions) {
      summaryMismatches.push({
        idempotencyKey: c.idempotencyKey,
        reporter: c.reporter,
        reportId: c.reportId,
        summaryFailedSessions: c.failedSessions,
        detailFailedSessions: c.detailFailedSessions,
      });
    }
  }
  const byMxHost: MxHostTotals[] = [];
  for (const h of hosts.values()) {
    const byResultType = [...h.results.values()].sort(byResultCount);
    byMxHost.push(h.mxHost === undefined ? { failedSessions: h.failedSessions, byResultType } : { mxHost: h.mxHost, failedSessions: h.failedSessions, byResultType });
  }
  const byPolicyType: PolicyTypeTotals[] = [];
  for (const t of types.values()) {
    byPolicyType.push({
      policyType: t.policyType,
      policyTypeRaw: t.policyTypeRaw,
      entries: t.entries,
      countedReports: t.countedReports,
      successfulSessions: t.successfulSessions,
      failedSessions: t.failedSessions,
    });
  }
  return {
    reports,
    reporters: [...reporters.keys()].sort(),
    successfulSessions,
    failedSessions,
    byReporter: [...reporters.values()].sort(byReporterName),
    byPolicyType: byPolicyType.sort(byTypeOrder),
    byResultType: [...results.values()].sort(byResultCount),
    byMxHost: byMxHost.sort(byHostCount),
    summaryMismatches: summaryMismatches.sort(byMismatchKey),
    verifiedReports,
    verifiedReporters: [...verifiedReporters].sort(),
    conflictingCopies,
  };
}

/**
 * Accumulates reports and stored rollups into one rollup per domain and day, without keeping the
 * reports: what a reader of the store, the CLI and the benchmark use. `mergeRollups` and
 * `aggregateReports` are built on it.
 *
 * **Copies.** A report (idempotency key) may arrive several times. Copies with the same content
 * (the contribution without its authentication) are one copy, which keeps the best
 * authentication seen (verified first). Copies that differ in content are all kept, side by side:
 * the idempotency key is built from what the report says about itself, so anyone can send a
 * "copy" of someone else's report, and no copy may replace another. The rollup's totals count
 * one copy per key, the preferred one (best authenticated, then by content); `assessReadiness`
 * decides what conflicting copies mean. The result never depends on the order of the input.
 * Totals are computed from the contributions when `rollups()` is called, never summed from
 * stored totals.
 *
 * @example
 * const agg = new ReportAggregator();
 * for (const bytes of inputs) agg.add(parseReportBody(bytes), httpsUnauthenticated());
 * const rollups = agg.rollups();
 */
export class ReportAggregator {
  // domain -> day -> idempotency key -> distinct copies
  private readonly groups = new Map<string, Map<string, Map<string, ReportContribution[]>>>();
  private duplicateCount = 0;

  /** Contributions added again with a content already present under their key (the same report seen twice). */
  public get duplicates(): number {
    return this.duplicateCount;
  }

  /**
   * Adds a normalised report (split by `rollupsOf`'s counting rule).
   *
   * @param report the report
   * @param authentication how this copy was authenticated
   */
  public add(report: TlsRptReport, authentication: ReportAuthentication = fileUnauthenticated()): this {
    const policies = report.policies;
    if (policies.length === 1) {
      // The common case, without the grouping arrays.
      const domain = policies[0].policyDomain;
      if (domain !== undefined) this.addContribution(domain, report.day, contributionFor(report, policies, deviationCodesOf(report), authentication));
      return this;
    }
    const deviationCodes = deviationCodesOf(report);
    for (const [domain, entries] of policiesByDomain(policies)) this.addContribution(domain, report.day, contributionFor(report, entries, deviationCodes, authentication));
    return this;
  }

  /** Adds a rollup (for example one read back with `rollupFromJson`). */
  public addRollup(rollup: DailyRollup): this {
    for (const c of rollup.contributions) this.addContribution(rollup.domain, rollup.day, c);
    return this;
  }

  /** The merged rollups, sorted by domain then day, contributions sorted by idempotency key, preferred copy first. */
  public rollups(): DailyRollup[] {
    const out: DailyRollup[] = [];
    for (const domain of [...this.groups.keys()].sort()) {
      const days = this.groups.get(domain)!;
      for (const day of [...days.keys()].sort()) {
        const contributions: ReportContribution[] = [];
        for (const copies of days.get(day)!.values()) contributions.push(...copies);
        out.push(makeRollup(domain, day, contributions.sort(byKeyThenPreference)));
      }
    }
    return out;
  }

  private addContribution(domain: string, day: string, c: ReportContribution): void {
    let days = this.groups.get(domain);
    if (days === undefined) {
      days = new Map();
      this.groups.set(domain, days);
    }
    let byKey = days.get(day);
    if (byKey === undefined) {
      byKey = new Map();
      days.set(day, byKey);
    }
    const copies = byKey.get(c.idempotencyKey);
    if (copies === undefined) {
      byKey.set(c.idempotencyKey, [c]);
      return;
    }
    for (let i = 0; i < copies.length; i++) {
      if (copies[i] === c || contributionContent(copies[i]) === contributionContent(c)) {
        this.duplicateCount++;
        // The same content: keep the better-authenticated copy (deterministic on ties).
        if (copies[i] !== c && byPreference(c, copies[i]) < 0) copies[i] = c;
        return;
      }
    }
    copies.push(c);
  }
}

/**
 * Merges rollups into one rollup per domain and day, sorted by domain then day (see
 * `ReportAggregator` for duplicates and conflicts). Merging is commutative, associative and
 * idempotent.
 *
 * @param rollups rollups of any domains and days, for example one per report as stored
 */
export function mergeRollups(rollups: Iterable<DailyRollup>): DailyRollup[] {
  const agg = new ReportAggregator();
  for (const r of rollups) agg.addRollup(r);
  return agg.rollups();
}

/** JSON with object keys sorted, so equal values serialise equally whatever their key order. */
function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as { readonly [key: string]: unknown };
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Aggregates normalised reports into merged daily rollups (the counting rule of `rollupsOf`,
 * merged as by `mergeRollups`): duplicates count once, and no session counts twice.
 *
 * @param reports normalised reports
 */
export function aggregateReports(reports: Iterable<TlsRptReport>): DailyRollup[] {
  const agg = new ReportAggregator();
  for (const r of reports) agg.add(r);
  return agg.rollups();
}

// ---- reading stored rollups ------------------------------------------------------------------

/** Thrown by `rollupFromJson` when a stored object is not a rollup; the message names the field. */
export class RollupFormatError extends Error {
  /** @param message names the field, the value and what was expected */
  constructor(message: string) {
    super(message);
    this.name = 'RollupFormatError';
  }
}

type Obj = { readonly [key: string]: unknown };

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RollupFormatError(`\`${field}\` must be an object, got ${show(v)}`);
  return v as Obj;
}
function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new RollupFormatError(`\`${field}\` must be a string, got ${show(v)}`);
  return v;
}
function count(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new RollupFormatError(`\`${field}\` must be a whole number, 0 or more, got ${show(v)}`);
  return v;
}
function arr(v: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new RollupFormatError(`\`${field}\` must be an array, got ${show(v)}`);
  return v;
}
function policyType(v: unknown, field: string): PolicyType {
  const t = Object.values(PolicyType).find((p) => p === v);
  if (t === undefined) throw new RollupFormatError(`\`${field}\` must be one of ${Object.values(PolicyType).join(', ')}, got ${show(v)}`);
  return t;
}
function resultType(v: unknown, field: string): ResultType {
  const t = Object.values(ResultType).find((p) => p === v);
  if (t === undefined) throw new RollupFormatError(`\`${field}\` must be a result type, got ${show(v)}`);
  return t;
}

function contributionFromJson(v: unknown, field: string, legacy: boolean): ReportContribution {
  const o = obj(v, field);
  const idempotencyKey = str(o.idempotencyKey, `${field}.idempotencyKey`);
  if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) throw new RollupFormatError(`\`${field}.idempotencyKey\` must be 32 hex digits, got ${show(idempotencyKey)}`);
  const failures = arr(o.failures, `${field}.failures`).map((fv, i) => {
    const f = obj(fv, `${field}.failures[${i}]`);
    const rt = resultType(f.resultType, `${field}.failures[${i}].resultType`);
    const raw = str(f.resultTypeRaw, `${field}.failures[${i}].resultTypeRaw`);
    const n = count(f.failedSessions, `${field}.failures[${i}].failedSessions`);
    const group: FailureGroup =
      f.mxHost === undefined
        ? { resultType: rt, resultTypeRaw: raw, failedSessions: n }
        : { resultType: rt, resultTypeRaw: raw, mxHost: str(f.mxHost, `${field}.failures[${i}].mxHost`), failedSessions: n };
    return group;
  });
  const entries = arr(o.entries, `${field}.entries`).map((ev, i) => {
    const e = obj(ev, `${field}.entries[${i}]`);
    const out: { -readonly [K in keyof PolicyEntryCount]: PolicyEntryCount[K] } = {
      policyType: policyType(e.policyType, `${field}.entries[${i}].policyType`),
      policyTypeRaw: str(e.policyTypeRaw, `${field}.entries[${i}].policyTypeRaw`),
      successfulSessions: count(e.successfulSessions, `${field}.entries[${i}].successfulSessions`),
      failedSessions: count(e.failedSessions, `${field}.entries[${i}].failedSessions`),
    };
    if (e.stsMode !== undefined) {
      const m = typeof e.stsMode === 'string' ? modeFromString(e.stsMode) : undefined;
      if (m === undefined) throw new RollupFormatError(`\`${field}.entries[${i}].stsMode\` must be enforce, testing or none, got ${show(e.stsMode)}`);
      out.stsMode = m;
    }
    if (e.stsMx !== undefined) out.stsMx = arr(e.stsMx, `${field}.entries[${i}].stsMx`).map((m, j) => str(m, `${field}.entries[${i}].stsMx[${j}]`));
    return out;
  });
  return {
    idempotencyKey,
    reportId: str(o.reportId, `${field}.reportId`),
    reporter: str(o.reporter, `${field}.reporter`),
    countedPolicyType: policyType(o.countedPolicyType, `${field}.countedPolicyType`),
    successfulSessions: count(o.successfulSessions, `${field}.successfulSessions`),
    failedSessions: count(o.failedSessions, `${field}.failedSessions`),
    failures,
    detailFailedSessions: count(o.detailFailedSessions, `${field}.detailFailedSessions`),
    entries,
    deviationCodes: arr(o.deviationCodes, `${field}.deviationCodes`).map((d, i) => str(d, `${field}.deviationCodes[${i}]`)),
    authentication: legacy ? LEGACY_AUTHENTICATION : authenticationFromJson(o.authentication, `${field}.authentication`),
  };
}

/** What a version 1 rollup (written before reports were authenticated) is read as: unverified. */
const LEGACY_AUTHENTICATION: ReportAuthentication = {
  status: AuthenticationStatus.FILE_UNAUTHENTICATED,
  reason: AuthenticationReason.FILE,
  detail: 'stored by a version of cdk-mta-sts that did not authenticate reports',
};

function enumValue<T extends string>(values: readonly T[], v: unknown, field: string): T {
  const t = values.find((x) => x === v);
  if (t === undefined) throw new RollupFormatError(`\`${field}\` must be one of ${values.join(', ')}, got ${show(v)}`);
  return t;
}

function optionalName(v: unknown, field: string): string | undefined {
  if (v === undefined) return undefined;
  const s = str(v, field);
  if (s.length > 253) throw new RollupFormatError(`\`${field}\` must be a domain name of at most 253 characters, got ${s.length} characters`);
  return s;
}

function authenticationFromJson(v: unknown, field: string): ReportAuthentication {
  const o = obj(v, field);
  const status = enumValue(Object.values(AuthenticationStatus), o.status, `${field}.status`);
  const reason = enumValue(Object.values(AuthenticationReason), o.reason, `${field}.reason`);
  const reporterDomain = optionalName(o.reporterDomain, `${field}.reporterDomain`);
  if ((status === AuthenticationStatus.VERIFIED) !== (reporterDomain !== undefined)) {
    throw new RollupFormatError(`\`${field}.reporterDomain\` must be given exactly when the status is verified, got status ${show(status)} and reporterDomain ${show(reporterDomain)}`);
  }
  const out: { -readonly [K in keyof ReportAuthentication]: ReportAuthentication[K] } = { status, reason, detail: str(o.detail, `${field}.detail`) };
  if (reporterDomain !== undefined) out.reporterDomain = reporterDomain;
  const signingDomain = optionalName(o.signingDomain, `${field}.signingDomain`);
  if (signingDomain !== undefined) out.signingDomain = signingDomain;
  const selector = optionalName(o.selector, `${field}.selector`);
  if (selector !== undefined) out.selector = selector;
  return out;
}

/**
 * Reads a stored rollup (parsed JSON) back, checking its shape and recomputing its totals from
 * its contributions (stored totals are never trusted). A version 1 rollup's contributions are
 * read as unverified. The recorded authentication is taken as written: only the collector's
 * processor can write the report store (its bucket policy), which is the trust boundary; a
 * rollup file read from disk is downgraded by its reader (see the CLI).
 *
 * @param value the parsed JSON of a rollup object
 * @throws RollupFormatError naming the first field that is wrong
 */
export function rollupFromJson(value: unknown): DailyRollup {
  const o = obj(value, 'rollup');
  if (o.schemaVersion !== ROLLUP_SCHEMA_VERSION && o.schemaVersion !== 1) {
    throw new RollupFormatError(`\`schemaVersion\` must be 1 or ${ROLLUP_SCHEMA_VERSION}, got ${show(o.schemaVersion)}: the rollup was written by another version of cdk-mta-sts`);
  }
  const legacy = o.schemaVersion === 1;
  const domain = str(o.domain, 'domain');
  const day = str(o.day, 'day');
  if (!isDay(day)) throw new RollupFormatError(`\`day\` must be a UTC day written YYYY-MM-DD, got ${show(day)}`);
  const contributions = arr(o.contributions, 'contributions').map((c, i) => contributionFromJson(c, `contributions[${i}]`, legacy));
  return mergeRollups([{ schemaVersion: ROLLUP_SCHEMA_VERSION, domain, day, contributions, totals: totalsOf([]) }])[0] ?? makeRollup(domain, day, []);
}

/** True when a parsed JSON value looks like a stored rollup (has `schemaVersion` and `contributions`). */
export function looksLikeRollup(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'schemaVersion' in value && 'contributions' in value && 'domain' in value;
}
