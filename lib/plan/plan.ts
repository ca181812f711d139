// `mta-sts plan`, the pure part: what the app will publish for a domain, against the record
// sets live in its Route 53 hosted zone -> a plan (what changes) and findings (what would go
// wrong). No I/O: the CLI reads Route 53 and hands the record sets in.
import { LiveRecordSet, parseTxtValue } from '../aws/record-set';
import { PublishedDomain } from '../config/published-domain';
import { error, Finding, info, Severity, show, warning } from '../policy/findings';
import { MtaStsMode } from '../policy/mode';
import { parseMtaStsRecords, policyHostName } from '../policy/records';
import { assessMx, MxHostCoverage, MxVerdict } from './mx-assessment';

/** The record sets of one domain as they are live in its hosted zone. */
export interface LiveDomainRecords {
  /** Every record set at `_mta-sts.<domain>` (any type). */
  readonly mtaSts: readonly LiveRecordSet[];
  /** Every record set at `_smtp._tls.<domain>` (any type). */
  readonly tlsRpt: readonly LiveRecordSet[];
  /** Every record set at `mta-sts.<domain>` (any type). */
  readonly policyHost: readonly LiveRecordSet[];
  /** The MX record sets at `<domain>`. */
  readonly mx: readonly LiveRecordSet[];
}

/** What `planDomain` compares. */
export interface PlanInput {
  /** What the app publishes (`publishedDomain()`). */
  readonly published: PublishedDomain;
  /** The hosted zone id from the configuration. */
  readonly hostedZoneId: string;
  /** The hosted zone name from the configuration. */
  readonly hostedZoneName: string;
  /** What is live in that zone. */
  readonly live: LiveDomainRecords;
}

/** What a deploy does to one record. */
export enum RecordChange {
  /** Nothing is live; the deploy creates it. */
  CREATE = 'create',
  /** Live with another value; the deploy changes it (or fails, if the stack did not create it). */
  UPDATE = 'update',
  /** Live with the same value. */
  UNCHANGED = 'unchanged',
  /** Live, but the stage publishes none: deleted if the stack created it, else left as is. */
  NOT_PUBLISHED = 'not-published',
  /** Neither live nor published. */
  NONE = 'none',
}

/** One record the stack manages, live and planned. */
export interface RecordPlan {
  /** The owner name. */
  readonly name: string;
  /** The type(s) the stack publishes there (`TXT`, `A/AAAA`). */
  readonly type: string;
  /** The live values (TXT strings joined, alias targets as `alias <target>`). */
  readonly live: string[];
  /** What the stack publishes; undefined when nothing. */
  readonly planned?: string;
  /** What the deploy does. */
  readonly change: RecordChange;
}

/** The policy, live and planned. */
export interface PolicyPlan {
  /** The mode published (the live mode is in the policy body, not in DNS). */
  readonly mode: string;
  /** The live `_mta-sts` id, when there is one and it is valid. */
  readonly liveId?: string;
  /** The id the deploy publishes. */
  readonly plannedId: string;
  /** CREATE, UPDATE (the id changes) or UNCHANGED. */
  readonly change: RecordChange;
}

/** The live MX records against the planned patterns. */
export interface MxPlan {
  /** The verdict (see `MxVerdict`). */
  readonly verdict: MxVerdict;
  /** The policy's patterns. */
  readonly patterns: readonly string[];
  /** Every live MX host with the patterns that match it. */
  readonly hosts: MxHostCoverage[];
  /** Live hosts no pattern matches. */
  readonly uncoveredHosts: string[];
  /** Patterns matching no live host. */
  readonly unusedPatterns: string[];
}

/** The plan of one domain. */
export interface DomainPlan {
  /** The mail domain. */
  readonly domain: string;
  /** The stage planned. */
  readonly stage: string;
  /** The hosted zone read. */
  readonly hostedZoneId: string;
  /** Its name, from the configuration. */
  readonly hostedZoneName: string;
  /** The policy id change. */
  readonly policy: PolicyPlan;
  /** `_mta-sts` TXT, `_smtp._tls` TXT, `mta-sts` A/AAAA, in that order. */
  readonly records: RecordPlan[];
  readonly mx: MxPlan;
  /** Errors (the deploy would fail or strand mail), warnings, notes; each with a stable code. */
  readonly findings: Finding[];
}

/** The plan of a stage. */
export interface StagePlan {
  /** The stage name. */
  readonly stage: string;
  /** One plan per domain, in the configuration's order. */
  readonly domains: DomainPlan[];
}

/** The `_mta-sts` value cdk-mta-sts writes with a computed id: how a managed record is recognised. */
const MANAGED_MTA_STS_VALUE = /^v=STSv1; id=[0-9a-f]{32};$/;

const joined = (set: LiveRecordSet): string[] => set.values.map((v) => parseTxtValue(v).join(''));

function conflicts(sets: readonly LiveRecordSet[], name: string, types: readonly string[], what: string): Finding[] {
  const findings: Finding[] = [];
  const cname = sets.find((s) => s.type === 'CNAME');
  if (cname) {
    findings.push(
      error(
        'plan-cname-conflict',
        name,
        `${name} is a CNAME (to ${show(cname.aliasTarget ?? cname.values.join(' '))}): CloudFormation cannot create the ${what} beside it; delete the CNAME, or leave this domain out of the stage`,
      ),
    );
  }
  const routed = sets.filter((s) => types.includes(s.type) && s.setIdentifier !== undefined);
  if (routed.length > 0) {
    findings.push(
      error(
        'plan-routing-policy-conflict',
        name,
        `${name} has ${routed.length} ${routed[0].type} record set(s) with a routing policy (set identifier ${show(routed[0].setIdentifier)}): CloudFormation cannot create the simple ${what} beside them; delete them`,
      ),
    );
  }
  return findings;
}

function existsWarning(name: string, type: string, live: readonly string[], why: string): Finding {
  return warning(
    'plan-record-exists',
    name,
    `${name} ${type} already exists (${live.map((v) => show(v)).join(', ')}) and ${why}: if this stack did not create it, CloudFormation fails with "already exists"; ` +
      'delete it just before the first deploy (or import it into the stack), or ignore this if the stack already manages it',
  );
}

/** The severity of an MX problem: an error where it strands mail (enforce), a warning under testing, a note for none. */
function mxSeverity(mode: string): Severity {
  return mode === MtaStsMode.ENFORCE ? Severity.ERROR : mode === MtaStsMode.TESTING ? Severity.WARNING : Severity.INFO;
}

function planMx(p: PublishedDomain, live: readonly LiveRecordSet[], findings: Finding[]): MxPlan {
  const a = assessMx(p.mx, live);
  const severity = mxSeverity(p.mode);
  const consequence =
    p.mode === MtaStsMode.ENFORCE
      ? 'under enforce senders refuse to deliver there, and the deploy-time MX guard fails the deploy'
      : p.mode === MtaStsMode.TESTING
        ? 'senders report TLS-RPT failures for it, and promotion to enforce would strand its mail'
        : 'harmless in mode none';
  if (a.verdict === MxVerdict.UNCOVERED) {
    findings.push({
      code: 'plan-mx-uncovered',
      severity,
      field: 'mx',
      message: `MX host(s) ${a.uncoveredHosts.join(', ')} of ${p.domain} are not covered by \`mx\` (${p.mx.join(', ')}): ${consequence}; add them (a wildcard covers one label only) or remove those MX records`,
    });
  } else if (a.verdict === MxVerdict.NO_MX) {
    findings.push({
      code: 'plan-no-mx',
      severity,
      field: 'mx',
      message: `the hosted zone has no MX record at ${p.domain}: a mode ${p.mode} policy protects no mail host (the MX guard fails an enforce deploy); check hostedZoneId and the domain, or add the MX records`,
    });
  } else if (a.verdict === MxVerdict.NULL_MX) {
    findings.push({
      code: 'plan-null-mx',
      severity,
      field: 'mx',
      message: `${p.domain} publishes a null MX (RFC 7505 "0 ."): it receives no mail, so a mode ${p.mode} policy protects nothing (the MX guard fails an enforce deploy); use mode none or remove the domain`,
    });
  }
  if (a.unusedPatterns.length > 0) {
    findings.push(
      warning('plan-mx-pattern-unused', 'mx', `\`mx\` pattern(s) ${a.unusedPatterns.join(', ')} match no live MX host of ${p.domain}: harmless, but often a typo; remove or fix them`),
    );
  }
  if (a.recordSetCount > 1) {
    findings.push(info('plan-mx-routing-policy', 'mx', `${p.domain} has ${a.recordSetCount} MX record sets (routing policies): every host of every set was checked`));
  }
  if (a.unreadableValues.length > 0) {
    findings.push(warning('plan-mx-unreadable', 'mx', `MX value(s) ${a.unreadableValues.map((v) => show(v)).join(', ')} of ${p.domain} are not "<preference> <host>": ignored`));
  }
  return { verdict: a.verdict, patterns: p.mx, hosts: a.hosts, uncoveredHosts: a.uncoveredHosts, unusedPatterns: a.unusedPatterns };
}

/**
 * Plans one domain: compares what the app publishes with the live record sets, and finds what
 * would make the deploy fail (CNAME or routing-policy record sets at our names, an enforce
 * policy with an uncovered MX or no MX) or is risky (records that exist but do not look made by
 * cdk-mta-sts, patterns that match nothing).
 *
 * Who created a live record is not visible in Route 53. A record is taken as made by
 * cdk-mta-sts when its `_mta-sts` value is exactly what the construct writes with a computed
 * id (`v=STSv1; id=<32 hex digits>;`); other existing records are reported as warnings.
 */
export function planDomain(input: PlanInput): DomainPlan {
  const p = input.published;
  const findings: Finding[] = [];
  const records: RecordPlan[] = [];

  // _mta-sts TXT
  const stsName = p.mtaStsRecord.name;
  findings.push(...conflicts(input.live.mtaSts, stsName, ['TXT'], '_mta-sts TXT record'));
  const stsSets = input.live.mtaSts.filter((s) => s.type === 'TXT');
  const stsLive = stsSets.flatMap(joined);
  const parsed = stsSets.length > 0 ? parseMtaStsRecords(stsSets.flatMap((s) => s.values.map(parseTxtValue)), stsName) : undefined;
  const liveId = parsed?.id;
  const managed = stsLive.length === 1 && (MANAGED_MTA_STS_VALUE.test(stsLive[0]) || stsLive[0] === p.mtaStsRecord.value);
  const stsChange = stsLive.length === 0 ? RecordChange.CREATE : stsLive.length === 1 && stsLive[0] === p.mtaStsRecord.value ? RecordChange.UNCHANGED : RecordChange.UPDATE;
  records.push({ name: stsName, type: 'TXT', live: stsLive, planned: p.mtaStsRecord.value, change: stsChange });
  if (stsLive.length > 0 && !managed) {
    findings.push(existsWarning(stsName, 'TXT', stsLive, stsLive.length > 1 ? 'holds several values, which cdk-mta-sts never writes' : 'its id is not the 32 hex digits cdk-mta-sts computes'));
  }
  if (parsed && liveId === undefined) {
    findings.push(info('plan-live-id-unreadable', stsName, `the live ${stsName} has no valid policy id (${parsed.findings.map((f) => f.message).join('; ')}): the deploy replaces it`));
  }
  if (stsLive.length === 0 && p.mode === MtaStsMode.ENFORCE) {
    findings.push(
      warning('plan-enforce-first', 'mode', `${p.domain} has no MTA-STS record yet and the first policy is mode enforce: publish mode testing first and read the TLS-RPT reports before enforcing`),
    );
  }
  const policy: PolicyPlan = {
    mode: p.mode,
    liveId,
    plannedId: p.policyId,
    change: stsLive.length === 0 ? RecordChange.CREATE : liveId === p.policyId ? RecordChange.UNCHANGED : RecordChange.UPDATE,
  };

  // _smtp._tls TXT
  const rptName = p.tlsRptRecord?.name ?? `_smtp._tls.${p.domain}`;
  findings.push(...conflicts(input.live.tlsRpt, rptName, ['TXT'], '_smtp._tls TXT record'));
  const rptLive = input.live.tlsRpt.filter((s) => s.type === 'TXT').flatMap(joined);
  const planned = p.tlsRptRecord?.value;
  let rptChange: RecordChange;
  if (planned === undefined) {
    rptChange = rptLive.length === 0 ? RecordChange.NONE : RecordChange.NOT_PUBLISHED;
    if (rptLive.length > 0) {
      findings.push(info('plan-tlsrpt-not-published', rptName, `${rptName} exists but the stage publishes no TLS-RPT record: it is deleted if this stack created it, else left as is`));
    }
  } else {
    rptChange = rptLive.length === 0 ? RecordChange.CREATE : rptLive.length === 1 && rptLive[0] === planned ? RecordChange.UNCHANGED : RecordChange.UPDATE;
    if (rptLive.length > 0 && !managed) {
      findings.push(existsWarning(rptName, 'TXT', rptLive, "the domain's _mta-sts record does not look made by cdk-mta-sts"));
    }
  }
  records.push({ name: rptName, type: 'TXT', live: rptLive, planned, change: rptChange });

  // mta-sts.<domain> A/AAAA alias to the distribution
  const hostName = policyHostName(p.domain);
  findings.push(...conflicts(input.live.policyHost, hostName, ['A', 'AAAA'], 'A/AAAA alias of the policy host'));
  const hostSets = input.live.policyHost.filter((s) => s.type === 'A' || s.type === 'AAAA');
  const hostLive = hostSets.map((s) => `${s.type} ${s.aliasTarget !== undefined ? `alias ${s.aliasTarget}` : s.values.join(' ')}`);
  const hostManaged = managed && hostSets.every((s) => s.aliasTarget?.endsWith('.cloudfront.net'));
  records.push({
    name: hostName,
    type: 'A/AAAA',
    live: hostLive,
    planned: 'alias to the CloudFront distribution',
    change: hostSets.length === 0 ? RecordChange.CREATE : hostManaged ? RecordChange.UNCHANGED : RecordChange.UPDATE,
  });
  if (hostSets.length > 0 && !hostManaged) {
    findings.push(existsWarning(hostName, 'A/AAAA', hostLive, managed ? 'is not an alias to CloudFront' : "the domain's _mta-sts record does not look made by cdk-mta-sts"));
  }

  const mx = planMx(p, input.live.mx, findings);
  return { domain: p.domain, stage: p.stage, hostedZoneId: input.hostedZoneId, hostedZoneName: input.hostedZoneName, policy, records, mx, findings };
}

/** The findings of every domain. */
export function planFindings(plan: StagePlan): Finding[] {
  return plan.domains.flatMap((d) => d.findings);
}

/** The exit codes of `mta-sts plan`. */
export enum PlanExitCode {
  /** No error (and, with `--strict`, no warning). */
  OK = 0,
  /** Warnings only, with `--strict`. */
  WARNINGS = 1,
  /** An error: the deploy would fail, or an enforce policy would strand mail. */
  ERRORS = 2,
}

/** 2 on any error, 1 on warnings when `strict`, else 0. */
export function planExitCode(plan: StagePlan, strict: boolean): PlanExitCode {
  const findings = planFindings(plan);
  if (findings.some((f) => f.severity === Severity.ERROR)) return PlanExitCode.ERRORS;
  if (strict && findings.some((f) => f.severity === Severity.WARNING)) return PlanExitCode.WARNINGS;
  return PlanExitCode.OK;
}

const code = (s: string): string => '`' + s.replace(/`/g, "'") + '`';
const cell = (s: string): string => s.replace(/\|/g, '\\|');
const SEVERITY_ORDER = [Severity.ERROR, Severity.WARNING, Severity.INFO];

function renderDomain(d: DomainPlan): string[] {
  const lines = [`## ${d.domain} (zone ${d.hostedZoneName}, ${d.hostedZoneId})`, ''];
  const id =
    d.policy.change === RecordChange.CREATE
      ? `new policy, id ${code(d.policy.plannedId)}`
      : d.policy.change === RecordChange.UNCHANGED
        ? `unchanged, id ${code(d.policy.plannedId)}`
        : `id ${code(d.policy.liveId ?? '(none valid)')} → ${code(d.policy.plannedId)}`;
  lines.push(`Policy: mode **${d.policy.mode}**, ${id}${d.policy.change === RecordChange.UPDATE ? ' (the live mode is in the live policy body, not in DNS)' : ''}`, '');
  lines.push('| record | live | planned | change |', '| --- | --- | --- | --- |');
  for (const r of d.records) {
    const live = r.live.length === 0 ? '-' : r.live.map((v) => code(cell(v))).join('<br>');
    lines.push(`| ${code(r.name)} ${r.type} | ${live} | ${r.planned === undefined ? '-' : code(cell(r.planned))} | ${r.change} |`);
  }
  lines.push('', `MX (live, against \`mx\`: ${d.mx.patterns.map(code).join(', ')}): **${d.mx.verdict}**`);
  for (const h of d.mx.hosts) {
    lines.push(`- ${code(h.host)} (${h.preference}): ${h.matchedBy.length > 0 ? `covered by ${h.matchedBy.map(code).join(', ')}` : '**not covered**'}`);
  }
  if (d.mx.hosts.length === 0) lines.push('- (no MX record at the domain)');
  for (const u of d.mx.unusedPatterns) lines.push(`- pattern ${code(u)}: matches no live MX`);
  const sorted = [...d.findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  if (sorted.length > 0) {
    lines.push('', 'Findings:');
    for (const f of sorted) lines.push(`- **${f.severity}** ${f.message} [${f.code}]`);
  }
  lines.push('');
  return lines;
}

/** Renders the plan as compact Markdown (readable in a terminal and in a pull request). */
export function renderPlanText(plan: StagePlan): string {
  const findings = planFindings(plan);
  const errors = findings.filter((f) => f.severity === Severity.ERROR).length;
  const warnings = findings.filter((f) => f.severity === Severity.WARNING).length;
  const verdict = errors > 0 ? 'do not deploy: fix the errors above' : warnings > 0 ? 'deployable; review the warnings' : 'ready to deploy';
  const lines = [`# mta-sts plan: stage ${plan.stage}`, ''];
  for (const d of plan.domains) lines.push(...renderDomain(d));
  lines.push(`**${plan.domains.length} domain(s), ${errors} error(s), ${warnings} warning(s)**: ${verdict}`);
  return lines.join('\n') + '\n';
}

/** Renders the plan as JSON (two-space indented, with the totals). */
export function renderPlanJson(plan: StagePlan): string {
  const findings = planFindings(plan);
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return JSON.stringify({ ...plan, errors: count(Severity.ERROR), warnings: count(Severity.WARNING) }, null, 2) + '\n';
}
