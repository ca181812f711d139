// What the MtaStsMonitor construct and its Lambda share: the expectations file (what the app
// publishes for each domain), the metric vocabulary and the thresholds. Pure (no aws-cdk-lib, no
// AWS SDK, no I/O): the handler bundle, the construct and `mta-sts check --stage` import it.
import { z } from '../private/zod';
import { show } from '../policy/findings';

/** The schema version of `MonitorConfig`. */
export const MONITOR_CONFIG_VERSION = 1;

/** The file name of the expectations, beside the handler's `index.js` in its code asset. */
export const MONITOR_CONFIG_FILE = 'monitor-config.json';

/** The default CloudWatch namespace of the monitor's metrics. */
export const DEFAULT_MONITOR_METRIC_NAMESPACE = 'CdkMtaSts/Monitor';

/** The metric the monitor puts once per run, per domain and severity (unit Count). */
export const MONITOR_FINDINGS_METRIC = 'Findings';

/** The dimensions of the monitor's metrics: a closed set of values each (configured names, three severities). */
export enum MonitorDimension {
  /** The monitor's name (the stage): one alarm per monitor. */
  MONITOR = 'Monitor',
  /** A configured domain. */
  DOMAIN = 'Domain',
  /** `error`, `warning` or `info`. */
  SEVERITY = 'Severity',
}

/** The drift thresholds (days). */
export interface DriftThresholds {
  /** A policy-host certificate expiring within this many days is a warning. */
  readonly certWarningDays: number;
  /** Within this many days (or invalid) it is an error, and the alarm fires. */
  readonly certErrorDays: number;
  /** A reporter seen within this many days is expected to keep reporting. */
  readonly reporterWindowDays: number;
  /** A reporter expected to report, silent for more than this many days, is a warning. */
  readonly reporterQuietDays: number;
}

/** The thresholds the issue sets: 30 and 14 days for certificates, 30 and 3 days for reporters. */
export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = {
  certWarningDays: 30,
  certErrorDays: 14,
  reporterWindowDays: 30,
  reporterQuietDays: 3,
};

/** What the app publishes for one domain: the expectations the monitor compares the live state with. */
export interface MonitorDomainConfig {
  /** The policy domain (lower-case A-labels). */
  readonly domain: string;
  /** The published mode. */
  readonly mode: string;
  /** The published mx patterns (normalised, sorted). */
  readonly mx: string[];
  /** The published body, exactly. */
  readonly policyText: string;
  /** The published id. */
  readonly policyId: string;
  /** Whether the id is derived from the body (not fixed by `policyId`): only then is the live id compared with the served body's. */
  readonly idFromBody: boolean;
  /** The published `_smtp._tls` value, or null when the app publishes none. */
  readonly tlsRptRecord: string | null;
  /**
   * The bare id of the domain's Route 53 hosted zone, when the zone is the app's: the monitor then
   * also reads the zone's MX record sets at the domain.
   * @default - the MX records are read through DNS only
   */
  readonly hostedZoneId?: string;
}

/** The expectations file. */
export interface MonitorConfig {
  /** `MONITOR_CONFIG_VERSION`. */
  readonly version: number;
  /** One entry per domain, sorted by domain. */
  readonly domains: MonitorDomainConfig[];
}

/** The most domains one monitor watches (each run checks them all within the Lambda timeout). */
export const MAX_MONITOR_DOMAINS = 2000;

/** A bare Route 53 hosted zone id, as the stage config writes it. */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

const domainSchema = z.strictObject({
  domain: z.string().min(1).max(253),
  mode: z.string().max(16),
  mx: z.array(z.string().max(253)).max(1000),
  policyText: z.string().max(65536),
  policyId: z.string().regex(/^[A-Za-z0-9]{1,32}$/),
  idFromBody: z.boolean(),
  tlsRptRecord: z.string().max(4096).nullable(),
  hostedZoneId: z.string().regex(HOSTED_ZONE_ID).optional(),
});
const configSchema = z.strictObject({
  version: z.literal(MONITOR_CONFIG_VERSION),
  domains: z.array(domainSchema).max(MAX_MONITOR_DOMAINS),
});

/** Renders the expectations deterministically (domains sorted, fixed key order): the same input gives the same bytes, so the asset hash is stable. */
export function renderMonitorConfig(config: MonitorConfig): string {
  const domains = [...config.domains]
    .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0))
    .map((d) => ({
      domain: d.domain,
      mode: d.mode,
      mx: [...d.mx],
      policyText: d.policyText,
      policyId: d.policyId,
      idFromBody: d.idFromBody,
      tlsRptRecord: d.tlsRptRecord,
      ...(d.hostedZoneId === undefined ? {} : { hostedZoneId: d.hostedZoneId }),
    }));
  return JSON.stringify({ version: config.version, domains }) + '\n';
}

/** Parses the expectations file; throws an `Error` naming the first problem. */
export function parseMonitorConfig(text: string): MonitorConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`the monitor's ${MONITOR_CONFIG_FILE} is not JSON (${(e as Error).message}): redeploy the MtaStsMonitor`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the monitor's ${MONITOR_CONFIG_FILE} is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message} (got ${show(pathValue(raw, issue.path))}); redeploy the MtaStsMonitor`);
  }
  return parsed.data;
}

function pathValue(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), root);
}
