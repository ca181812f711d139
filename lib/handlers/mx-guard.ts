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
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { bareZoneId, listRecordSets, route53Client, route53Error } from '../aws/route53-records';
import { assessMx, MxAssessment, MxVerdict, suggestedPatterns } from '../plan/mx-assessment';
import { CustomResourceResult, httpsResponseSender, respondTo, ResponseSender } from './private/cfn-response';

/** What the guard does with a finding (the wire values of the construct's `MxGuard`). */
export enum GuardMode {
  /** Fail the deployment. */
  FAIL = 'fail',
  /** Report in the resource's data and log, and succeed. */
  REPORT = 'report',
}

/** The `Verdict` reported when Route 53 could not be read. */
export const ERROR_VERDICT = 'error';

/** The properties the `MtaSts` construct gives the resource. */
export interface MxGuardProperties {
  /** The hosted zone to read. */
  readonly HostedZoneId: string;
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

/** The clients and helpers the handler uses; tests inject their own. */
export interface MxGuardDeps {
  /** Lists the zone's MX record sets (us-east-1, retries: `route53Client()`). */
  readonly route53: Route53Client;
  /** Reads the stack status, to never fail during a rollback. */
  readonly cloudformation: CloudFormationClient;
  /** Sends the response to CloudFormation. */
  readonly send: ResponseSender;
  /** Writes a line to the Lambda's log. */
  readonly log: (line: string) => void;
}

/** CloudFormation keeps at most 4 KiB of a response's data. */
const MAX_REPORT_CHARS = 3000;

/** The deterministic physical id: one guard per zone and domain. */
export function guardPhysicalId(hostedZoneId: string, domainName: string): string {
  return `${bareZoneId(hostedZoneId)}/${domainName}/mx-guard`;
}

function readProperties(event: CloudFormationCustomResourceEvent): MxGuardProperties & { mode: GuardMode } {
  const p = event.ResourceProperties as unknown as MxGuardProperties;
  const mode = Object.values(GuardMode).find((m) => m === p.GuardMode);
  if (mode === undefined) {
    throw new Error(`\`GuardMode\` must be "fail" or "report", got ${JSON.stringify(p.GuardMode)}: update cdk-mta-sts in the app and the Lambda together`);
  }
  if (!Array.isArray(p.MxPatterns) || typeof p.HostedZoneId !== 'string' || typeof p.DomainName !== 'string') {
    throw new Error('the MX guard needs `HostedZoneId`, `DomainName` and `MxPatterns` (a list): update cdk-mta-sts in the app and the Lambda together');
  }
  return { ...p, mode };
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
  const zone = bareZoneId(p.HostedZoneId);
  const patterns = p.MxPatterns.join(', ');
  const sets = a.recordSetCount > 1 ? ` (in ${a.recordSetCount} MX record sets: routing policies; every set counts)` : '';
  switch (a.verdict) {
    case MxVerdict.UNCOVERED: {
      const wildcards = [...new Set(a.uncoveredHosts.flatMap((h) => suggestedPatterns(h).slice(1)))];
      const alternative = wildcards.length > 0 ? ` (or a pattern that covers them, such as ${JSON.stringify(wildcards[0])})` : '';
      return (
        `${a.uncoveredHosts.length} MX host(s) of ${p.DomainName} in hosted zone ${zone} are not covered by the policy's mx patterns: ` +
        `${a.uncoveredHosts.join(', ')}. Under mode enforce, senders refuse to deliver to them. ` +
        `The policy's mx: ${patterns}. The live MX${sets}: ${hostList(a)}. ` +
        `Fix: add ${a.uncoveredHosts.map((h) => JSON.stringify(h)).join(', ')} to \`mx\`${alternative}, or remove those MX records from the zone ` +
        '(a wildcard covers exactly one label: *.mx.example.com covers a.mx.example.com, not a.b.mx.example.com).'
      );
    }
    case MxVerdict.NO_MX:
      return (
        `hosted zone ${zone} has no MX record at ${p.DomainName}: a mode ${p.PolicyMode} policy (mx: ${patterns}) has no mail host to protect, ` +
        'which usually means the wrong `hostedZone` or `domainName`. Fix: add the MX records of the domain to this zone, or check the domain and the zone; ' +
        'if its MX records are served from outside this zone, set `mxGuard: MxGuard.REPORT`.'
      );
    case MxVerdict.NULL_MX:
      return (
        `${p.DomainName} publishes a null MX in hosted zone ${zone} (RFC 7505 "0 ."): it receives no mail, so a mode ${p.PolicyMode} policy protects nothing. ` +
        'Fix: publish mode none (or remove the MtaSts construct), or replace the null MX with the real MX records.'
      );
    default: {
      const unused = a.unusedPatterns.length > 0 ? ` The pattern(s) ${a.unusedPatterns.join(', ')} match no MX host: harmless, but often a typo.` : '';
      return `every MX host of ${p.DomainName} in hosted zone ${zone}${sets} is covered by the policy's mx patterns (${patterns}): ${hostList(a)}.${unused}`;
    }
  }
}

async function assess(p: MxGuardProperties, deps: MxGuardDeps): Promise<Outcome> {
  try {
    const sets = await listRecordSets(deps.route53, { hostedZoneId: p.HostedZoneId, name: p.DomainName, type: 'MX' });
    const assessment = assessMx(p.MxPatterns, sets);
    const unreadable = assessment.unreadableValues.length > 0 ? ` Unreadable MX values, ignored: ${assessment.unreadableValues.join(', ')}.` : '';
    return {
      verdict: assessment.verdict,
      failing: assessment.verdict !== MxVerdict.COVERED,
      text: describeAssessment(assessment, p) + unreadable,
      assessment,
    };
  } catch (e) {
    const err = route53Error(e, p.HostedZoneId);
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
  cloudformation: new CloudFormationClient({}),
  send: httpsResponseSender,
  log: (line) => console.log(line),
});

/** The Lambda entry point. */
export async function handler(event: CloudFormationCustomResourceEvent, _context?: unknown, deps: MxGuardDeps = defaultDeps()): Promise<void> {
  await respondTo(event, () => guard(event, deps), deps.send);
}
