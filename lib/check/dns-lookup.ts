import { promises as dns } from 'node:dns';
import { canonicalHost } from '../policy/domain-name';
import { error, Finding, info } from '../policy/findings';
import { ResolvedCheckOptions } from './check-options';

/** How a DNS lookup ended. */
export enum DnsOutcome {
  /** The name has records of the type asked. */
  OK = 'ok',
  /** The name does not exist (NXDOMAIN). */
  NXDOMAIN = 'nxdomain',
  /** The name exists but has no record of the type asked (NODATA). */
  NODATA = 'nodata',
  /** The server answered SERVFAIL: it could not resolve the name (often broken DNSSEC or a dead authority). */
  SERVFAIL = 'servfail',
  /** The server answered REFUSED. */
  REFUSED = 'refused',
  /** The server did not answer in time. */
  TIMEOUT = 'timeout',
  /** The server could not be reached at all (connection refused, no route). */
  UNREACHABLE = 'unreachable',
  /** Any other failure (malformed answer, bad name). */
  FAILED = 'failed',
}

/** The result of one DNS lookup. */
export interface DnsResult<T> {
  /** How the lookup ended. */
  readonly outcome: DnsOutcome;
  /** The records, empty unless `outcome` is `OK`. */
  readonly records: T[];
  /** The resolver's error code (`ENOTFOUND`, `ESERVFAIL`...) when it failed. */
  readonly code?: string;
}

/** One MX record. */
export interface MxRecord {
  /** The exchange host name, lower case without the trailing dot (empty for a null MX). */
  readonly exchange: string;
  /** The preference (lower first). */
  readonly priority: number;
}

/** True for outcomes that say nothing about the name, only about the path to the DNS server. */
export function isTransportFailure(outcome: DnsOutcome): boolean {
  return outcome === DnsOutcome.TIMEOUT || outcome === DnsOutcome.UNREACHABLE;
}

/**
 * DNS lookups through one resolver: the system's, or the server given in the options. Every
 * lookup the checker makes (TXT, MX, the policy host's and the MX hosts' addresses) goes through
 * the same instance, so the checker sees what a sender using that resolver sees.
 */
export class DnsLookup {
  private readonly resolver: dns.Resolver;

  /** Which server answers, for messages. */
  public readonly serverLabel: string;

  constructor(private readonly options: ResolvedCheckOptions) {
    // c-ares doubles the timeout on the retry: a quarter then three quarters fit the budget.
    this.resolver = new dns.Resolver({ timeout: Math.max(1, Math.ceil(options.dnsTimeoutMs / 4)), tries: 2 });
    if (options.dnsServer) {
      const { host, port } = options.dnsServer;
      const label = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      this.resolver.setServers([label]);
      this.serverLabel = label;
    } else {
      this.serverLabel = `the system resolver (${this.resolver.getServers().join(', ') || 'none configured'})`;
    }
  }

  /** TXT records at `name`, each as its character-strings (CNAMEs followed). */
  txt(name: string): Promise<DnsResult<string[]>> {
    return settle(() => this.resolver.resolveTxt(name));
  }

  /** The CNAME target at `name`, if `name` is an alias (lower case, no trailing dot). */
  cname(name: string): Promise<DnsResult<string>> {
    return settle(async () => (await this.resolver.resolveCname(name)).map(canonicalHost));
  }

  /** MX records of `name`, sorted by preference then name (see `lookupMx`). */
  mx(name: string): Promise<DnsResult<MxRecord>> {
    return lookupMx(this.resolver, name);
  }

  /**
   * The control query: the root zone's NS records, which every working resolver can give. When
   * it fails too, the resolver (or the path to it) is broken, not the domain checked.
   */
  rootNs(): Promise<DnsResult<string>> {
    return settle(() => this.resolver.resolveNs('.'));
  }

  /**
   * The addresses of `host` as a sender finds them: A records, then AAAA records when there
   * is no A record. The result is the A lookup's unless it found nothing and AAAA did.
   */
  async addresses(host: string): Promise<DnsResult<string>> {
    const a = await settle(() => this.resolver.resolve4(host));
    if (a.outcome === DnsOutcome.OK || isTransportFailure(a.outcome) || a.outcome === DnsOutcome.SERVFAIL) return a;
    const aaaa = await settle(() => this.resolver.resolve6(host));
    return aaaa.outcome === DnsOutcome.OK ? aaaa : a;
  }

  /**
   * The finding for a failed lookup of `name` (`what` says what the record is for), or
   * undefined when the lookup succeeded or the absence is handled by the caller
   * (NXDOMAIN and NODATA are not failures of DNS).
   */
  failureFinding(result: DnsResult<unknown>, name: string, type: string, what: string): Finding | undefined {
    const field = `${name} ${type}`;
    const server = this.serverLabel;
    switch (result.outcome) {
      case DnsOutcome.SERVFAIL:
        return error(
          'dns-servfail',
          field,
          `${field}: ${server} answered SERVFAIL, so senders cannot read ${what}: check the zone's name servers answer for ${name} and, if the zone is signed, that its DNSSEC chain (DS, RRSIG) is valid`,
        );
      case DnsOutcome.REFUSED:
        return error('dns-refused', field, `${field}: ${server} REFUSED the query: use a resolver that answers recursive queries for you (--dns-server), or fix the server's access list`);
      case DnsOutcome.TIMEOUT:
        return error(
          'dns-timeout',
          field,
          `${field}: no answer from ${server} within ${this.options.dnsTimeoutMs} ms, so ${what} could not be read: check the zone's name servers answer (senders give up after about 4 s), or try another --dns-server`,
        );
      case DnsOutcome.UNREACHABLE:
        return error(
          'dns-server-unreachable',
          field,
          `${field}: ${server} cannot be reached (${result.code}): check the address and port of --dns-server, or your network`,
        );
      case DnsOutcome.FAILED:
        return error('dns-failed', field, `${field}: the lookup failed (${result.code}) at ${server}, so ${what} could not be read: check the name and the zone`);
      default:
        return undefined;
    }
  }

  /** An info finding when `name` is an alias: the CNAME is followed, as RFC 8461 section 8.2 allows. */
  async cnameInfo(name: string, type: string): Promise<Finding | undefined> {
    const c = await this.cname(name);
    if (c.outcome !== DnsOutcome.OK) return undefined;
    return info('dns-cname', `${name} ${type}`, `${name} is a CNAME to ${c.records[0]}: senders follow it and read the ${type} record there (delegation, RFC 8461 section 8.2)`);
  }
}

/** The part of a node:dns `Resolver` an MX lookup uses (the deploy-time MX guard injects its own). */
export interface NodeMxResolver {
  /** The MX records at `name` (CNAMEs followed); rejects with a node:dns error code. */
  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]>;
}

/**
 * The MX records of `name` through `resolver`, sorted by preference then name. The answer is
 * hostile input: anything but a list of `{ exchange: string, priority: integer }` fails the
 * lookup (`EBADRESP`), never a record dropped.
 */
export function lookupMx(resolver: NodeMxResolver, name: string): Promise<DnsResult<MxRecord>> {
  return settle(async () => mxRecordsOf(await resolver.resolveMx(name)));
}

function mxRecordsOf(answer: unknown): MxRecord[] {
  const wellFormed = (r: unknown): r is MxRecord => typeof (r as MxRecord | null)?.exchange === 'string' && Number.isInteger((r as MxRecord).priority);
  if (!Array.isArray(answer) || !answer.every(wellFormed)) throw Object.assign(new Error('malformed MX answer'), { code: dns.BADRESP });
  return answer
    .map((r) => ({ exchange: canonicalHost(r.exchange), priority: r.priority }))
    .sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange));
}

/** Runs one query: its records, NODATA for none, or the failure's outcome and (bounded) code. */
async function settle<T>(query: () => Promise<T[]>): Promise<DnsResult<T>> {
  try {
    const records = await query();
    return records.length === 0 ? { outcome: DnsOutcome.NODATA, records: [] } : { outcome: DnsOutcome.OK, records };
  } catch (e) {
    const code = String((e as { code?: unknown } | null)?.code ?? 'UNKNOWN').slice(0, 40);
    return { outcome: outcomeOf(code), records: [], code };
  }
}

function outcomeOf(code: string): DnsOutcome {
  switch (code) {
    case dns.NOTFOUND:
      return DnsOutcome.NXDOMAIN;
    case dns.NODATA:
      return DnsOutcome.NODATA;
    case dns.SERVFAIL:
      return DnsOutcome.SERVFAIL;
    case dns.REFUSED:
      return DnsOutcome.REFUSED;
    case dns.TIMEOUT:
      return DnsOutcome.TIMEOUT;
    case dns.CONNREFUSED:
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return DnsOutcome.UNREACHABLE;
    default:
      return DnsOutcome.FAILED;
  }
}

