import { z } from 'zod';
import { collectorDestinationUris } from '../constructs/private/collector-config';
import { isWithinZone, normalizeHostname } from '../policy/domain-name';
import { errorsOf, Finding, show } from '../policy/findings';
import { modeFromString, MtaStsMode } from '../policy/mode';
import { MtaStsPolicy, validatePolicyOptions } from '../policy/policy';
import { TlsRptDestination } from '../policy/tls-rpt-destination';

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
const domainSchema = z.strictObject({
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id (Z followed by capital letters and digits)'),
  hostedZoneName: z.string(),
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
});
const stageSchema = z.strictObject({
  account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1'),
  mode: modeSchema,
  domains: z.record(z.string(), z.strictObject(overridesShape)).optional(),
  collector: collectorSchema.optional(),
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
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
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
}

/** A stage: where it deploys and what. */
export interface ResolvedStage {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly domains: ResolvedDomain[];
  /** The stage's TLS-RPT collector, when configured. */
  readonly collector?: ResolvedCollector;
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
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const value = valueAt(raw, issue.path);
        if (issue.code === 'unrecognized_keys') {
          return `${jsonPath(issue.path)}: unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; check the spelling against the README's stage config`;
        }
        const expected = issue.code === 'invalid_type' ? `expected ${issue.expected === 'int' ? 'a whole number' : `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`}` : issue.message;
        return `${jsonPath(issue.path)}: ${expected}, got ${show(value)}`;
      }),
    );
  }
  const config = parsed.data;
  const problems: string[] = [];
  // Rules already broken by a domain's own values, so an override that inherits them
  // does not report them again.
  const domainMessages = new Map<string, Set<string>>();
  for (const [name, d] of Object.entries(config.domains)) {
    const path = ['domains', name];
    problems.push(...zonedNameProblems(name, 'domain name', d.hostedZoneName, path, 'domain'));
    const policyFindings = errorsOf(validatePolicyOptions({ mode: MtaStsMode.TESTING, mx: d.mx, maxAgeSeconds: d.maxAge }));
    domainMessages.set(name, new Set(policyFindings.map((f) => `${f.code}:${f.field}`)));
    problems.push(...problemsOf(policyFindings, path));
    problems.push(...destinationProblems(d.tlsRpt, path));
  }
  for (const [stageName, stage] of Object.entries(config.stages)) {
    for (const [name, o] of Object.entries(stage.domains ?? {})) {
      const path = ['stages', stageName, 'domains', name];
      if (!(name in config.domains)) {
        problems.push(`${jsonPath(path)}: "${name}" is not in ${jsonPath(['domains'])}; add it there (hosted zone, mx) or fix the name. Known: ${Object.keys(config.domains).join(', ')}`);
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
    if (stage.collector) problems.push(...collectorProblems(stage.collector, ['stages', stageName, 'collector']));
  }
  if (config.defaultStage !== undefined && !(config.defaultStage in config.stages)) {
    problems.push(`${jsonPath(['defaultStage'])}: "${config.defaultStage}" is not a stage; known stages: ${Object.keys(config.stages).join(', ')}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
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
    problems.push(...destinationProblems(collectorDestinationUris(c.email, c.https), path, (i) => channels[i]));
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

function destinationProblems(uris: string[] | undefined, path: PropertyKey[], field: (i: number) => string = (i) => `tlsRpt[${i}]`): string[] {
  const problems: string[] = [];
  (uris ?? []).forEach((uri, i) => {
    try {
      TlsRptDestination.fromUri(uri, field(i));
    } catch (e) {
      problems.push(...((e as { findings?: Finding[] }).findings ?? []).map((f) => `${jsonPath(path)}: ${f.message}`));
    }
  });
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
  const stage = config.stages[stageName];
  if (!stage) {
    throw new ConfigError([`stage "${stageName}" is not in ${jsonPath(['stages'])}; known stages: ${known}`]);
  }
  const names = stage.domains ? Object.keys(stage.domains) : Object.keys(config.domains);
  const collector = stage.collector ? resolveCollector(stage.collector) : undefined;
  const domains = names.map((domainName): ResolvedDomain => {
    const d = config.domains[domainName];
    const o = stage.domains?.[domainName] ?? {};
    const mode = modeFromString(o.mode ?? stage.mode)!;
    const mx = o.mx ?? d.mx;
    const maxAgeSeconds = o.maxAge ?? d.maxAge;
    // Own destinations win; otherwise the stage's collector receives the domain's reports.
    const own = o.tlsRpt ?? d.tlsRpt;
    const tlsRpt = own ? own.map((u, i) => TlsRptDestination.fromUri(u, `tlsRpt[${i}]`)) : (collector?.destinations ?? []);
    return {
      domainName: normalizeHostname(domainName, 'domain').name!,
      hostedZoneId: d.hostedZoneId,
      hostedZoneName: normalizeHostname(d.hostedZoneName, 'hostedZoneName').name!,
      mode,
      mx,
      maxAgeSeconds,
      tlsRpt,
      stack: d.stack ?? stackGroupOf(domainName),
      policy: MtaStsPolicy.create({ mode, mx, maxAgeSeconds }),
    };
  });
  return { name: stageName, account: stage.account, region: stage.region, domains, collector };
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
  return { email, https, destinations: collectorDestinationUris(email, https).map((u) => TlsRptDestination.fromUri(u)) };
}

/** The default stack group of a domain: one stack per domain, named after it. */
export function stackGroupOf(domainName: string): string {
  return domainName.replace(/[^A-Za-z0-9]+/g, '-');
}
