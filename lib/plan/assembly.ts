// `mta-sts plan --app <cloud assembly>`, the pure part: what a synthesized app publishes, read
// from its manifest and templates (parsed JSON handed in by the CLI), for apps that use the
// constructs without the stage config. The templates hold every value the plan compares: the
// `_mta-sts` and `_smtp._tls` TXT records with their hosted zone, and the policy body that the
// `Custom::MtaStsPolicy` resource publishes (mode, mx), linked to its record by the policy id.
import { parseTxtValue } from '../aws/record-set';
import { PublishedDomain } from '../config/published-domain';
import { DomainDns } from '../config/stage-config';
import { delegatedName, delegatedRecords } from '../policy/delegation';
import { canonicalHost } from '../policy/domain-name';
import { parsePolicy } from '../policy/policy-parse';
import { mtaStsRecordName, parseMtaStsRecords, policyUrl, tlsRptRecordName } from '../policy/records';

/** A stack of a cloud assembly. */
export interface AssemblyStack {
  /** The stack name CloudFormation deploys (the artifact id when the manifest gives none). */
  readonly stackName: string;
  /** Its template file, relative to the assembly folder. */
  readonly templateFile: string;
}

/** What a cloud assembly manifest lists. */
export interface AssemblyEntries {
  /** The CloudFormation stacks, in manifest order. */
  readonly stacks: AssemblyStack[];
  /** The folders of nested assemblies (the stages of a CDK pipeline), relative to this one. */
  readonly nestedAssemblies: string[];
}

/** One domain a stack publishes, ready for `planDomain`. */
export interface AssemblyDomain {
  /** What the stack publishes, in the form the stage config gives (`stage` is the stack name). */
  readonly published: PublishedDomain;
  /** The hosted zone of its `_mta-sts` record. */
  readonly hostedZoneId: string;
  /** The stack. */
  readonly stackName: string;
}

/** The domains of a template, and what could not be read (each naming the stack, the record and why). */
export interface TemplateDomains {
  readonly domains: AssemblyDomain[];
  readonly problems: string[];
}

/** At most this many artifacts per manifest (a manifest is user input too). */
export const MAX_ASSEMBLY_ARTIFACTS = 10000;

/** The hosted zone name is not in a template (the construct takes the zone by id). */
export const ZONE_NAME_UNKNOWN = '(not in the assembly)';

/**
 * How the CNAME output of a domain on external DNS is described (the construct's
 * `OUTPUT_DESCRIPTIONS.cnameRecords`; a test keeps them equal, this file does not load the
 * constructs). Its value is the zone-file lines of the domain's CNAMEs, one a line, among them
 * `_mta-sts.<d>. 3600 IN CNAME _mta-sts.<d>.<zone>.`; the routing endpoint in the first line is a
 * token (an `Fn::Join` of literals and an import), the other lines are literals.
 */
export const CNAME_RECORDS_OUTPUT = 'cdk-mta-sts: CNAMEs to create at the DNS provider';

/** At most this many parts of an output's `Fn::Join` are read (a template is user input too). */
const MAX_JOIN_PARTS = 64;

const MTA_STS_PREFIX = '_mta-sts.';
const TLS_RPT_PREFIX = '_smtp._tls.';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Json, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The literal text of an output value: a string, or an `Fn::Join` with "" whose parts that are
 * not literals (tokens) read as a space, so no line made of them can match a record line.
 */
function literalText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = isObject(value) ? own(value, 'Fn::Join') : undefined;
  if (!Array.isArray(join) || join.length !== 2 || join[0] !== '' || !Array.isArray(join[1]) || join[1].length > MAX_JOIN_PARTS) return undefined;
  return join[1].map((part: unknown) => (typeof part === 'string' ? part : ' ')).join('');
}

/**
 * The stacks and nested assemblies of a parsed `manifest.json`. Throws an `Error` naming the
 * problem when it is not a cloud assembly manifest.
 */
export function assemblyEntries(manifest: unknown): AssemblyEntries {
  const artifacts = isObject(manifest) ? own(manifest, 'artifacts') : undefined;
  if (!isObject(artifacts)) throw new Error('manifest.json has no "artifacts" object: it is not a cloud assembly manifest');
  const entries = Object.entries(artifacts);
  if (entries.length > MAX_ASSEMBLY_ARTIFACTS) throw new Error(`manifest.json lists ${entries.length} artifacts, more than ${MAX_ASSEMBLY_ARTIFACTS}`);
  const stacks: AssemblyStack[] = [];
  const nestedAssemblies: string[] = [];
  for (const [id, a] of entries) {
    if (!isObject(a)) continue;
    const props = isObject(own(a, 'properties')) ? (own(a, 'properties') as Json) : {};
    const type = own(a, 'type');
    if (type === 'aws:cloudformation:stack') {
      const templateFile = str(own(props, 'templateFile'));
      if (templateFile === undefined) throw new Error(`manifest.json: stack artifact "${id}" has no properties.templateFile`);
      stacks.push({ stackName: str(own(props, 'stackName')) ?? id, templateFile });
    } else if (type === 'cdk:cloud-assembly') {
      const dir = str(own(props, 'directoryName'));
      if (dir !== undefined) nestedAssemblies.push(dir);
    }
  }
  return { stacks, nestedAssemblies };
}

interface TxtResource {
  readonly logicalId: string;
  readonly zone: unknown;
  readonly values: unknown;
}

/** The TXT record sets of a template whose name starts with `prefix`, by domain. */
function txtRecords(resources: Json, prefix: string): Map<string, TxtResource> {
  const out = new Map<string, TxtResource>();
  for (const [logicalId, r] of Object.entries(resources)) {
    if (!isObject(r) || own(r, 'Type') !== 'AWS::Route53::RecordSet') continue;
    const p = own(r, 'Properties');
    if (!isObject(p) || own(p, 'Type') !== 'TXT') continue;
    const name = str(own(p, 'Name'))?.toLowerCase().replace(/\.$/, '');
    if (name === undefined || !name.startsWith(prefix)) continue;
    out.set(name.slice(prefix.length), { logicalId, zone: own(p, 'HostedZoneId'), values: own(p, 'ResourceRecords') });
  }
  return out;
}

/** The policy bodies the template's `Custom::MtaStsPolicy` resources publish, by policy id. */
function policyBodies(resources: Json): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of Object.values(resources)) {
    if (!isObject(r) || own(r, 'Type') !== 'Custom::MtaStsPolicy') continue;
    const p = own(r, 'Properties');
    const id = isObject(p) ? str(own(p, 'PolicyId')) : undefined;
    const text = isObject(p) ? str(own(p, 'PolicyText')) : undefined;
    if (id !== undefined && text !== undefined) out.set(id, text);
  }
  return out;
}

/** The value of a TXT record set with one literal value, joined; undefined when it is not one. */
function literalTxt(values: unknown): string | undefined {
  if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string') return undefined;
  return parseTxtValue(values[0]).join('');
}

/**
 * The domains on external DNS of a template, from their `_mta-sts` CNAME outputs: the name in the
 * delegation zone (`<domain>.<zone>` once `_mta-sts.` is taken off) to the domain and its zone.
 */
function delegatedDomains(template: Json): Map<string, { domain: string; zone: string }> {
  const out = new Map<string, { domain: string; zone: string }>();
  const outputs = own(template, 'Outputs');
  if (!isObject(outputs)) return out;
  for (const o of Object.values(outputs)) {
    if (!isObject(o) || !str(own(o, 'Description'))?.startsWith(CNAME_RECORDS_OUTPUT)) continue;
    const lines = (literalText(own(o, 'Value')) ?? '').split('\n').map((l) => l.trim());
    const m = lines.map((l) => /^(\S+)\s+\d+\s+IN\s+CNAME\s+(\S+)$/i.exec(l)).find((x) => x !== null && x[1].toLowerCase().startsWith(MTA_STS_PREFIX));
    if (!m) continue;
    const [name, target] = [canonicalHost(m[1]), canonicalHost(m[2])];
    if (!name.startsWith(MTA_STS_PREFIX) || !target.startsWith(`${name}.`)) continue;
    const domain = name.slice(MTA_STS_PREFIX.length);
    out.set(target.slice(MTA_STS_PREFIX.length), { domain, zone: target.slice(name.length + 1) });
  }
  return out;
}

/** One domain of a template, or why it cannot be planned; `zone` for a domain on external DNS. */
function templateDomain(stackName: string, domain: string, sts: TxtResource, rpt: TxtResource | undefined, bodies: Map<string, string>, zone?: string): AssemblyDomain | string {
  const named = (name: string) => (zone === undefined ? name : delegatedName(name, zone));
  const where = `stack ${stackName}, ${named(mtaStsRecordName(domain))} (${sts.logicalId})`;
  if (typeof sts.zone !== 'string') return `${where}: its HostedZoneId is not a literal (${JSON.stringify(sts.zone)}), so the zone to read is unknown; take the zone by id (HostedZone.fromHostedZoneAttributes), or plan with --stage`;
  const value = literalTxt(sts.values);
  const id = value === undefined ? undefined : parseMtaStsRecords([[value]]).id;
  if (value === undefined || id === undefined) return `${where}: its value ${JSON.stringify(sts.values)} is not one literal "v=STSv1; id=...;" record`;
  const text = bodies.get(id);
  if (text === undefined) return `${where}: no Custom::MtaStsPolicy resource in the stack publishes the policy id ${id}`;
  const policy = parsePolicy(text);
  if (policy.mode === undefined || policy.maxAgeSeconds === undefined) return `${where}: the published policy body has no valid mode or max_age`;
  let tlsRptRecord: PublishedDomain['tlsRptRecord'] = null;
  if (rpt !== undefined) {
    const rptValue = literalTxt(rpt.values);
    if (rptValue === undefined) return `stack ${stackName}, ${named(tlsRptRecordName(domain))} (${rpt.logicalId}): its value ${JSON.stringify(rpt.values)} is not one literal record`;
    tlsRptRecord = { name: named(tlsRptRecordName(domain)), value: rptValue };
  }
  const published: PublishedDomain = {
    domain,
    stage: stackName,
    dns: zone === undefined ? DomainDns.ROUTE53 : DomainDns.EXTERNAL,
    mode: policy.mode,
    mx: policy.mx,
    maxAgeSeconds: policy.maxAgeSeconds,
    policyId: id,
    policyUrl: policyUrl(domain),
    policyText: text,
    mtaStsRecord: { name: named(mtaStsRecordName(domain)), value },
    tlsRptRecord,
    ...(zone === undefined ? {} : { delegation: { zone, records: delegatedRecords(domain, zone, { publishesTlsRpt: tlsRptRecord !== null }) } }),
  };
  return { published, hostedZoneId: sts.zone, stackName };
}

/**
 * The MTA-STS domains a parsed CloudFormation template publishes: each `_mta-sts.<domain>` TXT
 * record set, with the policy body of the `Custom::MtaStsPolicy` resource whose `PolicyId` is
 * the record's id, and the `_smtp._tls.<domain>` record when there is one. A domain on external
 * DNS is recognised by the `_mta-sts` line of its CNAME output (`CNAME_RECORDS_OUTPUT`): its records are then
 * `_mta-sts.<domain>.<zone>` and `_smtp._tls.<domain>.<zone>` in the delegation zone. A record whose zone,
 * value or policy is not a literal in the template is listed in `problems`, not guessed.
 */
export function templateDomains(stackName: string, template: unknown): TemplateDomains {
  const resources = isObject(template) ? own(template, 'Resources') : undefined;
  if (!isObject(resources)) return { domains: [], problems: [] };
  const bodies = policyBodies(resources);
  const rpt = txtRecords(resources, TLS_RPT_PREFIX);
  const delegated = delegatedDomains(template as Json);
  const domains: AssemblyDomain[] = [];
  const problems: string[] = [];
  for (const [key, sts] of txtRecords(resources, MTA_STS_PREFIX)) {
    const external = delegated.get(key);
    const d = templateDomain(stackName, external?.domain ?? key, sts, rpt.get(key), bodies, external?.zone);
    if (typeof d === 'string') problems.push(d);
    else domains.push(d);
  }
  return { domains, problems };
}
