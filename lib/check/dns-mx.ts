// The MX records of a domain whose DNS is not in Route 53, read through DNS in the form the
// Route 53 reader gives (one record set), so that the one MX assessment (lib/plan/mx-assessment)
// judges them the same way. `plan` and the deploy-time MX guard both read them here.
import { promises as dns } from 'node:dns';
import type { LiveRecordSet } from '../aws/record-set';
import { canonicalHost } from '../policy/domain-name';
import { DnsOutcome, DnsResult, MxRecord } from './dns-lookup';

/**
 * At most this many MX records are assessed. A domain has a handful; an answer with more is
 * hostile or broken. The read keeps the first ones and says how many there were (`total`):
 * `plan` reports the rest at the MX severity (the hosts past the bound are not judged), the MX
 * guard refuses the answer (a dropped record could hide an uncovered host).
 */
export const MAX_DNS_MX_RECORDS = 100;

/** The lookup `readMxThroughDns` needs; `DnsLookup` has it (`lookupMx` over any node:dns resolver too). */
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

/** True when DNS gave more MX records than `MAX_DNS_MX_RECORDS` (only the first ones are in `sets`). */
export function mxReadOverBound(read: DnsMxRead): boolean {
  return read.total > MAX_DNS_MX_RECORDS;
}

/** `lookup`, or a TIMEOUT result when it has not ended after `ms`. */
function withinBudget(lookup: Promise<DnsResult<MxRecord>>, ms: number): Promise<DnsResult<MxRecord>> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<DnsResult<MxRecord>>((resolve) => {
    timer = setTimeout(() => resolve({ outcome: DnsOutcome.TIMEOUT, records: [], code: dns.TIMEOUT }), ms);
    timer.unref?.();
  });
  return Promise.race([lookup, budget]).finally(() => clearTimeout(timer));
}

/**
 * Reads the MX records of `domain` through `resolver` as one record set in Route 53's
 * presentation form (`10 mx1.example.com.`; a null MX as `0 .`), at most `MAX_DNS_MX_RECORDS`
 * values (`total` says how many DNS gave).
 *
 * @param budgetMs the time the lookup may take in all, past which it is a TIMEOUT (without it,
 *   the resolver's own time-outs bound it, as `DnsLookup`'s do)
 */
export async function readMxThroughDns(resolver: MxResolver, domain: string, budgetMs?: number): Promise<DnsMxRead> {
  const name = canonicalHost(domain);
  const r = await (budgetMs === undefined ? resolver.mx(name) : withinBudget(resolver.mx(name), budgetMs));
  if (r.outcome !== DnsOutcome.OK) return { sets: [], outcome: r.outcome, code: r.code, total: 0 };
  const values = r.records.slice(0, MAX_DNS_MX_RECORDS).map((m) => `${m.priority} ${m.exchange === '' ? '.' : `${canonicalHost(m.exchange)}.`}`);
  return { sets: [{ name, type: 'MX', values }], outcome: r.outcome, total: r.records.length };
}
