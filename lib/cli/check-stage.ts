import { checkDomain } from '../check/check-domain';
import { CheckOptions, resolveCheckOptions } from '../check/check-options';
import { CheckExitCode, CheckReport, DNS_UNUSABLE_CODE } from '../check/check-report';
import { checkDelegation, DelegationCheck, DelegationSpec } from '../check/delegation-check';
import { DnsLookup } from '../check/dns-lookup';
import { publishedDomain } from '../config/published-domain';
import { ResolvedDomain, ResolvedStage } from '../config/stage-config';
import { Finding, Severity } from '../policy/findings';
import { mapBounded } from '../monitor/bounded';
import { monitorFindings, severityCounts } from '../monitor/drift';
import { DEFAULT_DRIFT_THRESHOLDS, MonitorDomainConfig } from '../monitor/monitor-config';
import { CliContext } from './program';
import { StageOptions, stageDomains } from './stage-domains';
import { safeJson, terminalSafe } from '../reports/untrusted-text';

/** How many domains `check --stage` checks at once. */
export const STAGE_CHECK_CONCURRENCY = 8;

/** The verdict of one domain. */
export enum StageVerdict {
  OK = 'ok',
  WARNINGS = 'warnings',
  ERRORS = 'errors',
}

/** One domain of a stage, checked live and compared with what the stage publishes. */
export interface StageDomainCheck {
  readonly domain: string;
  /** The mode the stage publishes. */
  readonly mode: string;
  readonly verdict: StageVerdict;
  readonly errors: number;
  readonly warnings: number;
  /** For a domain on external DNS, its CNAMEs' findings (`delegation-*`); then the checker's, then the comparison's (the monitor's codes). */
  readonly findings: Finding[];
  /** The checker's full report. */
  readonly report: CheckReport;
  /**
   * For a domain on external DNS: its CNAMEs at the DNS provider, verified through DNS.
   * @default - none: the domain's records are in its own Route 53 zone
   */
  readonly delegation?: DelegationCheck;
}

/** The result of `check --stage`. */
export interface StageCheck {
  readonly stage: string;
  readonly domains: StageDomainCheck[];
}

/** What the stage publishes for `d`, as the monitor's expectation. */
export function expectationOf(stage: string, d: ResolvedDomain): MonitorDomainConfig {
  const p = publishedDomain(stage, d);
  return { domain: p.domain, mode: p.mode, mx: [...p.mx], policyText: p.policyText, policyId: p.policyId, idFromBody: !d.policy.idOverridden, tlsRptRecord: p.tlsRptRecord?.value ?? null };
}

/** What `checkDelegation` verifies for `d`, when it is on external DNS. */
export function delegationSpecOf(d: ResolvedDomain, routingEndpoint?: string): DelegationSpec | undefined {
  if (d.delegationZone === undefined) return undefined;
  return { domain: d.domainName, delegationZone: d.delegationZone.zoneName, publishesTlsRpt: d.tlsRpt.length > 0, routingEndpoint };
}

/**
 * The routing endpoint the `mta-sts.<domain>` CNAMEs are compared with, for `check --stage` and
 * `plan` (see `knownRoutingEndpoint` in stage-outputs). When it is unknown, stderr says why and
 * the result is undefined: the CNAMEs are then checked to lead into cloudfront.net only.
 */
export async function routingEndpointForCnames(stage: ResolvedStage | undefined, given: string | undefined, ctx: CliContext): Promise<string | undefined> {
  // Loaded here: a stage without external domains does not pay for the CloudFormation client.
  const { knownRoutingEndpoint } = await import('./stage-outputs');
  const known = await knownRoutingEndpoint(stage, given);
  if (known.name === undefined) {
    ctx.err(`mta-sts: the routing endpoint is not known (${known.unknownBecause}): each mta-sts.<domain> CNAME is only checked to lead into cloudfront.net\n`);
  }
  return known.name;
}

/**
 * Checks every domain of `expected` live (at most `concurrency` at once) and compares each with
 * its expectation, with the monitor's rules and thresholds; a domain with an entry in
 * `delegations` (on external DNS) has its CNAMEs verified first (`checkDelegation`), through the
 * same resolver. `onDone` reports progress.
 */
export async function checkStageDomains(
  stage: string,
  expected: readonly MonitorDomainConfig[],
  check: CheckOptions,
  concurrency = STAGE_CHECK_CONCURRENCY,
  onDone?: (done: number, total: number) => void,
  delegations: ReadonlyMap<string, DelegationSpec> = new Map(),
): Promise<StageCheck> {
  const t = DEFAULT_DRIFT_THRESHOLDS;
  const lookup = delegations.size > 0 ? new DnsLookup(resolveCheckOptions(check)) : undefined;
  const domains = await mapBounded(
    expected,
    concurrency,
    async (e): Promise<StageDomainCheck> => {
      const now = check.now ?? new Date();
      const spec = delegations.get(e.domain);
      const [delegation, report] = await Promise.all([
        spec === undefined ? Promise.resolve(undefined) : checkDelegation(lookup!, spec),
        checkDomain(e.domain, { ...check, certExpiryWarningDays: t.certWarningDays, now }),
      ]);
      const findings = [...(delegation?.findings ?? []), ...monitorFindings({ expected: e, report, now, thresholds: t })];
      const c = severityCounts(findings);
      const verdict = c[Severity.ERROR] > 0 ? StageVerdict.ERRORS : c[Severity.WARNING] > 0 ? StageVerdict.WARNINGS : StageVerdict.OK;
      return { domain: e.domain, mode: e.mode, verdict, errors: c[Severity.ERROR], warnings: c[Severity.WARNING], findings, report, ...(delegation ? { delegation } : {}) };
    },
    (done) => onDone?.(done, expected.length),
  );
  return { stage, domains };
}

/** The exit code of `check --stage`: that of `check` for the worst domain. */
export function stageExitCode(result: StageCheck, strict: boolean): CheckExitCode {
  if (result.domains.some((d) => d.findings.some((f) => f.code === DNS_UNUSABLE_CODE))) return CheckExitCode.DNS_UNUSABLE;
  if (result.domains.some((d) => d.errors > 0)) return CheckExitCode.ERRORS;
  if (strict && result.domains.some((d) => d.warnings > 0)) return CheckExitCode.WARNINGS;
  return CheckExitCode.OK;
}

/** The summary table (domain, mode, verdict, errors, warnings), then each error and warning with its code. */
export function renderStageText(result: StageCheck): string {
  const rows = [['DOMAIN', 'MODE', 'VERDICT', 'ERRORS', 'WARNINGS'], ...result.domains.map((d) => [d.domain, d.mode, d.verdict, String(d.errors), String(d.warnings)])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = [`MTA-STS check of stage ${result.stage} (${result.domains.length} domain(s))`, ''];
  for (const r of rows) lines.push(r.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd());
  for (const d of result.domains.filter((x) => x.errors + x.warnings > 0)) {
    lines.push('', d.domain);
    const order = [Severity.ERROR, Severity.WARNING];
    for (const f of d.findings.filter((x) => order.includes(x.severity)).sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity))) {
      lines.push(`  ${f.severity === Severity.ERROR ? 'error' : 'warn '} ${f.message} [${f.code}]`);
    }
  }
  const bad = result.domains.filter((d) => d.errors > 0).length;
  const warned = result.domains.filter((d) => d.errors === 0 && d.warnings > 0).length;
  lines.push('', `${bad} domain(s) with errors, ${warned} with warnings only, ${result.domains.length - bad - warned} all good`);
  return lines.join('\n') + '\n';
}

/** The result as JSON (the checker's reports included). */
export function renderStageJson(result: StageCheck): string {
  return safeJson(result, 2) + '\n';
}

/** What the `--stage` form of `check` takes. */
export interface CheckStageCliOptions extends StageOptions {
  readonly json?: boolean;
  readonly strict?: boolean;
  /**
   * The shared hosting's routing endpoint, for the `mta-sts.<domain>` CNAMEs of domains on external DNS.
   * @default - the deployed hosting stack's output; when unreadable, the CNAMEs are checked to lead into cloudfront.net only
   */
  readonly routingEndpoint?: string;
}

/** The CNAMEs to verify, by domain, for the stage's domains on external DNS (none: no AWS call). */
async function stageDelegations(stage: ResolvedStage, domains: readonly ResolvedDomain[], given: string | undefined, ctx: CliContext): Promise<Map<string, DelegationSpec>> {
  const external = domains.filter((d) => d.delegationZone !== undefined);
  if (external.length === 0) return new Map();
  const endpoint = await routingEndpointForCnames(stage, given, ctx);
  return new Map(external.map((d) => [d.domainName, delegationSpecOf(d, endpoint)!]));
}

/**
 * `mta-sts check --stage S`: every domain of the stage (or only `--domain`), one table, exit code
 * as `check`; a domain on external DNS has its three CNAMEs verified too. Progress goes to stderr
 * when `progress` is true (a terminal).
 */
export async function runCheckStage(o: CheckStageCliOptions, check: CheckOptions, ctx: CliContext, progress: boolean): Promise<void> {
  const { stage, domains } = stageDomains(o);
  const expected = domains.map((d) => expectationOf(stage.name, d));
  const delegations = await stageDelegations(stage, domains, o.routingEndpoint, ctx);
  const onDone = progress ? (done: number, total: number) => ctx.err(`\rchecked ${done}/${total} domain(s)${done === total ? '\n' : ''}`) : undefined;
  const result = await checkStageDomains(stage.name, expected, check, STAGE_CHECK_CONCURRENCY, onDone, delegations);
  ctx.out(o.json ? renderStageJson(result) : terminalSafe(renderStageText(result)));
  ctx.exitCode = stageExitCode(result, o.strict === true);
}
