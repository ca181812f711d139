// `mta-sts plan`, the pure part: what the app will publish for a domain, against the record
// sets live in its Route 53 hosted zone -> a plan (what changes) and findings (what would go
// wrong). No I/O: the CLI reads Route 53 and hands the record sets in.
import { LiveRecordSet, parseTxtValue } from '../aws/record-set';
import type { DelegationCheck } from '../check/delegation-check';
import { PublishedDomain, tlsRptNameOf } from '../config/published-domain';
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

/** Where `plan` read a domain's MX records. */
export enum MxSource {
  /** The domain's Route 53 hosted zone (the API). */
  ROUTE53 = 'route53',
  /** DNS, as senders read them: the domain is on external DNS. */
  DNS = 'dns',
}

/** How the MX records of a domain on external DNS were read through DNS. */
export interface MxDnsRead {
  /** Why the lookup failed (`SERVFAIL (ESERVFAIL) at 192.0.2.53:53`); undefined when it answered. */
  readonly failure?: string;
  /** How many MX records DNS gave; more than `live.mx` holds when over the bound. */
  readonly total: number;
  /** The bound on the records assessed. */
  readonly max: number;
}

/** What `planDomain` compares. */
export interface PlanInput {
  /** What the app publishes (`publishedDomain()`). */
  readonly published: PublishedDomain;
  /** The hosted zone id from the configuration. */
  readonly hostedZoneId: string;
  /** The hosted zone name from the configuration. */
  readonly hostedZoneName: string;
  /** What is live in that zone (for a domain on external DNS, `mx` as DNS gave it). */
  readonly live: LiveDomainRecords;
  /**
   * For a domain on external DNS: how its MX records were read through DNS.
   * @default - the MX records are from the Route 53 zone
   */
  readonly mxDns?: MxDnsRead;
  /**
   * For a domain on external DNS: its CNAMEs at the DNS provider, as `checkDelegation` found them.
   * @default - the domain's records are in its own Route 53 zone
   */
  readonly delegation?: DelegationCheck;
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
  /** Where the MX records were read. */
  readonly source: MxSource;
  /** False when the DNS lookup failed: nothing was assessed. */
  readonly read: boolean;
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
  /**
   * For a domain on external DNS: its CNAMEs at the DNS provider, verified through DNS.
   * @default - none: the domain's records are in its own Route 53 zone
   */
  readonly delegation?: DelegationCheck;
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

/**
 * The findings of reading a domain's MX records through DNS, and whether there is anything to
 * assess: a failed lookup or an answer over the bound is at the severity of an uncovered MX (an
 * MX that could not be judged may strand mail under enforce).
 */
function mxDnsFindings(p: PublishedDomain, read: MxDnsRead, findings: Finding[]): boolean {
  const severity = mxSeverity(p.mode);
  if (read.failure !== undefined) {
    findings.push({
      code: 'plan-mx-dns-failed',
      severity,
      field: 'mx',
      message: `the MX records of ${p.domain} could not be read through DNS (${read.failure}), so they were not compared with \`mx\`: run again, or check the domain's name servers answer (its DNS is not in Route 53)`,
    });
    return false;
  }
  findings.push(info('plan-mx-from-dns', 'mx', `the MX records of ${p.domain} were read through DNS, as senders read them (its DNS is not in Route 53)`));
  if (read.total > read.max) {
    findings.push({
      code: 'plan-mx-dns-too-many',
      severity,
      field: 'mx',
      message: `DNS gave ${read.total} MX records for ${p.domain}, more than the ${read.max} assessed: the hosts past them were not compared with \`mx\`; check the domain's MX records at its DNS provider`,
    });
  }
  return true;
}

function planMx(p: PublishedDomain, live: readonly LiveRecordSet[], findings: Finding[], dnsRead?: MxDnsRead): MxPlan {
  const source = dnsRead === undefined ? MxSource.ROUTE53 : MxSource.DNS;
  const read = dnsRead === undefined || mxDnsFindings(p, dnsRead, findings);
  const a = assessMx(p.mx, read ? live : []);
  if (!read) return { verdict: a.verdict, patterns: p.mx, hosts: [], uncoveredHosts: [], unusedPatterns: [], source, read };
  const severity = mxSeverity(p.mode);
  const consequence =
    p.mode === MtaStsMode.ENFORCE
      ? 'under enforce senders refuse to deliver there, and the deploy-time MX guard fails the deploy'
      : p.mode === MtaStsMode.TESTING
        ? 'senders report TLS-RPT failures for it, and promotion to enforce would strand its mail'
        : 'harmless in mode none';
  const noMx =
    source === MxSource.DNS
      ? `DNS has no MX record at ${p.domain}: a mode ${p.mode} policy protects no mail host (the MX guard fails an enforce deploy); check the domain, or add the MX records at its DNS provider`
      : `the hosted zone has no MX record at ${p.domain}: a mode ${p.mode} policy protects no mail host (the MX guard fails an enforce deploy); check hostedZoneId and the domain, or add the MX records`;
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
      message: noMx,
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
  return { verdict: a.verdict, patterns: p.mx, hosts: a.hosts, uncoveredHosts: a.uncoveredHosts, unusedPatterns: a.unusedPatterns, source, read };
}

/**
 * Plans one domain: compares what the app publishes with the live record sets, and finds what
 * would make the deploy fail (CNAME or routing-policy record sets at our names, an enforce
 * policy with an uncovered MX or no MX) or is risky (records that exist but do not look made by
 * cdk-mta-sts, patterns that match nothing).
 *
 * A domain on external DNS (`published.delegation`) has its TXT records in the delegation zone,
 * at the names `published` gives, and no policy-host record in Route 53; its MX records come
 * from DNS (`mxDns`) and its CNAMEs' findings from `delegation` (the `delegation-*` codes of
 * `checkDelegation`).
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
  const rptName = tlsRptNameOf(p);
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

  // mta-sts.<domain>: an alias in the domain's own zone, or a CNAME at its DNS provider.
  if (input.delegation === undefined) records.push(planPolicyHost(p, input.live.policyHost, managed, findings));
  else findings.push(...input.delegation.findings);
  const mx = planMx(p, input.live.mx, findings, input.mxDns);
  return { domain: p.domain, stage: p.stage, hostedZoneId: input.hostedZoneId, hostedZoneName: input.hostedZoneName, policy, records, mx, delegation: input.delegation, findings };
}

/** `mta-sts.<domain>` A/AAAA alias to the distribution, in the domain's own zone. */
function planPolicyHost(p: PublishedDomain, live: readonly LiveRecordSet[], managed: boolean, findings: Finding[]): RecordPlan {
  const hostName = policyHostName(p.domain);
  findings.push(...conflicts(live, hostName, ['A', 'AAAA'], 'A/AAAA alias of the policy host'));
  const hostSets = live.filter((s) => s.type === 'A' || s.type === 'AAAA');
  const hostLive = hostSets.map((s) => `${s.type} ${s.aliasTarget !== undefined ? `alias ${s.aliasTarget}` : s.values.join(' ')}`);
  const hostManaged = managed && hostSets.every((s) => s.aliasTarget?.endsWith('.cloudfront.net'));
  if (hostSets.length > 0 && !hostManaged) {
    findings.push(existsWarning(hostName, 'A/AAAA', hostLive, managed ? 'is not an alias to CloudFront' : "the domain's _mta-sts record does not look made by cdk-mta-sts"));
  }
  return {
    name: hostName,
    type: 'A/AAAA',
    live: hostLive,
    planned: 'alias to the CloudFront distribution',
    change: hostSets.length === 0 ? RecordChange.CREATE : hostManaged ? RecordChange.UNCHANGED : RecordChange.UPDATE,
  };
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

/** The CNAMEs at the DNS provider of a domain on external DNS, one table row each. */
function renderDelegation(d: DomainPlan, c: DelegationCheck): string[] {
  const lines = ['', `CNAMEs at the DNS provider of ${d.domain} (read through DNS; made once by you, never changed by a deploy):`, '', '| name | must point to | live | verdict |', '| --- | --- | --- | --- |'];
  for (const r of c.records) {
    const live = r.live.chain.length > 0 ? r.live.chain.map((n) => code(cell(n))).join(' → ') : r.live.recordCount > 0 ? `${r.live.recordCount} record(s), no CNAME` : r.live.state;
    lines.push(`| ${code(r.name)} CNAME | ${r.expected === undefined ? 'the routing endpoint (not known here)' : code(r.expected)} | ${live} | ${r.status} |`);
  }
  return lines;
}

function renderDomain(d: DomainPlan): string[] {
  const zone = d.delegation === undefined ? `zone ${d.hostedZoneName}, ${d.hostedZoneId}` : `external DNS; delegation zone ${d.hostedZoneName}, ${d.hostedZoneId}`;
  const lines = [`## ${d.domain} (${zone})`, ''];
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
  if (d.delegation !== undefined) lines.push(...renderDelegation(d, d.delegation));
  const from = d.mx.source === MxSource.DNS ? 'live through DNS, not the Route 53 API' : 'live';
  lines.push('', `MX (${from}, against \`mx\`: ${d.mx.patterns.map(code).join(', ')}): **${d.mx.read ? d.mx.verdict : 'not read'}**`);
  for (const h of d.mx.hosts) {
    lines.push(`- ${code(h.host)} (${h.preference}): ${h.matchedBy.length > 0 ? `covered by ${h.matchedBy.map(code).join(', ')}` : '**not covered**'}`);
  }
  if (d.mx.hosts.length === 0) lines.push(d.mx.read ? '- (no MX record at the domain)' : '- (the DNS lookup failed: see the findings)');
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
