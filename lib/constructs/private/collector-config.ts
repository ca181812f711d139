// What the TlsRptCollector construct and its processor Lambda share: the metric vocabulary and
// the configuration object the construct writes into the report bucket at deploy time. Pure (no
// aws-cdk-lib, no AWS SDK): the processor bundle imports it.
import { createHash } from 'node:crypto';
import { parseMxPattern } from '../../policy/mx-pattern';
import { normalizeHostname } from '../../policy/domain-name';

/** The default local part of the collector's report address. */
export const DEFAULT_REPORT_LOCAL_PART = 'tlsrpt';
/** The default path of the collector's HTTPS endpoint. */
export const DEFAULT_REPORT_PATH = 'v1/report';

/**
 * The `rua` URIs of a collector with these channels (mailto first, then https): what
 * `TlsRptCollector.destinations` holds, computed without CDK so that the CLI's `policy` command
 * prints the same `_smtp._tls` value the app publishes.
 */
export function collectorDestinationUris(email?: { domainName: string; localPart?: string }, https?: { domainName: string; path?: string }): string[] {
  const uris: string[] = [];
  if (email) uris.push(`mailto:${email.localPart ?? DEFAULT_REPORT_LOCAL_PART}@${email.domainName}`);
  if (https) uris.push(`https://${https.domainName}/${(https.path ?? DEFAULT_REPORT_PATH).replace(/^\//, '')}`);
  return uris;
}

/**
 * The CloudWatch metrics the TLS-RPT collector's processor puts (all `Count`, statistic `Sum`).
 *
 * Values are timestamped when the report is processed (not at the report's day): CloudWatch
 * refuses data older than two weeks, and an alarm only sees current data. The per-report-day
 * view is the rollup store and the Athena table.
 */
export enum TlsRptMetric {
  /** Reports stored and parsed, with dimension `Channel`, and one per report and policy domain with dimension `Domain`. */
  REPORTS = 'Reports',
  /** Successful sessions (by the rollup counting rule: sts+tlsa entries of one report are counted once). */
  SUCCESSFUL_SESSIONS = 'SuccessfulSessions',
  /** Failed sessions (from the report summaries; the breakdowns come from the failure details). */
  FAILED_SESSIONS = 'FailedSessions',
  /** Inputs that are not a report and were quarantined, with dimension `Reason` (a `RejectReason` or `internal-error`). */
  QUARANTINED_REPORTS = 'QuarantinedReports',
}

/**
 * The dimensions of the collector's metrics. Every value is from a closed set, so the number of
 * metrics stays bounded whatever a (possibly hostile: the HTTPS endpoint is unauthenticated)
 * sender writes in a report.
 */
export enum TlsRptDimension {
  /** A configured policy domain, or `other`. */
  DOMAIN = 'Domain',
  /** A configured reporter name (matched against the verified signing domain), or `other` (also for every unverified report). */
  REPORTER = 'Reporter',
  /** The policy type the sessions were counted from: `sts`, `tlsa`, `no-policy-found` or `other`. */
  POLICY_TYPE = 'PolicyType',
  /** A registered result type, or `other`. */
  RESULT_TYPE = 'ResultType',
  /** The configured mx pattern of the domain that matches the failing MX host, or `other`. */
  MX_HOST = 'MxHost',
  /** `email` or `https`. */
  CHANNEL = 'Channel',
  /** `true` for a DKIM-verified report, `false` for any other (see `AuthenticationStatus`). */
  VERIFIED = 'Verified',
  /** The quarantine reason code. */
  REASON = 'Reason',
}

/** The dimension value that stands for everything outside a dimension's closed set. */
export const OTHER = 'other';

/** The key of the configuration object in the report bucket (outside every prefix the processor is triggered on). */
export const COLLECTOR_CONFIG_KEY = 'config/tls-rpt-collector.json';

/** The schema version of `CollectorConfig`. */
export const COLLECTOR_CONFIG_VERSION = 1;

/** One domain the collector expects reports for. */
export interface CollectorDomainConfig {
  /** The policy domain (lower-case A-labels). */
  readonly domain: string;
  /** Its policy's mx patterns (normalised). */
  readonly mx: string[];
}

/** The configuration object the processor reads (written by the construct at deploy time). */
export interface CollectorConfig {
  /** `COLLECTOR_CONFIG_VERSION`. */
  readonly version: number;
  /** The domains, sorted by name. */
  readonly domains: CollectorDomainConfig[];
  /** The reporter names kept as `Reporter` dimension values. */
  readonly reporters: string[];
  /**
   * Count HTTPS reports as readiness evidence (`TlsRptCollectorProps.trustHttpsReports`).
   * @default false
   */
  readonly trustHttps?: boolean;
}

/** The configuration as the JSON the construct writes: sorted, so equal input gives equal bytes. */
export function renderCollectorConfig(config: CollectorConfig): string {
  const domains = [...config.domains].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0)).map((d) => ({ domain: d.domain, mx: [...d.mx].sort() }));
  return JSON.stringify({ version: config.version, domains, reporters: [...config.reporters], ...(config.trustHttps === true ? { trustHttps: true } : {}) });
}

/** A short hash of the rendered configuration (changes the processor's environment, so new containers read the new object). */
export function collectorConfigHash(rendered: string): string {
  return createHash('sha256').update(rendered, 'utf8').digest('hex').slice(0, 16);
}

/**
 * Reads the configuration object; throws with a message naming what is wrong (a corrupt object
 * is a deployment problem: the processor fails loudly rather than emitting wrong dimensions).
 */
export function parseCollectorConfig(text: string): CollectorConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`the collector configuration ${COLLECTOR_CONFIG_KEY} is not JSON (${(e as Error).message}); deploy the stack again to rewrite it`);
  }
  const v = value as { version?: unknown; domains?: unknown; reporters?: unknown; trustHttps?: unknown };
  if (typeof value !== 'object' || value === null || v.version !== COLLECTOR_CONFIG_VERSION || !Array.isArray(v.domains) || !Array.isArray(v.reporters)) {
    throw new Error(`the collector configuration ${COLLECTOR_CONFIG_KEY} is not a version ${COLLECTOR_CONFIG_VERSION} configuration; deploy the stack again to rewrite it`);
  }
  const domains: CollectorDomainConfig[] = [];
  for (const d of v.domains as unknown[]) {
    const e = d as { domain?: unknown; mx?: unknown };
    const name = normalizeHostname(e?.domain, 'domain', 'a domain name').name;
    if (!name || !Array.isArray(e.mx)) throw new Error(`the collector configuration ${COLLECTOR_CONFIG_KEY} holds an invalid domain entry ${JSON.stringify(d)}`);
    const mx = (e.mx as unknown[]).map((m) => parseMxPattern(m).pattern).filter((m): m is string => m !== undefined);
    domains.push({ domain: name, mx });
  }
  const reporters = (v.reporters as unknown[]).filter((r): r is string => typeof r === 'string' && r.trim() !== '');
  // Only an explicit `true` trusts anything.
  return v.trustHttps === true ? { version: COLLECTOR_CONFIG_VERSION, domains, reporters, trustHttps: true } : { version: COLLECTOR_CONFIG_VERSION, domains, reporters };
}
