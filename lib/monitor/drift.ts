// The drift comparison of the monitor and of `mta-sts check --stage`: the live state as the
// checker read it (a CheckReport) against what the app publishes (MonitorDomainConfig). Pure: no
// network, no clock of its own (the caller passes `now`). The checker's own findings keep their
// codes; this module adds the `drift-*` and `reporter-quiet` findings and raises the policy host's
// certificate expiry to an error inside the error threshold. Where the hosted zone is the app's,
// the zone's MX record sets (read by the caller) are matched against the served policy too, with
// the MX guard's and `plan`'s assessment (lib/plan/mx-assessment): a change in the zone is seen
// before resolvers' caches expire.
import { LiveRecordSet } from '../aws/record-set';
import { CheckReport, reportFindings } from '../check/check-report';
import { assessMx } from '../plan/mx-assessment';
import { error, Finding, info, Severity, show, warning } from '../policy/findings';
import { MtaStsMode } from '../policy/mode';
import { policyIdOf } from '../policy/policy';
import { mtaStsRecordName, policyUrl, tlsRptRecordName } from '../policy/records';
import { DEFAULT_DRIFT_THRESHOLDS, DriftThresholds, MonitorDomainConfig } from './monitor-config';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The checker's codes for a DNS lookup that failed: the value was not read, so it cannot have drifted. */
const DNS_FAILURE_CODES = new Set(['dns-servfail', 'dns-refused', 'dns-timeout', 'dns-server-unreachable', 'dns-failed']);

/** The most reporters compared per domain (the names come from reports: bound the fan-out). */
export const MAX_REPORTERS = 100;

/** The most zone MX hosts reported per domain (a zone can hold hundreds of values: bound the findings). */
export const MAX_ZONE_MX_FINDINGS = 20;

/** The domain's MX record sets in its Route 53 hosted zone, as the caller read them (or why not). */
export interface ZoneMx {
  /** The bare hosted zone id. */
  readonly hostedZoneId: string;
  /**
   * The MX record sets at the domain, every routing variant.
   * @default - not read: `error` says why
   */
  readonly sets?: readonly LiveRecordSet[];
  /**
   * Why the record sets could not be read: one sentence naming what is missing.
   * @default - they were read
   */
  readonly error?: string;
}

/** When one reporter last reported for a domain. */
export interface ReporterActivity {
  /** The reporter (the report's `organization-name`, as the collector's rollups hold it). */
  readonly reporter: string;
  /** The last report day seen, `YYYY-MM-DD`. */
  readonly lastSeenDay: string;
}

/** What to compare. */
export interface DriftInput {
  /** What the app publishes for the domain. */
  readonly expected: MonitorDomainConfig;
  /** What the checker saw (run with `certExpiryWarningDays` at least the warning threshold). */
  readonly report: CheckReport;
  /** The clock. */
  readonly now: Date;
  /**
   * Reporters' last report days, when a collector's rollups were read.
   * @default - the reporter check is skipped
   */
  readonly reporters?: readonly ReporterActivity[];
  /**
   * The thresholds.
   * @default DEFAULT_DRIFT_THRESHOLDS
   */
  readonly thresholds?: DriftThresholds;
  /**
   * The domain's MX record sets in its hosted zone, when the zone is the app's.
   * @default - the MX records are compared as DNS shows them only
   */
  readonly zoneMx?: ZoneMx;
}

/**
 * Every finding for one domain: the checker's (the policy host's expiring certificate raised to an
 * error within `certErrorDays`) followed by the drift findings. Same codes as `mta-sts check`.
 */
export function monitorFindings(input: DriftInput): Finding[] {
  const t = input.thresholds ?? DEFAULT_DRIFT_THRESHOLDS;
  const daysLeft = input.report.fetch?.tls?.daysLeft;
  const checked = reportFindings(input.report).map((f) =>
    f.code === 'https-cert-expiring' && daysLeft !== undefined && daysLeft < t.certErrorDays
      ? { ...f, severity: Severity.ERROR, message: `${f.message} (the monitor alarms within ${t.certErrorDays} days)` }
      : f,
  );
  return [...checked, ...driftFindings(input)];
}

/** The drift findings alone: served body, `_mta-sts` id, `_smtp._tls`, the zone's MX and reporters. */
export function driftFindings(input: DriftInput): Finding[] {
  return [
    ...policyDrift(input.expected, input.report),
    ...tlsRptDrift(input.expected, input.report),
    ...(input.zoneMx ? zoneMxFindings(input.expected, input.report, input.zoneMx) : []),
    ...reporterDrift(input),
  ];
}

/**
 * The zone's MX hosts that the policy senders hold does not cover: the served policy (or, when it
 * was not read, the published one, which senders cache), the checker's `mx-not-covered` code, an
 * error under enforce and a warning under testing. Hosts the checker already judged from DNS are
 * left to it. A zone that could not be read is `route53-unreadable` (a warning: nothing was
 * compared, nothing is known to have drifted).
 */
export function zoneMxFindings(expected: MonitorDomainConfig, report: CheckReport, zone: ZoneMx): Finding[] {
  const where = `hosted zone ${zone.hostedZoneId}`;
  if (zone.sets === undefined) {
    return [
      warning(
        'route53-unreadable',
        `${expected.domain} MX (${where})`,
        `the MX record sets of ${expected.domain} in ${where} could not be read (${zone.error ?? 'no answer'}): ` +
          'this run compared the MX records as DNS shows them only; fix the permission or retry (the next run reads the zone again)',
      ),
    ];
  }
  const served = report.policy?.mode !== undefined ? report.policy : undefined;
  const mode = served?.mode ?? expected.mode;
  const patterns = served?.mx ?? expected.mx;
  const which = served ? 'served' : 'published (the served policy was not read)';
  const judged = new Set(report.mx.filter((p) => p.covered !== undefined).map((p) => p.host));
  const hosts = assessMx(patterns, zone.sets).uncoveredHosts.filter((h) => !judged.has(h));
  return hosts.slice(0, MAX_ZONE_MX_FINDINGS).map((host) => {
    const effect =
      mode === MtaStsMode.ENFORCE
        ? 'under enforce senders refuse to deliver to it as soon as their resolvers see it'
        : mode === MtaStsMode.TESTING
          ? 'senders will report every delivery to it as a failure, and under enforce would refuse it'
          : 'under testing or enforce senders would refuse it';
    const message =
      `MX host ${host} is in ${where} at ${expected.domain}, which DNS does not show yet (or was not read), and no mx pattern of the ${which} policy ` +
      `(${patterns.join(', ') || '(none)'}) matches it: ${effect}; a wildcard covers exactly one label; ` +
      `add "${host}" to the domain's \`mx\` and deploy before the old MX set expires from caches, or remove the record from the zone`;
    const severity = mode === MtaStsMode.ENFORCE ? Severity.ERROR : mode === MtaStsMode.TESTING ? Severity.WARNING : Severity.INFO;
    return { code: 'mx-not-covered', severity, field: host, message };
  });
}

/** True when the checker could not read `name` (a DNS failure, or every lookup skipped). */
function notRead(report: CheckReport, name: string): boolean {
  return reportFindings(report).some((f) => f.code === 'check-skipped' || (DNS_FAILURE_CODES.has(f.code) && f.field.startsWith(`${name} `)));
}

function policyDrift(expected: MonitorDomainConfig, report: CheckReport): Finding[] {
  const served = report.fetch?.text;
  if (served === undefined) return [];
  const findings: Finding[] = [];
  const url = policyUrl(expected.domain);
  const recordName = mtaStsRecordName(expected.domain);
  const liveId = report.policyId;
  const servedId = policyIdOf(served);
  if (served !== expected.policyText) {
    const live = report.policy ? `mode ${report.policy.mode ?? '(invalid)'}, mx ${report.policy.mx.join(', ') || '(none)'}` : 'an unreadable policy';
    const cached = liveId === expected.policyId ? `; ${recordName} already carries the published id ${expected.policyId}, so senders that fetch the stale body cache it until its max_age` : '';
    findings.push(
      error(
        'drift-policy-body',
        url,
        `${url} serves a body that is not the one this app published (served: ${live}; published: mode ${expected.mode}, mx ${expected.mx.join(', ')})${cached}: ` +
          'a stale CDN edge or an out-of-band edit of the bucket; deploy the stage again (it rewrites the body and invalidates the edge), and find who edited it',
      ),
    );
  }
  if (!expected.idFromBody || liveId === undefined || notRead(report, recordName)) return findings;
  const bodyMatches = served === expected.policyText;
  if (liveId !== servedId && (bodyMatches || liveId !== expected.policyId)) {
    findings.push(
      error(
        'drift-policy-id',
        `${recordName} TXT`,
        `${recordName} carries id ${show(liveId)}, but the served body's id is ${show(servedId)}${bodyMatches ? '' : ` and the published id ${show(expected.policyId)}`}: ` +
          'the record was edited outside the app, so senders may keep a cached policy after the next change; deploy the stage again to restore "v=STSv1; id=' + expected.policyId + ';"',
      ),
    );
  }
  return findings;
}

function tlsRptDrift(expected: MonitorDomainConfig, report: CheckReport): Finding[] {
  const name = tlsRptRecordName(expected.domain);
  if (notRead(report, name)) return [];
  const live = report.tlsRptRecord;
  if (live === expected.tlsRptRecord || (live === undefined && expected.tlsRptRecord === null)) return [];
  const field = `${name} TXT`;
  if (expected.tlsRptRecord === null) {
    return [info('drift-tls-rpt-record', field, `${name} holds ${show(live)}, but this app publishes no TLS-RPT record for ${expected.domain}: someone else manages it; give the stage's \`tlsRpt\` to own it`)];
  }
  return [
    warning(
      'drift-tls-rpt-record',
      field,
      `${name} holds ${live === undefined ? 'no single "v=TLSRPTv1;" record' : show(live)}, but this app publishes ${show(expected.tlsRptRecord)}: ` +
        'reports go elsewhere (or nowhere); deploy the stage again, or remove the record added outside the app',
    ),
  ];
}

/** Whole days from `day` (YYYY-MM-DD) to the UTC day of `now`. */
function ageInDays(day: string, now: Date): number | undefined {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(ms)) return undefined;
  const today = Math.floor(now.getTime() / DAY_MS);
  return today - Math.floor(ms / DAY_MS);
}

function reporterDrift(input: DriftInput): Finding[] {
  const t = input.thresholds ?? DEFAULT_DRIFT_THRESHOLDS;
  const findings: Finding[] = [];
  for (const r of (input.reporters ?? []).slice(0, MAX_REPORTERS)) {
    const age = ageInDays(r.lastSeenDay, input.now);
    if (age === undefined || age > t.reporterWindowDays || age <= t.reporterQuietDays) continue;
    const name = r.reporter.slice(0, 64);
    findings.push(
      warning(
        'reporter-quiet',
        `reporter ${show(name)}`,
        `${show(name)} reported on ${input.expected.domain} within the last ${t.reporterWindowDays} days, but its last report covers ${r.lastSeenDay} (${age} days ago): ` +
          `check that ${tlsRptRecordName(input.expected.domain)} still points at the collector, that the collector receives (its QuarantineAlarm, the SES receipt rule), or whether ${show(name)} stopped sending to ${input.expected.domain}`,
      ),
    );
  }
  return findings;
}

/**
 * Each reporter's last report day from `(reporter, day)` sightings, sorted by reporter; at most
 * `MAX_REPORTERS`, those seen most recently first.
 */
export function reporterActivity(sightings: Iterable<{ readonly reporter: string; readonly day: string }>): ReporterActivity[] {
  const last = new Map<string, string>();
  for (const s of sightings) {
    const prev = last.get(s.reporter);
    if (prev === undefined || s.day > prev) last.set(s.reporter, s.day);
  }
  return [...last.entries()]
    .sort((a, b) => (a[1] !== b[1] ? (a[1] < b[1] ? 1 : -1) : a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_REPORTERS)
    .map(([reporter, lastSeenDay]) => ({ reporter, lastSeenDay }))
    .sort((a, b) => (a.reporter < b.reporter ? -1 : 1));
}

/** Counts of `findings` by severity. */
export function severityCounts(findings: readonly Finding[]): Record<Severity, number> {
  const counts = { [Severity.ERROR]: 0, [Severity.WARNING]: 0, [Severity.INFO]: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/**
 * Whether the reporter check is due on the run at `now` for a schedule every `intervalMs`: only
 * on the first run of each UTC day (rollups change once a day; the check lists and reads them).
 */
export function reporterCheckDue(now: Date, intervalMs: number): boolean {
  return now.getTime() % DAY_MS < Math.min(intervalMs, DAY_MS);
}
