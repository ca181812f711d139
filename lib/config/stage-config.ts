import { z } from '../private/zod';
import { collectorDestinationUris } from '../constructs/private/collector-config';
import { isWithinZone, normalizeHostname } from '../policy/domain-name';
import { errorsOf, Finding, show } from '../policy/findings';
import { modeFromString, MtaStsMode } from '../policy/mode';
import { nameLimitFindings } from '../policy/name-limits';
import { MtaStsPolicy, validatePolicyOptions } from '../policy/policy';
import { delegationFindings } from '../policy/delegation';
import { renderTlsRptRecord } from '../policy/records';
import { TlsRptDestination } from '../policy/tls-rpt-destination';
import { ResolvedMonitor, resolveStageMonitor, stageMonitorSchema } from '../monitor/stage-monitor';
import { DEFAULT_PLACEMENT_STACKS, MAX_PLACEMENT_STACKS, placedGroup } from './placement';
import { MAX_SHARED_DOMAINS, pascalName, stageStackProblems } from './stage-stacks';

/** The `cdk.json` context key that holds the configuration. */
export const CONFIG_CONTEXT_KEY = 'mtaSts';

// zod checks the shape (types, unknown keys: a typo such as "mxs" is refused); the RFC core
// checks every value, so the rules are written once.
const modeSchema = z.enum([MtaStsMode.ENFORCE, MtaStsMode.TESTING, MtaStsMode.NONE]);
const overridesShape = {
  mode: modeSchema.optional(),
  mx: z.array(z.string()).optional(),
  maxAge: z.number().optional(),
  tlsRpt: z.array(z.string()).optional(),
};
/**
 * Where a domain's DNS is: in a Route 53 hosted zone of the user's (`route53`, the default: the
 * app writes every record there), or at another provider (`external`: the app writes the TXT
 * records in the stage's `delegationZone`, and the user makes three CNAMEs once; see
 * lib/policy/delegation.ts).
 */
export enum DomainDns {
  ROUTE53 = 'route53',
  EXTERNAL = 'external',
}
const hostedZoneIdSchema = z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id (Z followed by capital letters and digits)');
const domainSchema = z.strictObject({
  dns: z.enum([DomainDns.ROUTE53, DomainDns.EXTERNAL]).optional(),
  hostedZoneId: hostedZoneIdSchema.optional(),
  hostedZoneName: z.string().optional(),
  mx: z.array(z.string()),
  tlsRpt: z.array(z.string()).optional(),
  maxAge: z.number().optional(),
  stack: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'a stack group name (letters, digits, "-")').optional(),
});
const zonedNameShape = {
  domainName: z.string(),
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id (Z followed by capital letters and digits)'),
  hostedZoneName: z.string(),
};
const collectorSchema = z.strictObject({
  email: z.strictObject({ ...zonedNameShape, localPart: z.string().optional() }).optional(),
  https: z.strictObject({ ...zonedNameShape, path: z.string().optional() }).optional(),
  trustHttpsReports: z.boolean().optional(),
});
/**
 * How a stage publishes its policies: a distribution per domain (`dedicated`, the default), or
 * one multi-tenant distribution for every domain of the stage (`shared`, see `MtaStsHosting`).
 */
export enum StageHosting {
  DEDICATED = 'dedicated',
  SHARED = 'shared',
}
const stageSchema = z.strictObject({
  account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
  hosting: z.enum([StageHosting.DEDICATED, StageHosting.SHARED]).optional(),
  placementStacks: z.number().int().min(1).max(MAX_PLACEMENT_STACKS).optional(),
  delegationZone: z.strictObject({ hostedZoneId: hostedZoneIdSchema, zoneName: z.string() }).optional(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1'),
  mode: modeSchema,
  domains: z.record(z.string(), z.strictObject(overridesShape)).optional(),
  collector: collectorSchema.optional(),
  monitor: stageMonitorSchema.optional(),
});
const configSchema = z.strictObject({
  defaultStage: z.string().optional(),
  domains: z.record(z.string(), domainSchema),
  stages: z.record(z.string(), stageSchema),
});

/** The configuration as written in `cdk.json` under `context.mtaSts`. */
export type MtaStsConfig = z.infer<typeof configSchema>;

/** One domain of a stage, with the stage's overrides applied and every value validated. */
export interface ResolvedDomain {
  readonly domainName: string;
  /** Where the domain's DNS is (`dns` in the config). */
  readonly dns: DomainDns;
  /**
   * The Route 53 zone the app writes the domain's records in: its own zone, or for
   * `DomainDns.EXTERNAL` the stage's delegation zone (the same as `delegationZone`).
   */
  readonly hostedZoneId: string;
  /** The name of the zone `hostedZoneId`, normalised. */
  readonly hostedZoneName: string;
  /**
   * For `DomainDns.EXTERNAL`: the stage's delegation zone, which holds the domain's TXT records
   * at `_mta-sts.<domain>.<zoneName>` and `_smtp._tls.<domain>.<zoneName>`.
   */
  readonly delegationZone?: { readonly hostedZoneId: string; readonly zoneName: string };
  readonly mode: MtaStsMode;
  readonly mx: string[];
  /** Seconds, when configured; otherwise the mode's default applies. */
  readonly maxAgeSeconds?: number;
  readonly tlsRpt: TlsRptDestination[];
  /** The stack group the domain goes into. */
  readonly stack: string;
  /** The policy this stage publishes for the domain. */
  readonly policy: MtaStsPolicy;
}

/** A channel of the stage's TLS-RPT collector: a name in a hosted zone. */
export interface ResolvedCollectorChannel {
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  /** The local part (email) or path (https), when configured. */
  readonly localPart?: string;
  readonly path?: string;
}

/** The stage's TLS-RPT collector. */
export interface ResolvedCollector {
  readonly email?: ResolvedCollectorChannel;
  readonly https?: ResolvedCollectorChannel;
  /** Its `rua` destinations: every domain of the stage without its own `tlsRpt` publishes these. */
  readonly destinations: TlsRptDestination[];
  /** `TlsRptCollectorProps.trustHttpsReports` (off unless the config says `true`). */
  readonly trustHttpsReports: boolean;
}

/** A stage: where it deploys and what. */
export interface ResolvedStage {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /** `hosting` of the stage: a distribution per domain, or one shared hosting. */
  readonly hosting: StageHosting;
  readonly domains: ResolvedDomain[];
  /** The stage's TLS-RPT collector, when configured. */
  readonly collector?: ResolvedCollector;
  /** The stage's drift monitor (`monitor`; by default on when a domain is under enforce). */
  readonly monitor?: ResolvedMonitor;
}

/** Refused configuration: the message lists every problem with its JSON path, value and fix. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems in the configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Renders a JSON path the way a person finds it in cdk.json: `mtaSts.domains["example.com"].mx[1]`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return [CONFIG_CONTEXT_KEY, ...path]
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(k)) ? `.${String(k)}` : `[${JSON.stringify(k)}]`))
    .join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), root);
}

/** Prefixes each error finding with the JSON path of the object it is about. */
function problemsOf(findings: Finding[], path: readonly PropertyKey[]): string[] {
  return errorsOf(findings).map((f) => `${jsonPath(path)}: ${f.message}`);
}

/**
 * Parses and validates the configuration object (the value of `context.mtaSts` in cdk.json).
 * Throws `ConfigError` listing every problem, each with its JSON path, the value and the fix.
 */
export function parseConfig(raw: unknown): MtaStsConfig {
  if (raw === undefined) {
    throw new ConfigError([`cdk.json has no "context"."${CONFIG_CONTEXT_KEY}" object: add one with "domains" and "stages" (see the README's stage config)`]);
  }
  const parsed = configSchema.safeParse(raw);
  const prototypeKeys = prototypeKeyProblems(raw);
  if (!parsed.success || prototypeKeys.length > 0) {
    throw new ConfigError([
      ...prototypeKeys,
      ...(parsed.error?.issues ?? []).map((issue) => {
        const value = valueAt(raw, issue.path);
        if (issue.code === 'unrecognized_keys') {
          return `${jsonPath(issue.path)}: unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; check the spelling against the README's stage config`;
        }
        const expected = issue.code === 'invalid_type' ? `expected ${issue.expected === 'int' ? 'a whole number' : `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`}` : issue.message;
        return `${jsonPath(issue.path)}: ${expected}, got ${show(value)}`;
      }),
    ]);
  }
  const config = parsed.data;
  const problems: string[] = [];
  // Rules already broken by a domain's own values, so an override that inherits them
  // does not report them again.
  const domainMessages = new Map<string, Set<string>>();
  problems.push(...sameDomainProblems(Object.keys(config.domains)));
  for (const [name, d] of Object.entries(config.domains)) {
    const path = ['domains', name];
    problems.push(...domainDnsProblems(name, d, path));
    const normalized = normalizeHostname(name, 'domain name').name;
    // The app always makes the policy host's certificate; the longest record name is checked too.
    if (normalized) problems.push(...problemsOf(nameLimitFindings(normalized, { createsCertificate: true, field: 'domain name' }), path));
    const policyFindings = errorsOf(validatePolicyOptions({ mode: MtaStsMode.TESTING, mx: d.mx, maxAgeSeconds: d.maxAge }));
    domainMessages.set(name, new Set(policyFindings.map((f) => `${f.code}:${f.field}`)));
    problems.push(...problemsOf(policyFindings, path));
    problems.push(...destinationProblems(d.tlsRpt, path));
  }
  for (const [stageName, stage] of Object.entries(config.stages)) {
    problems.push(...regionProblems(stage.region, ['stages', stageName, 'region']));
    for (const [name, o] of Object.entries(stage.domains ?? {})) {
      const path = ['stages', stageName, 'domains', name];
      if (!Object.hasOwn(config.domains, name)) {
        problems.push(unknownDomainProblem(name, path, Object.keys(config.domains)));
        continue;
      }
      const mode = o.mode ?? stage.mode;
      const mx = o.mx ?? config.domains[name].mx;
      const inherited = domainMessages.get(name)!;
      const findings = validatePolicyOptions({ mode, mx, maxAgeSeconds: o.maxAge ?? config.domains[name].maxAge });
      problems.push(...problemsOf(findings.filter((f) => !inherited.has(`${f.code}:${f.field}`)), path));
      problems.push(...destinationProblems(o.tlsRpt, path));
    }
  }
  for (const [stageName, stage] of Object.entries(config.stages)) {
    problems.push(...delegationProblems(config, stageName));
    if (stage.collector) problems.push(...collectorProblems(stage.collector, ['stages', stageName, 'collector']));
    if (stage.placementStacks !== undefined && stage.hosting !== StageHosting.SHARED) {
      problems.push(
        `${jsonPath(['stages', stageName, 'placementStacks'])}: placement stacks are for "hosting": "shared" (a dedicated stage gives each domain a stack of its own); remove it, or set "hosting": "shared"`,
      );
    }
  }
  if (config.defaultStage !== undefined && !Object.hasOwn(config.stages, config.defaultStage)) {
    problems.push(`${jsonPath(['defaultStage'])}: "${config.defaultStage}" is not a stage; known stages: ${Object.keys(config.stages).join(', ')}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // Every value is valid: what each stage builds can be checked against CloudFormation's rules.
  problems.push(...sameStackNameProblems(config), ...sharedTenantProblems(config));
  for (const stageName of Object.keys(config.stages)) {
    problems.push(...stageStackProblems(resolveStage(config, stageName), jsonPath(['stages', stageName])));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The keys of the domains a stage publishes, as written in cdk.json: its own list, else every domain. */
function stageDomainKeys(config: MtaStsConfig, stage: MtaStsConfig['stages'][string]): string[] {
  return Object.keys(stage.domains ?? config.domains);
}

/**
 * Keys named `__proto__` at any level: JSON.parse keeps them as own keys, but copying the object
 * (as the schema does) sets the prototype instead and the entry vanishes. Refused, not dropped.
 * Iterative and bounded: the configuration's deepest value is 5 levels down.
 */
function prototypeKeyProblems(raw: unknown): string[] {
  const problems: string[] = [];
  const queue: [unknown, PropertyKey[]][] = [[raw, []]];
  // Read with an index, not shift(): on a queue this long (10 entries a domain) each shift copies
  // the rest, quadratic (7.7 s for 10 000 domains instead of 0.08 s).
  for (let next = 0; next < queue.length; next++) {
    const [value, path] = queue[next];
    if (value === null || typeof value !== 'object' || path.length > 6) continue;
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (key === '__proto__') {
        problems.push(`${jsonPath([...path, key])}: the key "__proto__" cannot be used (JavaScript reads it as the object's prototype, so it would be ignored): remove or rename it`);
      } else {
        queue.push([child, [...path, Array.isArray(value) ? Number(key) : key]]);
      }
    }
  }
  return problems;
}

/** Domain keys that name one domain (case, trailing dot, U-label or A-label): one error for each such set. */
function sameDomainProblems(names: string[]): string[] {
  const byName = new Map<string, string[]>();
  for (const key of names) {
    const name = normalizeHostname(key, 'domain name').name;
    if (name) byName.set(name, [...(byName.get(name) ?? []), key]);
  }
  return [...byName]
    .filter(([, keys]) => keys.length > 1)
    .map(
      ([name, keys]) =>
        `${jsonPath(['domains'])}: ${keys.map((k) => JSON.stringify(k)).join(' and ')} are the same domain ${name} (DNS names ignore case and a trailing dot): ` +
        `keep one key for it and merge their settings, or both would publish the records of ${name}`,
    );
}

/** A stage override of a domain not in `domains`, with the key to write when only its spelling differs. */
function unknownDomainProblem(name: string, path: PropertyKey[], known: string[]): string {
  const normalized = normalizeHostname(name, 'domain name').name;
  const spelled = normalized === undefined ? undefined : known.find((k) => normalizeHostname(k, 'domain name').name === normalized);
  const fix = spelled === undefined ? `add it there (hosted zone, mx) or fix the name. Known: ${known.join(', ')}` : `write it as ${JSON.stringify(spelled)}, the key it has there`;
  return `${jsonPath(path)}: "${name}" is not in ${jsonPath(['domains'])}; ${fix}`;
}

let regionPartitions: Map<string, string | undefined> | undefined;

/**
 * The stage's region must be one aws-cdk-lib knows, in the `aws` partition. The list is
 * `RegionInfo.regions`, which aws-cdk-lib maintains and ships with each release: a typo such as
 * eu-west-9 passes any pattern but not the list, and a region launched later arrives with an
 * upgrade of aws-cdk-lib (the message says so). Only the `aws` partition, because the app puts
 * every stage's certificates in us-east-1 of the stage's account, which the other partitions
 * (aws-cn, aws-us-gov, the isolated ones) do not have.
 */
function regionProblems(region: string, path: PropertyKey[]): string[] {
  // Loaded on first use: its fact tables weigh 1.3 MB (about 0.1 s to load), which the commands
  // that never read a stage config do not pay.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  regionPartitions ??= new Map((require('aws-cdk-lib/region-info') as typeof import('aws-cdk-lib/region-info')).RegionInfo.regions.map((r) => [r.name, r.partition]));
  if (!regionPartitions.has(region)) {
    return [`${jsonPath(path)}: "${region}" is not an AWS region aws-cdk-lib knows; check the spelling (for example eu-west-1), or upgrade aws-cdk-lib if the region is newer than it`];
  }
  const partition = regionPartitions.get(region);
  if (partition !== 'aws') {
    return [`${jsonPath(path)}: "${region}" is in the ${partition} partition, but the app puts the stage's certificates in us-east-1 of the same account, which only the aws partition has: use a region of the aws partition, or build this stage with the MtaSts construct and your own certificate`];
  }
  return [];
}

/** Stages whose stacks would have the same names (their names differ only in case or punctuation) in one account. */
function sameStackNameProblems(config: MtaStsConfig): string[] {
  const byName = new Map<string, string[]>();
  for (const [name, stage] of Object.entries(config.stages)) {
    const key = `${stage.account}/MtaSts${pascalName(name)}`;
    byName.set(key, [...(byName.get(key) ?? []), name]);
  }
  return [...byName]
    .filter(([, names]) => names.length > 1)
    .map(
      ([key, names]) =>
        `${jsonPath(['stages'])}: stages ${names.map((n) => JSON.stringify(n)).join(' and ')} would both deploy stacks named ${key.split('/')[1]}… in account ${key.split('/')[0]}, ` +
        'each replacing the other\'s: rename one of them',
    );
}

/**
 * Tenants across stages: a domain that is a distribution tenant of one stage's shared hosting
 * cannot be in another stage too (tenant names, `mta-sts.<d>` and its records are each one of a
 * kind), and the shared stages of one account hold at most `MAX_SHARED_DOMAINS` tenants in all.
 */
function sharedTenantProblems(config: MtaStsConfig): string[] {
  const problems: string[] = [];
  const stagesOf = new Map<string, string[]>();
  const tenantsByAccount = new Map<string, { count: number; stages: string[] }>();
  for (const [name, stage] of Object.entries(config.stages)) {
    const domains = stageDomainKeys(config, stage);
    for (const d of domains) stagesOf.set(d, [...(stagesOf.get(d) ?? []), name]);
    if (stage.hosting !== StageHosting.SHARED) continue;
    const a = tenantsByAccount.get(stage.account) ?? { count: 0, stages: [] };
    a.count += domains.length;
    a.stages.push(name);
    tenantsByAccount.set(stage.account, a);
  }
  const shared = (n: string) => config.stages[n].hosting === StageHosting.SHARED;
  for (const [domain, names] of stagesOf) {
    if (names.length < 2 || !names.some(shared)) continue;
    const quoted = (list: string[]) => list.map((n) => JSON.stringify(n)).join(' and ');
    problems.push(
      `${jsonPath(['domains', domain])}: "${domain}" is in stages ${quoted(names)}, and ${quoted(names.filter(shared))} publish${names.filter(shared).length === 1 ? 'es' : ''} it ` +
        'as a distribution tenant of a shared hosting (its tenant, mta-sts name and records are each one of a kind): list it in the `domains` of one stage only',
    );
  }
  for (const [account, a] of tenantsByAccount) {
    if (a.count <= MAX_SHARED_DOMAINS) continue;
    problems.push(
      `${jsonPath(['stages'])}: the shared stages ${a.stages.map((n) => JSON.stringify(n)).join(', ')} of account ${account} have ${a.count} domains, more than the ${MAX_SHARED_DOMAINS} distribution tenants an account has by default: raise the quota first, or move stages to other accounts`,
    );
  }
  return problems;
}

/**
 * A domain's zone: a Route 53 domain names its hosted zone (id and name), an external one names
 * none (the stage's `delegationZone` holds its records).
 */
function domainDnsProblems(name: string, d: MtaStsConfig['domains'][string], path: PropertyKey[]): string[] {
  if (d.dns === DomainDns.EXTERNAL) {
    const given = (['hostedZoneId', 'hostedZoneName'] as const).filter((k) => d[k] !== undefined);
    if (given.length === 0) return problemsOf(normalizeHostname(name, 'domain name').findings, path);
    return [
      `${jsonPath(path)}: "dns": "external" with ${given.map((k) => `\`${k}\``).join(' and ')}: an external domain's records are written in the stage's \`delegationZone\`, not in a zone of its own; ` +
        `remove ${given.length === 1 ? 'it' : 'them'}, or, if "${name}" is in Route 53, remove "dns": "external"`,
    ];
  }
  if (d.hostedZoneId === undefined || d.hostedZoneName === undefined) {
    const missing = (['hostedZoneId', 'hostedZoneName'] as const).filter((k) => d[k] === undefined);
    return [
      `${jsonPath(path)}: ${missing.map((k) => `\`${k}\``).join(' and ')} missing: give the Route 53 hosted zone that holds "${name}", ` +
        'or, if its DNS is at another provider, set "dns": "external" (and a `delegationZone` on its stages)',
    ];
  }
  return zonedNameProblems(name, 'domain name', d.hostedZoneName, path, 'domain');
}

/**
 * A stage with external domains: it needs a valid `delegationZone` outside each of them and a
 * shared hosting (only a distribution tenant has a CloudFront-managed certificate, validated
 * through the user's `mta-sts.<domain>` CNAME; a dedicated distribution would need a fourth
 * record per domain, the ACM validation CNAME, known only after a deploy).
 */
function delegationProblems(config: MtaStsConfig, stageName: string): string[] {
  const stage = config.stages[stageName];
  const path = ['stages', stageName];
  const names = stageDomainKeys(config, stage).filter((n) => Object.hasOwn(config.domains, n));
  const external = names.filter((n) => config.domains[n].dns === DomainDns.EXTERNAL);
  if (external.length === 0) return [];
  const listed = external.slice(0, 3).map((n) => `"${n}"`).join(', ') + (external.length > 3 ? ` and ${external.length - 3} more` : '');
  const problems: string[] = [];
  if (stage.hosting !== StageHosting.SHARED) {
    problems.push(
      `${jsonPath([...path, 'hosting'])}: stage "${stageName}" has domains on external DNS (${listed}), which only a shared hosting can serve ` +
        '(their certificates are CloudFront-managed, validated through the mta-sts CNAME): set "hosting": "shared" on the stage',
    );
  }
  if (!stage.delegationZone) {
    problems.push(
      `${jsonPath(path)}: domain(s) ${listed} have "dns": "external" but the stage has no \`delegationZone\`: ` +
        'add "delegationZone": { "hostedZoneId": "Z…", "zoneName": "…" }, a Route 53 zone of yours under another domain that holds their TXT records',
    );
    return problems;
  }
  const zone = normalizeHostname(stage.delegationZone.zoneName, 'zoneName', 'a domain name');
  if (!zone.name) return [...problems, ...problemsOf(zone.findings, [...path, 'delegationZone'])];
  for (const n of external) {
    const domain = normalizeHostname(n, 'domain name').name;
    if (domain) problems.push(...errorsOf(delegationFindings(domain, zone.name, 'zoneName')).map((f) => `${jsonPath([...path, 'delegationZone'])}: ${f.message}`));
  }
  return problems;
}

function collectorProblems(c: NonNullable<MtaStsConfig['stages'][string]['collector']>, path: PropertyKey[]): string[] {
  if (!c.email && !c.https) {
    return [`${jsonPath(path)}: give \`email\`, \`https\` or both (each a domainName in a hosted zone), or remove the collector`];
  }
  const problems: string[] = [];
  for (const [channel, ch] of [['email', c.email], ['https', c.https]] as const) {
    if (ch) problems.push(...zonedNameProblems(ch.domainName, 'domainName', ch.hostedZoneName, [...path, channel], 'name'));
  }
  if (problems.length === 0) {
    const channels = [...(c.email ? ['email'] : []), ...(c.https ? ['https'] : [])];
    problems.push(...destinationProblems(collectorDestinationUris(c.email, c.https), path, (i) => channels[i], path));
  }
  return problems;
}

/** A name and the hosted zone that must hold it: both valid domain names, the name in the zone. */
function zonedNameProblems(value: string, field: string, hostedZoneName: string, path: PropertyKey[], noun: 'domain' | 'name'): string[] {
  const name = normalizeHostname(value, field, 'a domain name');
  const zone = normalizeHostname(hostedZoneName, 'hostedZoneName', 'a domain name');
  const problems = problemsOf([...name.findings, ...zone.findings], path);
  if (name.name && zone.name && !isWithinZone(name.name, zone.name)) {
    const what = noun === 'domain' ? `the domain "${name.name}"` : `"${name.name}"`;
    problems.push(`${jsonPath(path)}: \`hostedZoneName\` "${zone.name}" does not hold ${what}: give the zone that is the ${noun} or one of its parents`);
  }
  return problems;
}

/**
 * Each destination valid, and together within the one TXT string we publish. The record is
 * rendered by the same function the construct uses, so the limit is the one we publish: a single
 * 255-byte character-string (MAX_TXT_STRING_BYTES in lib/policy/records.ts). Route 53 would take
 * more (TxtRecord splits a value into 255-byte strings, up to 4000 characters a value, and RFC 8460
 * joins the strings), but mimecast loses URIs split across strings, so the renderer refuses it.
 */
function destinationProblems(uris: string[] | undefined, path: PropertyKey[], field: (i: number) => string = (i) => `tlsRpt[${i}]`, recordPath: PropertyKey[] = [...path, 'tlsRpt']): string[] {
  const problems: string[] = [];
  const destinations: TlsRptDestination[] = [];
  (uris ?? []).forEach((uri, i) => {
    try {
      destinations.push(TlsRptDestination.fromUri(uri, field(i)));
    } catch (e) {
      problems.push(...((e as { findings?: Finding[] }).findings ?? []).map((f) => `${jsonPath(path)}: ${f.message}`));
    }
  });
  if (problems.length === 0 && destinations.length > 0) {
    try {
      renderTlsRptRecord(destinations);
    } catch (e) {
      problems.push(`${jsonPath(recordPath)}: ${(e as Error).message}`);
    }
  }
  return problems;
}

/**
 * The stage `name` of `config` (or its `defaultStage`), with every domain's values resolved:
 * the stage's per-domain overrides over the domain's own settings over the stage's mode.
 */
export function resolveStage(config: MtaStsConfig, name?: string): ResolvedStage {
  const stageName = name ?? config.defaultStage;
  const known = Object.keys(config.stages).join(', ');
  if (stageName === undefined) {
    throw new ConfigError([`no stage selected: pass -c stage=NAME (cdk) or --stage NAME (CLI), or set ${jsonPath(['defaultStage'])}; known stages: ${known}`]);
  }
  const stage = Object.hasOwn(config.stages, stageName) ? config.stages[stageName] : undefined;
  if (!stage) {
    throw new ConfigError([`stage "${stageName}" is not in ${jsonPath(['stages'])}; known stages: ${known}`]);
  }
  const names = stageDomainKeys(config, stage);
  const collector = stage.collector ? resolveCollector(stage.collector) : undefined;
  const hosting = (stage.hosting as StageHosting | undefined) ?? StageHosting.DEDICATED;
  // A shared stage places a domain without `stack` by its name alone (never moved by others); a
  // dedicated one gives it a stack of its own, as before.
  const placementStacks = stage.placementStacks ?? DEFAULT_PLACEMENT_STACKS;
  const defaultGroup = (name: string): string => (hosting === StageHosting.SHARED ? placedGroup(normalizeHostname(name, 'domain').name!, placementStacks) : stackGroupOf(name));
  const domains = names.map((domainName): ResolvedDomain => {
    // parseConfig refuses this; a config built by hand may still hold it.
    if (!Object.hasOwn(config.domains, domainName)) throw new ConfigError([unknownDomainProblem(domainName, ['stages', stageName, 'domains', domainName], Object.keys(config.domains))]);
    const d = config.domains[domainName];
    const o = stage.domains?.[domainName] ?? {};
    const mode = modeFromString(o.mode ?? stage.mode)!;
    const mx = o.mx ?? d.mx;
    const maxAgeSeconds = o.maxAge ?? d.maxAge;
    // Own destinations win; otherwise the stage's collector receives the domain's reports.
    const own = o.tlsRpt ?? d.tlsRpt;
    const tlsRpt = own ? own.map((u, i) => TlsRptDestination.fromUri(u, `tlsRpt[${i}]`)) : (collector?.destinations ?? []);
    // parseConfig refuses an external domain without the stage's delegation zone, and a Route 53
    // one without its zone.
    const dns = (d.dns as DomainDns | undefined) ?? DomainDns.ROUTE53;
    const delegationZone = dns === DomainDns.EXTERNAL && stage.delegationZone ? { hostedZoneId: stage.delegationZone.hostedZoneId, zoneName: normalizeHostname(stage.delegationZone.zoneName, 'zoneName').name! } : undefined;
    return {
      domainName: normalizeHostname(domainName, 'domain').name!,
      dns,
      hostedZoneId: delegationZone?.hostedZoneId ?? d.hostedZoneId!,
      hostedZoneName: delegationZone?.zoneName ?? normalizeHostname(d.hostedZoneName, 'hostedZoneName').name!,
      delegationZone,
      mode,
      mx,
      maxAgeSeconds,
      tlsRpt,
      stack: d.stack ?? defaultGroup(domainName),
      policy: MtaStsPolicy.create({ mode, mx, maxAgeSeconds }),
    };
  });
  const monitor = resolveStageMonitor(stage.monitor, domains.map((d) => d.mode));
  return { name: stageName, account: stage.account, region: stage.region, hosting, domains, collector, monitor };
}

function resolveCollector(c: NonNullable<MtaStsConfig['stages'][string]['collector']>): ResolvedCollector {
  const channel = (ch: { domainName: string; hostedZoneId: string; hostedZoneName: string; localPart?: string; path?: string } | undefined) =>
    ch && {
      ...ch,
      domainName: normalizeHostname(ch.domainName, 'domainName').name!,
      hostedZoneName: normalizeHostname(ch.hostedZoneName, 'hostedZoneName').name!,
    };
  const email = channel(c.email);
  const https = channel(c.https);
  return { email, https, destinations: collectorDestinationUris(email, https).map((u) => TlsRptDestination.fromUri(u)), trustHttpsReports: c.trustHttpsReports === true };
}

/** The default stack group of a domain: one stack per domain, named after it. */
export function stackGroupOf(domainName: string): string {
  return domainName.replace(/[^A-Za-z0-9]+/g, '-');
}
