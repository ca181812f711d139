// The MX records of a domain whose DNS is not in Route 53, read through DNS in the form the
// Route 53 reader gives (one record set), so that the one MX assessment (lib/plan/mx-assessment)
// judges them the same way.
import { LiveRecordSet } from '../aws/record-set';
import { canonicalHost } from '../policy/domain-name';
import { DnsOutcome, DnsResult, MxRecord } from './dns-lookup';

/**
 * At most this many MX records are assessed. A domain has a handful; an answer with more is
 * hostile or broken, and is reported (the hosts past the bound are not judged, so the verdict
 * cannot be "covered").
 */
export const MAX_DNS_MX_RECORDS = 100;

/** The lookup `readMxThroughDns` needs; `DnsLookup` has it. */
export interface MxResolver {
  /** The MX records of `name`, sorted by preference then name. */
  mx(name: string): Promise<DnsResult<MxRecord>>;
}

/** The MX records of a domain as DNS gave them. */
export interface DnsMxRead {
  /** The records as one record set (empty when there is none or the lookup failed), at most `MAX_DNS_MX_RECORDS` values. */
  readonly sets: LiveRecordSet[];
  /** How the lookup ended (NXDOMAIN and NODATA: no MX). */
  readonly outcome: DnsOutcome;
  /** The resolver's error code, when it failed. */
  readonly code?: string;
  /** How many MX records DNS gave (more than the values in `sets` when over the bound). */
  readonly total: number;
}

/** True when the lookup failed (nothing is known about the MX records). */
export function mxReadFailed(read: DnsMxRead): boolean {
  return read.outcome !== DnsOutcome.OK && read.outcome !== DnsOutcome.NXDOMAIN && read.outcome !== DnsOutcome.NODATA;
}

/**
 * Reads the MX records of `domain` through `resolver` (its time budget bounds the lookup) as one
 * record set in Route 53's presentation form (`10 mx1.example.com.`; a null MX as `0 .`).
 */
export async function readMxThroughDns(resolver: MxResolver, domain: string, max = MAX_DNS_MX_RECORDS): Promise<DnsMxRead> {
  const name = canonicalHost(domain);
  const r = await resolver.mx(name);
  if (r.outcome !== DnsOutcome.OK) return { sets: [], outcome: r.outcome, code: r.code, total: 0 };
  const values = r.records.slice(0, max).map((m) => `${m.priority} ${m.exchange === '' ? '.' : `${canonicalHost(m.exchange)}.`}`);
  return { sets: [{ name, type: 'MX', values }], outcome: r.outcome, total: r.records.length };
}
