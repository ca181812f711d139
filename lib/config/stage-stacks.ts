// The stacks the app makes for a stage, computed without CDK: their ids (which the app uses and
// the config check compares) and an estimate of each domain stack's size against
// CloudFormation's limits, so that a stage too big for a stack is refused with the group, the
// count and the fix before CDK fails with a stack trace.
import { MtaStsMode } from '../policy/mode';
import { renderTlsRptRecord } from '../policy/records';
import { DomainDns, type ResolvedDomain, type ResolvedStage, StageHosting } from './stage-config';

/** CloudFront's certificates live here: a stage elsewhere gets us-east-1 certificate stacks. */
export const CERTIFICATE_REGION = 'us-east-1';

/** CloudFormation: at most 500 resources in a stack. */
export const MAX_STACK_RESOURCES = 500;

/**
 * CloudFormation: at most 1 MB for a template read from S3 (`cdk deploy` uploads the template
 * file as synthesized). Taken as 1 000 000 bytes, the lower reading of "1 MB".
 */
export const MAX_TEMPLATE_BYTES = 1_000_000;

/** CloudFormation: at most 200 outputs in a template. */
export const MAX_STACK_OUTPUTS = 200;

/** PascalCase of a stage or group name, for stack ids. */
export function pascalName(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/** The id (and CloudFormation name) of the stack of group `group` in stage `stage`. */
export function domainStackId(stage: string, group: string): string {
  return `MtaSts${pascalName(stage)}${pascalName(group)}`;
}

/** The id of the us-east-1 certificate stack of group `group` in stage `stage`. */
export function certificateStackId(stage: string, group: string): string {
  return `${domainStackId(stage, group)}Certificates`;
}

/** The id of a `"hosting": "shared"` stage's hosting stack. */
export function hostingStackId(stage: string): string {
  return `MtaSts${pascalName(stage)}Hosting`;
}

/** The id of the us-east-1 stack of a shared hosting's own certificate (stages outside us-east-1). */
export function hostingCertificateStackId(stage: string): string {
  return `${hostingStackId(stage)}Certificate`;
}

/** Above this many domains, a `dedicated` stage warns (`cdk-mta-sts:dedicated-many-domains`) recommending `shared`. */
export const DEDICATED_WARN_DOMAINS = 10;

/**
 * At most this many domains in a `dedicated` stage: each takes an origin access control, and an
 * account has 100 by default (then 500 distributions, 1000 IAM roles).
 */
export const MAX_DEDICATED_DOMAINS = 100;

/** At most this many domains in a `shared` stage: CloudFront's distribution tenants per account. */
export const MAX_SHARED_DOMAINS = 10_000;

/** IAM: 1000 roles per account by default. */
export const MAX_ACCOUNT_ROLES = 1000;

/**
 * The IAM roles a stage's stacks make (the collector and monitor aside): per domain stack its
 * publisher and, with a domain in testing or enforce, its MX guard (also for a domain on external
 * DNS: its guard reads the MX through DNS, with no Route 53 grant, but it is a Lambda with a
 * role); outside us-east-1 also the reader of the certificates' cross-region references and their
 * writer in the certificate stack, for a stack with a Route 53 domain (an external domain's
 * certificate is CloudFront-managed), and the same pair for a shared hosting and its certificate.
 */
export function estimateStageRoles(stage: ResolvedStage): number {
  const crossRegion = stage.region === CERTIFICATE_REGION ? 0 : 2;
  let roles = stage.hosting === StageHosting.SHARED ? crossRegion : 0;
  for (const domains of groupsOf(stage).values()) roles += 1 + (domains.some(hasMxGuard) ? 1 : 0) + (domains.some(hasCertificate) ? crossRegion : 0);
  return roles;
}

/** The id of the stage's drift monitor stack (when it has no collector: the monitor is then in the collector's stack). */
export function monitorStackId(stage: string): string {
  return `MtaSts${pascalName(stage)}Monitor`;
}

/** The id of the stage's TLS-RPT collector stack. */
export function collectorStackId(stage: string): string {
  return `MtaSts${pascalName(stage)}Collector`;
}

/**
 * What one domain stack holds, in resources. Measured from synthesized templates; the test
 * (test/config/stage-stacks.test.ts) synthesizes each case and fails when a construct changes.
 */
const RESOURCES = {
  /** Bucket, BucketPolicy, OriginAccessControl, Distribution, PolicyDeployment, A, AAAA, `_mta-sts` TXT. */
  perDomain: 8,
  /** On a shared hosting: DistributionTenant, PolicyDeployment, A, AAAA, `_mta-sts` TXT. */
  perSharedDomain: 5,
  /** On external DNS: DistributionTenant, PolicyDeployment, `_mta-sts` TXT (no alias records: the user's CNAME). */
  perExternalDomain: 3,
  /** The certificate, in the domain stack when the stage is in us-east-1 (none on external DNS: CloudFront-managed). */
  certificate: 1,
  /** The MX guard resource (modes testing and enforce). */
  mxGuard: 1,
  /** The `_smtp._tls` TXT record. */
  tlsRptRecord: 1,
  /** Per stack: the policy publisher's LogGroup, Role, Policy and Function. */
  publisher: 4,
  /** Per stack with an MX guard: its LogGroup, Role, Policy and Function. */
  mxGuardProvider: 4,
  /** Per stack outside us-east-1 with a Route 53 domain: the cross-region reader of the certificate ARNs. */
  crossRegionReader: 3,
};

/** What one domain adds to its stack's outputs (counted exactly). */
const OUTPUTS = {
  /** Policy URL, bucket and distribution id. */
  perDomain: 3,
  /** The policy URL. */
  perSharedDomain: 1,
  /** The policy URL and the zone-file lines of its CNAMEs (one output). */
  perExternalDomain: 2,
};

/**
 * CDK moves the statements of a role past IAM's inline policy size into managed policies of their
 * own (one resource each). Measured: none up to 19 domains a stack, then at most one more every
 * 10 domains (each domain adds publisher statements and, with its own zone, an MX guard grant).
 */
function iamOverflowPolicies(domains: number): number {
  return Math.max(0, Math.ceil((domains - 19) / 10));
}

/**
 * Template bytes, as the file `cdk synth` writes. An upper bound fitted on synthesized templates
 * (the test checks it is at least the real size and at most 15% over): per stack its providers,
 * per domain a base (its resources and outputs) plus the domain name (it is in many names,
 * logical ids and output names), the policy body
 * (in the publication and, as mx, in the MX guard) and the TLS-RPT record.
 */
const SHARED_DOMAIN_BYTES = 3_400;
const BYTES = {
  publisher: 3_500,
  mxGuardProvider: 2_650,
  crossRegionReader: 2_300,
  perDomain: 8_700,
  /** On a shared hosting: the tenant instead of the bucket, its policy and the distribution; one output. */
  perSharedDomain: SHARED_DOMAIN_BYTES,
  /** On external DNS: the tenant without certificate or alias records; the policy URL and the CNAME output. */
  perExternalDomain: 2_200,
  /** On external DNS: the delegation zone's name, in the TXT record names and the CNAME outputs (twice more with TLS-RPT). */
  perDelegationZoneChar: 2.2,
  /** On external DNS: the `_smtp._tls` CNAME line of its output. */
  externalTlsRptOutput: 80,
  /** Per stack on a shared hosting: the publisher's grant of the hosting (imports of its bucket). */
  sharedHostingGrant: 1_000,
  perDomainNameChar: 44,
  perPolicyChar: 1.1,
  mxGuard: 860,
  mxGuardPerPolicyChar: 1.15,
  tlsRptRecord: 200,
  perTlsRptChar: 1.5,
};

/** The estimated size of one domain stack. */
export interface StackEstimate {
  readonly stackId: string;
  readonly group: string;
  readonly domains: number;
  readonly resources: number;
  readonly templateBytes: number;
  /** The stack's outputs (each domain's: see the constructs' stack outputs). */
  readonly outputs: number;
}

function hasMxGuard(d: ResolvedDomain): boolean {
  return d.policy.mode !== MtaStsMode.NONE;
}

/** Whether the domain has an ACM certificate (a Route 53 domain; an external one's is CloudFront-managed). */
function hasCertificate(d: ResolvedDomain): boolean {
  return d.dns !== DomainDns.EXTERNAL;
}

function domainResources(d: ResolvedDomain, inStackCertificate: boolean, shared: boolean): number {
  const base = d.dns === DomainDns.EXTERNAL ? RESOURCES.perExternalDomain : shared ? RESOURCES.perSharedDomain : RESOURCES.perDomain;
  return base + (inStackCertificate && hasCertificate(d) ? RESOURCES.certificate : 0) + (hasMxGuard(d) ? RESOURCES.mxGuard : 0) + (d.tlsRpt.length > 0 ? RESOURCES.tlsRptRecord : 0);
}

function domainOutputs(d: ResolvedDomain, shared: boolean): number {
  if (d.dns === DomainDns.EXTERNAL) return OUTPUTS.perExternalDomain;
  return shared ? OUTPUTS.perSharedDomain : OUTPUTS.perDomain;
}

function domainBytes(d: ResolvedDomain, shared: boolean): number {
  const policy = d.policy.text.length;
  const guard = hasMxGuard(d) ? BYTES.mxGuard + BYTES.mxGuardPerPolicyChar * policy : 0;
  const tlsRpt = d.tlsRpt.length > 0 ? BYTES.tlsRptRecord + BYTES.perTlsRptChar * renderTlsRptRecord(d.tlsRpt).length : 0;
  const zone = d.delegationZone?.zoneName.length ?? 0;
  const base =
    d.dns === DomainDns.EXTERNAL
      ? BYTES.perExternalDomain + BYTES.perDelegationZoneChar * zone * (d.tlsRpt.length > 0 ? 4 : 2) + (d.tlsRpt.length > 0 ? BYTES.externalTlsRptOutput : 0)
      : shared
        ? BYTES.perSharedDomain
        : BYTES.perDomain;
  return base + BYTES.perDomainNameChar * d.domainName.length + BYTES.perPolicyChar * policy + guard + tlsRpt;
}

/**
 * Estimates the stack of `domains` (one group of `stage`): resources, template bytes and
 * outputs, as the app builds it. Also returns how many of the domains, in order, fit the limits.
 */
export function estimateDomainStack(stage: ResolvedStage, group: string, domains: readonly ResolvedDomain[]): StackEstimate & { readonly fitting: number } {
  const inStackCertificate = stage.region === CERTIFICATE_REGION;
  // On a shared hosting the publisher is granted once (no overflow policies) and holds no bucket.
  const shared = stage.hosting === StageHosting.SHARED;
  let perDomainResources = 0;
  let perDomainBytes = 0;
  let guard = false;
  // Outside us-east-1, a stack reads certificate ARNs across regions once it has a Route 53 domain.
  let reader = false;
  let bytes = 0;
  let fitting = 0;
  let resources = 0;
  let outputs = 0;
  domains.forEach((d, i) => {
    perDomainResources += domainResources(d, inStackCertificate, shared);
    perDomainBytes += domainBytes(d, shared);
    outputs += domainOutputs(d, shared);
    guard ||= hasMxGuard(d);
    reader ||= !inStackCertificate && hasCertificate(d);
    const fixed = RESOURCES.publisher + (guard ? RESOURCES.mxGuardProvider : 0) + (reader ? RESOURCES.crossRegionReader : 0);
    resources = fixed + perDomainResources + (shared ? 0 : iamOverflowPolicies(i + 1));
    bytes = BYTES.publisher + (shared ? BYTES.sharedHostingGrant : 0) + (guard ? BYTES.mxGuardProvider : 0) + (reader ? BYTES.crossRegionReader : 0) + perDomainBytes;
    if (resources <= MAX_STACK_RESOURCES && bytes <= MAX_TEMPLATE_BYTES && outputs <= MAX_STACK_OUTPUTS) fitting = i + 1;
  });
  return { stackId: domainStackId(stage.name, group), group, domains: domains.length, resources, templateBytes: Math.round(bytes), outputs, fitting };
}

/** The stage's domains by stack group, in config order. */
export function groupsOf(stage: ResolvedStage): Map<string, ResolvedDomain[]> {
  const groups = new Map<string, ResolvedDomain[]>();
  for (const d of stage.domains) groups.set(d.stack, [...(groups.get(d.stack) ?? []), d]);
  return groups;
}

/**
 * The problems of a stage's stacks: two groups (or a group and the collector, or a certificate
 * stack) that would make stacks of one id, and a group whose stack would exceed CloudFormation's
 * 500 resources, 1 MB template or 200 outputs. Each names the group, the count and the fix.
 *
 * @param where the JSON path of the stage, for messages
 */
export function stageStackProblems(stage: ResolvedStage, where: string): string[] {
  const groups = groupsOf(stage);
  const problems = [...hostingProblems(stage, where), ...stackIdProblems(stage, groups, where)];
  for (const [group, domains] of groups) {
    const e = estimateDomainStack(stage, group, domains);
    const fix =
      e.fitting === 0
        ? `even its first domain is too big for one stack: give it fewer or shorter mx patterns`
        : `move domains of this group to another one with their "stack" key in mtaSts.domains ` +
          `(${e.fitting === 1 ? 'only the first fits' : `the first ${e.fitting} fit`} in one stack)` +
          // A placement stack's domains are deployed already, but for the ones being added.
          (isPlacementGroup(stage, group) ? '; for a placement stack, give that key to the domains you are adding: moving a deployed domain re-creates its records' : '');
    if (e.resources > MAX_STACK_RESOURCES) {
      problems.push(
        `${where}: stack group "${group}" has ${e.domains} domains, which make about ${e.resources} resources in stack ${e.stackId}, ` +
          `more than the ${MAX_STACK_RESOURCES} CloudFormation allows in a stack: ${fix}`,
      );
    } else if (e.templateBytes > MAX_TEMPLATE_BYTES) {
      problems.push(
        `${where}: stack group "${group}" has ${e.domains} domains, which make a template of about ${e.templateBytes} bytes for stack ${e.stackId}, ` +
          `more than the ${MAX_TEMPLATE_BYTES} (1 MB) CloudFormation allows (long mx lists make it big): ${fix}`,
      );
    } else if (e.outputs > MAX_STACK_OUTPUTS) {
      problems.push(
        `${where}: stack group "${group}" has ${e.domains} domains, which make ${e.outputs} outputs in stack ${e.stackId} (a domain has one to three: its policy URL, its CNAMEs on external DNS, its bucket and distribution when dedicated), ` +
          `more than the ${MAX_STACK_OUTPUTS} CloudFormation allows in a template: ${fix}`,
      );
    }
  }
  return problems;
}

/** True for a group the placement rule made (a shared stage's `Shard-<n>`), not a `stack` key. */
function isPlacementGroup(stage: ResolvedStage, group: string): boolean {
  return stage.hosting === StageHosting.SHARED && /^Shard-\d+$/.test(group);
}

/** A stage with more domains than its hosting can take in one account. */
function hostingProblems(stage: ResolvedStage, where: string): string[] {
  const n = stage.domains.length;
  if (stage.hosting === StageHosting.DEDICATED && n > MAX_DEDICATED_DOMAINS) {
    return [
      `${where}: ${n} domains with "hosting": "dedicated" (the default) make ${n} CloudFront distributions and origin access controls, ` +
        `more than the ${MAX_DEDICATED_DOMAINS} origin access controls an account has by default: set "hosting": "shared" on the stage (one multi-tenant distribution for every domain)`,
    ];
  }
  if (stage.hosting === StageHosting.SHARED && n > MAX_SHARED_DOMAINS) {
    return [`${where}: ${n} domains with "hosting": "shared" are more than the ${MAX_SHARED_DOMAINS} distribution tenants an account has by default: raise the quota first, or split the domains across stages in other accounts`];
  }
  const roles = estimateStageRoles(stage);
  if (roles > MAX_ACCOUNT_ROLES) {
    const stacks = groupsOf(stage).size;
    return [
      `${where}: ${n} domains in ${stacks} stacks make about ${roles} IAM roles (a publisher and an MX guard a stack${stage.region === CERTIFICATE_REGION ? '' : ', and two for the cross-region certificates'}), ` +
        `more than the ${MAX_ACCOUNT_ROLES} an account has by default: put the domains in fewer stacks with their "stack" key in mtaSts.domains (a stack holds up to about 60 domains on a shared hosting)`,
    ];
  }
  return [];
}

const CERTIFICATES_OF = 'the certificate stack of ';

/** Two owners of one stack id: CDK would refuse the second ("There is already a Construct"). */
function stackIdProblems(stage: ResolvedStage, groups: Map<string, ResolvedDomain[]>, where: string): string[] {
  const owners = new Map<string, string[]>();
  const own = (id: string, owner: string) => owners.set(id, [...(owners.get(id) ?? []), owner]);
  const describe = (group: string) => `stack group "${group}" (${groups.get(group)!.map((d) => d.domainName).join(', ')})`;
  for (const group of groups.keys()) {
    own(domainStackId(stage.name, group), describe(group));
    if (stage.region !== CERTIFICATE_REGION) own(certificateStackId(stage.name, group), `${CERTIFICATES_OF}${describe(group)}`);
  }
  if (stage.collector) own(collectorStackId(stage.name), 'the stage\'s collector');
  else if (stage.monitor) own(monitorStackId(stage.name), 'the stage\'s drift monitor');
  if (stage.hosting === StageHosting.SHARED) {
    own(hostingStackId(stage.name), 'the stage\'s shared hosting');
    if (stage.region !== CERTIFICATE_REGION) own(hostingCertificateStackId(stage.name), 'the certificate stack of the stage\'s shared hosting');
  }
  // Two certificate stacks collide only when their groups' stacks do: that is reported already.
  return [...owners]
    .filter(([, who]) => who.length > 1 && !who.every((w) => w.startsWith(CERTIFICATES_OF)))
    .map(
      ([id, who]) =>
        `${where}: ${who.join(' and ')} would make the same stack ${id} (stack ids keep only letters and digits, and capitalise each word): ` +
        'give the domains of one of them another "stack" value in mtaSts.domains, or the same one to put them in one stack',
    );
}
