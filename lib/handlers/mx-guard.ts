// Custom resource handler: the deploy-time MX guard of `MtaSts`. Reads the MX records of the
// domain from its hosted zone, matches them against the policy's `mx` patterns (RFC 8461
// section 4.1) and, in mode "fail", fails the deployment before the policy is published when
// a host is not covered (or there is no MX at all); in mode "report" it only reports.
//
// When it runs: CloudFormation calls a custom resource on Create, on Update when one of its
// properties changes, and on Delete. The properties hold the policy id (a hash of the body,
// so of mode, mx and max_age) and the mx patterns, so the guard runs with every policy change.
// A change of the live MX records alone, between two deploys that leave the policy as it is,
// does not re-run it: the only way would be a property that changes on every synth (a
// timestamp or random nonce), which breaks deterministic synths and makes every deploy an
// update. That is left to `mta-sts plan` (run it in the pipeline before `cdk deploy`), which
// reads the live MX records every time.
//
// Where the MX records come from: the domain's Route 53 hosted zone (`HostedZoneId`), listed
// with every routing-policy variant; or, for a domain whose DNS is at another provider
// (`MxSource: dns`), the DNS itself, through the Lambda's resolver, as a sender sees it. A DNS
// answer is hostile input: the lookup is bounded in time (per try, tries, and an overall
// budget) and at most MAX_DNS_MX_RECORDS answers are assessed (more is refused, never cut:
// a dropped answer could hide an uncovered host). NXDOMAIN and NODATA mean "no MX"; any other
// failure (SERVFAIL, time-out, refused, a malformed answer) says nothing about the MX records,
// so under mode fail it fails the deploy with a retryable message, never passes. The reading
// and its outcomes are `plan`'s (lib/check/dns-mx), over the Lambda's node:dns resolver.
import { promises as dns } from 'node:dns';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { LiveRecordSet } from '../aws/record-set';
import { bareZoneId, listRecordSets, route53Client, route53Error } from '../aws/route53-records';
import { lookupMx, NodeMxResolver } from '../check/dns-lookup';
import { MAX_DNS_MX_RECORDS, mxReadFailed, mxReadOverBound, readMxThroughDns } from '../check/dns-mx';
import { assessMx, MxAssessment, MxVerdict, suggestedPatterns } from '../plan/mx-assessment';
import { CustomResourceResult, httpsResponseSender, respondTo, ResponseSender } from './private/cfn-response';

/** What the guard does with a finding (the wire values of the construct's `MxGuard`). */
export enum GuardMode {
  /** Fail the deployment. */
  FAIL = 'fail',
  /** Report in the resource's data and log, and succeed. */
  REPORT = 'report',
}

/** The `Verdict` reported when Route 53 or DNS could not be read. */
export const ERROR_VERDICT = 'error';

/** The `MxSource` of a guard that reads the MX records through DNS (the construct's MX_SOURCE_DNS). */
export const MX_SOURCE_DNS = 'dns';

/** The DNS lookup's bounds: per try, tries (c-ares doubles the time-out on each retry), and in all. */
export const DNS_LIMITS = { timeoutMs: 2000, tries: 3, budgetMs: 30_000 } as const;

/** The properties the `MtaSts` construct gives the resource. */
export interface MxGuardProperties {
  /** The hosted zone to read; absent with `MxSource: dns`. */
  readonly HostedZoneId?: string;
  /** `dns` for a domain whose DNS is at another provider; absent: Route 53 (`HostedZoneId`). */
  readonly MxSource?: string;
  /** The mail domain (normalised): the MX records at this name are read. */
  readonly DomainName: string;
  /** `fail` or `report` (see `GuardMode`). */
  readonly GuardMode: string;
  /** The policy's mode (`enforce`, `testing`, `none`), for messages. */
  readonly PolicyMode: string;
  /** The policy id: makes CloudFormation re-run the guard whenever the policy changes. */
  readonly PolicyId: string;
  /** The policy's normalised mx patterns. */
  readonly MxPatterns: string[];
}

/** The resolver of the DNS path: the Lambda's, with `DNS_LIMITS`. */
export function mxResolver(): NodeMxResolver {
  return new dns.Resolver({ timeout: DNS_LIMITS.timeoutMs, tries: DNS_LIMITS.tries });
}

/** The clients and helpers the handler uses; tests inject their own. */
export interface MxGuardDeps {
  /** Lists the zone's MX record sets (us-east-1, retries: `route53Client()`). */
  readonly route53: Route53Client;
  /** Reads the MX records of a domain on external DNS (default: `mxResolver()`). */
  readonly dns?: NodeMxResolver;
  /** The overall time budget of the DNS lookup (default `DNS_LIMITS.budgetMs`). */
  readonly dnsBudgetMs?: number;
  /** Reads the stack status, to never fail during a rollback. */
  readonly cloudformation: CloudFormationClient;
  /** Sends the response to CloudFormation. */
  readonly send: ResponseSender;
  /** Writes a line to the Lambda's log. */
  readonly log: (line: string) => void;
}

/** CloudFormation keeps at most 4 KiB of a response's data. */
const MAX_REPORT_CHARS = 3000;

/**
 * The deterministic physical id: one guard per zone and domain (`dns/<domain>/mx-guard` for a
 * domain read through DNS).
 */
export function guardPhysicalId(hostedZoneId: string | undefined, domainName: string): string {
  return `${hostedZoneId === undefined ? MX_SOURCE_DNS : bareZoneId(hostedZoneId)}/${domainName}/mx-guard`;
}

function readProperties(event: CloudFormationCustomResourceEvent): MxGuardProperties & { mode: GuardMode } {
  const p = event.ResourceProperties as unknown as MxGuardProperties;
  const mode = Object.values(GuardMode).find((m) => m === p.GuardMode);
  if (mode === undefined) {
    throw new Error(`\`GuardMode\` must be "fail" or "report", got ${JSON.stringify(p.GuardMode)}: update cdk-mta-sts in the app and the Lambda together`);
  }
  if (p.MxSource !== undefined && p.MxSource !== MX_SOURCE_DNS) {
    throw new Error(`\`MxSource\` must be "${MX_SOURCE_DNS}" or absent, got ${JSON.stringify(p.MxSource)}: update cdk-mta-sts in the app and the Lambda together`);
  }
  const zoneOk = p.MxSource === MX_SOURCE_DNS ? p.HostedZoneId === undefined : typeof p.HostedZoneId === 'string';
  if (!Array.isArray(p.MxPatterns) || !zoneOk || typeof p.DomainName !== 'string') {
    throw new Error(
      'the MX guard needs `DomainName`, `MxPatterns` (a list) and either `HostedZoneId` or `MxSource: dns` (not both): update cdk-mta-sts in the app and the Lambda together',
    );
  }
  return { ...p, mode };
}

/** Where the MX records were read, for messages. */
function sourceOf(p: MxGuardProperties): { where: string; removeFrom: string; noMx: (consequence: string) => string } {
  if (p.HostedZoneId === undefined) {
    return {
      where: 'in DNS',
      removeFrom: "the domain's zone at its DNS provider",
      noMx: (consequence) =>
        `DNS has no MX record at ${p.DomainName} (the name does not exist, or has no MX): ${consequence}, ` +
        'which usually means a wrong `domainName` or MX records not yet published at the DNS provider. Fix: publish the MX records of the domain, or check `domainName`; ' +
        'if the domain is not meant to receive mail, publish mode none instead.',
    };
  }
  const zone = bareZoneId(p.HostedZoneId);
  return {
    where: `in hosted zone ${zone}`,
    removeFrom: 'the zone',
    noMx: (consequence) =>
      `hosted zone ${zone} has no MX record at ${p.DomainName}: ${consequence}, ` +
      'which usually means the wrong `hostedZone` or `domainName`. Fix: add the MX records of the domain to this zone, or check the domain and the zone; ' +
      'if its MX records are served from outside this zone, set `mxGuard: MxGuard.REPORT`.',
  };
}

/** What the guard found, in one paragraph, and whether it is a reason to fail. */
interface Outcome {
  readonly verdict: string;
  readonly failing: boolean;
  readonly text: string;
  readonly assessment?: MxAssessment;
}

function hostList(a: MxAssessment): string {
  return a.hosts.map((h) => `${h.host} (preference ${h.preference})`).join(', ');
}

/** Describes the assessment: what was found, and the fix. */
export function describeAssessment(a: MxAssessment, p: MxGuardProperties): string {
  const { where, removeFrom, noMx } = sourceOf(p);
  const patterns = p.MxPatterns.join(', ');
  const sets = a.recordSetCount > 1 ? ` (in ${a.recordSetCount} MX record sets: routing policies; every set counts)` : '';
  switch (a.verdict) {
    case MxVerdict.UNCOVERED: {
      const wildcards = [...new Set(a.uncoveredHosts.flatMap((h) => suggestedPatterns(h).slice(1)))];
      const alternative = wildcards.length > 0 ? ` (or a pattern that covers them, such as ${JSON.stringify(wildcards[0])})` : '';
      return (
        `${a.uncoveredHosts.length} MX host(s) of ${p.DomainName} ${where} are not covered by the policy's mx patterns: ` +
        `${a.uncoveredHosts.join(', ')}. Under mode enforce, senders refuse to deliver to them. ` +
        `The policy's mx: ${patterns}. The live MX${sets}: ${hostList(a)}. ` +
        `Fix: add ${a.uncoveredHosts.map((h) => JSON.stringify(h)).join(', ')} to \`mx\`${alternative}, or remove those MX records from ${removeFrom} ` +
        '(a wildcard covers exactly one label: *.mx.example.com covers a.mx.example.com, not a.b.mx.example.com).'
      );
    }
    case MxVerdict.NO_MX:
      return noMx(`a mode ${p.PolicyMode} policy (mx: ${patterns}) has no mail host to protect`);
    case MxVerdict.NULL_MX:
      return (
        `${p.DomainName} publishes a null MX ${where} (RFC 7505 "0 ."): it receives no mail, so a mode ${p.PolicyMode} policy protects nothing. ` +
        'Fix: publish mode none (or remove the MtaSts construct), or replace the null MX with the real MX records.'
      );
    default: {
      const unused = a.unusedPatterns.length > 0 ? ` The pattern(s) ${a.unusedPatterns.join(', ')} match no MX host: harmless, but often a typo.` : '';
      return `every MX host of ${p.DomainName} ${where}${sets} is covered by the policy's mx patterns (${patterns}): ${hostList(a)}.${unused}`;
    }
  }
}

/** Why the DNS path could not give the MX records: the message of a failing outcome. */
class DnsReadError extends Error {}

/**
 * The MX records of `domain` through DNS, as one record set (empty for NXDOMAIN and NODATA).
 * Throws `DnsReadError` for a failure that says nothing about the records, or an answer over
 * `MAX_DNS_MX_RECORDS`.
 */
async function readDnsMx(domain: string, deps: MxGuardDeps): Promise<LiveRecordSet[]> {
  const resolver = deps.dns ?? mxResolver();
  const read = await readMxThroughDns({ mx: (name) => lookupMx(resolver, name) }, domain, deps.dnsBudgetMs ?? DNS_LIMITS.budgetMs);
  if (mxReadFailed(read)) {
    throw new DnsReadError(
      `the MX records of ${domain} could not be read through DNS (${read.code}), so the policy cannot be checked. This is usually temporary (a failing resolver or name server): ` +
        "retry the deployment; if it persists, check that the domain's name servers answer for its MX records and, if the zone is signed, that its DNSSEC chain is valid",
    );
  }
  if (mxReadOverBound(read)) {
    throw new DnsReadError(
      `DNS answered ${read.total} MX records for ${domain}, more than the ${MAX_DNS_MX_RECORDS} the guard assesses, so the policy cannot be checked: ` +
        'publish fewer MX records (senders try only a handful), or set `mxGuard: MxGuard.REPORT` and check them with `mta-sts plan`',
    );
  }
  return read.sets;
}

/** The MX record sets of the domain, from its Route 53 zone or from DNS. */
function readMx(p: MxGuardProperties, deps: MxGuardDeps): Promise<LiveRecordSet[]> {
  if (p.HostedZoneId === undefined) return readDnsMx(p.DomainName, deps);
  return listRecordSets(deps.route53, { hostedZoneId: p.HostedZoneId, name: p.DomainName, type: 'MX' });
}

async function assess(p: MxGuardProperties, deps: MxGuardDeps): Promise<Outcome> {
  try {
    const sets = await readMx(p, deps);
    const assessment = assessMx(p.MxPatterns, sets);
    const unreadable = assessment.unreadableValues.length > 0 ? ` Unreadable MX values, ignored: ${assessment.unreadableValues.join(', ')}.` : '';
    return {
      verdict: assessment.verdict,
      failing: assessment.verdict !== MxVerdict.COVERED,
      text: describeAssessment(assessment, p) + unreadable,
      assessment,
    };
  } catch (e) {
    if (e instanceof DnsReadError) return { verdict: ERROR_VERDICT, failing: true, text: e.message };
    const err = route53Error(e, p.HostedZoneId!);
    return { verdict: ERROR_VERDICT, failing: true, text: `the MX records of ${p.DomainName} could not be read, so the policy cannot be checked: ${err.message}` };
  }
}

/**
 * True when the stack is rolling back. A rollback re-runs Update with the previous properties;
 * failing then would leave the stack in UPDATE_ROLLBACK_FAILED, so the guard only reports.
 */
async function inRollback(event: CloudFormationCustomResourceEvent, deps: MxGuardDeps): Promise<boolean> {
  if (event.RequestType !== 'Update') return false;
  try {
    const out = await deps.cloudformation.send(new DescribeStacksCommand({ StackName: event.StackId }));
    return (out.Stacks?.[0]?.StackStatus ?? '').includes('ROLLBACK');
  } catch (e) {
    deps.log(`could not read the status of stack ${event.StackId} (${(e as Error).name}: ${(e as Error).message}); assuming no rollback`);
    return false;
  }
}

/** Runs the guard for one event; throws (so the response is FAILED) when it must block. */
export async function guard(event: CloudFormationCustomResourceEvent, deps: MxGuardDeps): Promise<CustomResourceResult> {
  if (event.RequestType === 'Delete') {
    return { physicalResourceId: event.PhysicalResourceId };
  }
  const p = readProperties(event);
  const physicalResourceId = guardPhysicalId(p.HostedZoneId, p.DomainName);
  const outcome = await assess(p, deps);
  const data = {
    Verdict: outcome.verdict,
    GuardMode: p.mode,
    MxHosts: outcome.assessment?.hosts.map((h) => h.host).join(',') ?? '',
    UncoveredHosts: outcome.assessment?.uncoveredHosts.join(',') ?? '',
    UnusedPatterns: outcome.assessment?.unusedPatterns.join(',') ?? '',
  };
  if (!outcome.failing) {
    deps.log(`MX guard ok: ${outcome.text}`);
    return { physicalResourceId, data: { ...data, Report: outcome.text.slice(0, MAX_REPORT_CHARS) } };
  }
  if (p.mode === GuardMode.FAIL) {
    const message = `MX guard (mxGuard fail) stopped the publication of the mode ${p.PolicyMode} policy of ${p.DomainName}: ${outcome.text} The policy and its _mta-sts record were left unchanged.`;
    if (!(await inRollback(event, deps))) {
      throw new Error(message);
    }
    deps.log(`MX guard: the stack is rolling back, so this is reported, not failed: ${message}`);
    return { physicalResourceId, data: { ...data, Report: `rollback, not failed: ${outcome.text}`.slice(0, MAX_REPORT_CHARS) } };
  }
  const report = `MX guard (mxGuard report, deployment continues) for the mode ${p.PolicyMode} policy of ${p.DomainName}: ${outcome.text}`;
  deps.log(report);
  return { physicalResourceId, data: { ...data, Report: report.slice(0, MAX_REPORT_CHARS) } };
}

const defaultDeps = (): MxGuardDeps => ({
  route53: route53Client(),
  dns: mxResolver(),
  cloudformation: new CloudFormationClient({}),
  send: httpsResponseSender,
  log: (line) => console.log(line),
});

/** The Lambda entry point. */
export async function handler(event: CloudFormationCustomResourceEvent, _context?: unknown, deps: MxGuardDeps = defaultDeps()): Promise<void> {
  await respondTo(event, () => guard(event, deps), deps.send);
}
