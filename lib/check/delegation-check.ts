// The three CNAMEs of a domain on external DNS, verified through DNS: `plan` and `check --stage`
// both call `checkDelegation`, so one rule says whether the user's DNS provider sends senders to
// the records the app manages. The observation (`observeAlias`) does the lookups; the verdict
// (`assessDelegatedRecord`) is pure.
import { DelegatedRecord, DelegatedRecordKind, delegatedRecords, renderZoneLines } from '../policy/delegation';
import { canonicalHost } from '../policy/domain-name';
import { error, Finding, show, warning } from '../policy/findings';
import { DnsOutcome, DnsResult, isTransportFailure } from './dns-lookup';

/**
 * At most this many CNAMEs are followed from one name. Resolvers bound chains too (BIND stops
 * at 16 links, others sooner); a delegation needs one, so a longer chain is a mistake.
 */
export const MAX_CNAME_HOPS = 8;

/** At most this many records found at a name are kept for messages (a hostile answer can hold hundreds). */
export const MAX_SHOWN_RECORDS = 5;

/** The domain suffix of every CloudFront routing endpoint. */
export const CLOUDFRONT_SUFFIX = '.cloudfront.net';

/** The lookups `observeAlias` needs; `DnsLookup` has them. */
export interface AliasResolver {
  /** The CNAME target at `name` (lower case, no trailing dot). */
  cname(name: string): Promise<DnsResult<string>>;
  /** The TXT records at `name`, each as its character-strings. */
  txt(name: string): Promise<DnsResult<string[]>>;
  /** The A (else AAAA) addresses of `host`. */
  addresses(host: string): Promise<DnsResult<string>>;
}

/** What DNS holds at a name that should be a CNAME. */
export enum AliasState {
  /** A CNAME chain that ends (its last target is no CNAME). */
  ALIAS = 'alias',
  /** No CNAME and no record of the type senders ask (NXDOMAIN or NODATA). */
  ABSENT = 'absent',
  /** No CNAME, but records of the type senders ask (TXT, or A/AAAA for the policy host). */
  RECORDS = 'records',
  /** The chain comes back to a name it passed. */
  LOOP = 'loop',
  /** The chain is longer than `MAX_CNAME_HOPS`. */
  TOO_LONG = 'too-long',
  /** A lookup failed (SERVFAIL, REFUSED, a time-out...): nothing is known. */
  FAILED = 'failed',
}

/** What `observeAlias` saw at one name. */
export interface AliasObservation {
  /** The name looked up, lower case without the trailing dot. */
  readonly name: string;
  /** What is there. */
  readonly state: AliasState;
  /** The CNAME targets followed from `name`, in order, normalised (empty when `name` is no CNAME). */
  readonly chain: string[];
  /** For `RECORDS`: the records (TXT strings joined, addresses), at most `MAX_SHOWN_RECORDS`. */
  readonly records: string[];
  /** For `RECORDS`: how many records there are. */
  readonly recordCount: number;
  /** For `ABSENT`: NXDOMAIN or NODATA; for `FAILED`: the failed outcome. */
  readonly outcome?: DnsOutcome;
  /** For `FAILED`: the name whose lookup failed, and the resolver's error code. */
  readonly failedName?: string;
  /** For `FAILED`: the resolver's error code. */
  readonly code?: string;
}

/** Which records senders ask for at a name: TXT at `_mta-sts`/`_smtp._tls`, addresses at the policy host. */
export enum AliasProbe {
  TXT = 'TXT',
  ADDRESS = 'A/AAAA',
}

/**
 * Follows the CNAME chain from `name` (at most `MAX_CNAME_HOPS` links, a loop detected); when
 * `name` is no CNAME, looks up what senders ask for there instead (`probe`), to tell a missing
 * CNAME from records that shadow the delegation.
 */
export async function observeAlias(resolver: AliasResolver, name: string, probe: AliasProbe): Promise<AliasObservation> {
  const start = canonicalHost(name);
  const chain: string[] = [];
  const base = { name: start, records: [], recordCount: 0 };
  let current = start;
  for (;;) {
    const r = await resolver.cname(current);
    if (r.outcome === DnsOutcome.OK) {
      const next = canonicalHost(r.records[0]);
      if (next === start || chain.includes(next)) return { ...base, state: AliasState.LOOP, chain: [...chain, next] };
      if (chain.length === MAX_CNAME_HOPS) return { ...base, state: AliasState.TOO_LONG, chain };
      chain.push(next);
      current = next;
      continue;
    }
    if (r.outcome !== DnsOutcome.NXDOMAIN && r.outcome !== DnsOutcome.NODATA) {
      return { ...base, state: AliasState.FAILED, chain, outcome: r.outcome, failedName: current, code: r.code };
    }
    if (chain.length > 0) return { ...base, state: AliasState.ALIAS, chain, outcome: r.outcome };
    return observeRecords(resolver, start, probe, r.outcome);
  }
}

/** `name` is no CNAME: the records senders would read there instead, if any. */
async function observeRecords(resolver: AliasResolver, name: string, probe: AliasProbe, cnameOutcome: DnsOutcome): Promise<AliasObservation> {
  const base = { name, chain: [], records: [], recordCount: 0 };
  const found: DnsResult<string> =
    probe === AliasProbe.TXT ? await resolver.txt(name).then((t) => ({ ...t, records: t.records.map((s) => s.join('')) })) : await resolver.addresses(name);
  if (found.outcome === DnsOutcome.OK) {
    return { ...base, state: AliasState.RECORDS, records: found.records.slice(0, MAX_SHOWN_RECORDS), recordCount: found.records.length };
  }
  if (isTransportFailure(found.outcome) || found.outcome === DnsOutcome.SERVFAIL || found.outcome === DnsOutcome.REFUSED || found.outcome === DnsOutcome.FAILED) {
    return { ...base, state: AliasState.FAILED, outcome: found.outcome, failedName: name, code: found.code };
  }
  return { ...base, state: AliasState.ABSENT, outcome: cnameOutcome };
}

/** The verdict on one delegated record. */
export enum DelegationStatus {
  /** The CNAME leads to what the app manages. */
  OK = 'ok',
  /** No CNAME yet (expected before the user has made it). */
  MISSING = 'missing',
  /** A CNAME that leads elsewhere. */
  WRONG = 'wrong',
  /** Records of their own at the name, instead of the CNAME. */
  SHADOWED = 'shadowed',
  /** A CNAME loop, or a chain longer than `MAX_CNAME_HOPS`. */
  BROKEN = 'broken',
  /** DNS failed: not verified. */
  UNREADABLE = 'unreadable',
  /** A CNAME into CloudFront, but the routing endpoint is not known to compare with. */
  NOT_COMPARED = 'not-compared',
}

/** One delegated record: what it should be, what DNS holds, the verdict. */
export interface DelegatedRecordCheck {
  /** What the record is for. */
  readonly kind: DelegatedRecordKind;
  /** The owner name at the user's DNS provider. */
  readonly name: string;
  /** Where it must point; undefined for the policy host while the routing endpoint is unknown. */
  readonly expected?: string;
  /** The zone-file line to create. */
  readonly zoneLine: string;
  /** What DNS holds. */
  readonly live: AliasObservation;
  /** The verdict. */
  readonly status: DelegationStatus;
  /** The finding behind a verdict other than `OK`. */
  readonly finding?: Finding;
}

/** The result of `checkDelegation`. */
export interface DelegationCheck {
  /** The delegation zone of the domain. */
  readonly delegationZone: string;
  /** The routing endpoint compared with, when known. */
  readonly routingEndpoint?: string;
  /** The records in the order to create them (policy host, TLS-RPT, MTA-STS). */
  readonly records: DelegatedRecordCheck[];
  /** Every record's finding, in the same order. */
  readonly findings: Finding[];
}

/** What `checkDelegation` verifies for one domain. */
export interface DelegationSpec {
  /** The mail domain (normalised). */
  readonly domain: string;
  /** The Route 53 zone that holds the app's records for it (normalised). */
  readonly delegationZone: string;
  /** Whether the domain publishes TLS-RPT (then `_smtp._tls.<domain>` is delegated too). */
  readonly publishesTlsRpt: boolean;
  /**
   * The hosting's routing endpoint (`d111111abcdef8.cloudfront.net`).
   * @default - unknown: the policy host must be a CNAME into cloudfront.net, the exact target is not compared
   */
  readonly routingEndpoint?: string;
}

/**
 * Verifies through DNS the CNAMEs a domain on external DNS needs at its provider: each must lead
 * to the name the app manages (see `assessDelegatedRecord`). The three names are looked up at once.
 */
export async function checkDelegation(resolver: AliasResolver, spec: DelegationSpec): Promise<DelegationCheck> {
  const routingEndpoint = spec.routingEndpoint === undefined ? undefined : canonicalHost(spec.routingEndpoint);
  const expected = delegatedRecords(spec.domain, spec.delegationZone, { routingEndpoint, publishesTlsRpt: spec.publishesTlsRpt });
  const live = await Promise.all(expected.map((r) => observeAlias(resolver, r.name, r.kind === DelegatedRecordKind.POLICY_HOST ? AliasProbe.ADDRESS : AliasProbe.TXT)));
  const stsDelegated = live.some((o, i) => expected[i].kind === DelegatedRecordKind.MTA_STS && o.state === AliasState.ALIAS);
  const records = expected.map((r, i) => assessDelegatedRecord(r, live[i], { domain: spec.domain, stsDelegated }));
  return { delegationZone: spec.delegationZone, routingEndpoint, records, findings: records.flatMap((r) => (r.finding ? [r.finding] : [])) };
}

/** What `assessDelegatedRecord` needs beyond the record. */
export interface DelegationContext {
  /** The mail domain. */
  readonly domain: string;
  /** Whether `_mta-sts.<domain>` is a CNAME already (a missing policy host is then urgent). */
  readonly stsDelegated: boolean;
}

const chainText = (name: string, chain: readonly string[]): string => [name, ...chain].join(' → ');

/** What goes wrong for senders while a record is not delegated, by kind. */
function consequence(kind: DelegatedRecordKind, domain: string, stsDelegated: boolean): string {
  switch (kind) {
    case DelegatedRecordKind.MTA_STS:
      return `senders see no MTA-STS policy for ${domain} (no mail is stranded, and none is protected)`;
    case DelegatedRecordKind.TLS_RPT:
      return `senders send no TLS-RPT reports for ${domain} to the app's addresses`;
    default:
      return stsDelegated
        ? `senders learn of the policy from _mta-sts.${domain} but cannot fetch it, and CloudFront cannot validate the domain's certificate (this CNAME comes first)`
        : `senders cannot fetch the policy, and CloudFront cannot validate the domain's certificate`;
  }
}

/** The fix: the zone line, with where the routing endpoint comes from when it is unknown. */
function fixOf(r: DelegatedRecord, zoneLine: string): string {
  const where = r.target === undefined ? ' (the target is the hosting\'s routing endpoint: `mta-sts records --stage <stage>` prints it once the hosting stack is deployed)' : '';
  return `"${zoneLine}" at your DNS provider${where}`;
}

/**
 * The verdict on one delegated record, from what DNS holds at its name:
 *
 * - `delegation-cname-missing` (warning): no CNAME and nothing else there, as before the user
 *   makes it; the message gives the zone line to create.
 * - `delegation-cname-wrong` (error): a CNAME that leads elsewhere: the app's changes never
 *   reach senders. `_mta-sts` and `_smtp._tls` must end at the delegated name (where the app's
 *   TXT record is); the policy host must pass through the routing endpoint, or, while that is
 *   unknown, through a name under cloudfront.net.
 * - `delegation-cname-shadowed` (error): records of its own at the name (TXT, or A/AAAA at the
 *   policy host) instead of the CNAME: the provider serves those, never the app's.
 * - `delegation-cname-loop`, `delegation-cname-chain-too-long` (errors): resolvers answer
 *   SERVFAIL or give up, so senders read nothing.
 * - `delegation-cname-unreadable` (warning): DNS failed, nothing verified.
 * - `delegation-endpoint-not-compared` (warning): the policy host is a CNAME into CloudFront,
 *   but the routing endpoint is not known to compare with.
 *
 * Names are compared normalised (lower case, no trailing dot).
 */
export function assessDelegatedRecord(r: DelegatedRecord, live: AliasObservation, ctx: DelegationContext): DelegatedRecordCheck {
  const zoneLine = renderZoneLines([r])[0];
  const field = `${r.name} CNAME`;
  const done = (status: DelegationStatus, finding?: Finding): DelegatedRecordCheck => ({ kind: r.kind, name: r.name, expected: r.target, zoneLine, live, status, finding });
  const fix = fixOf(r, zoneLine);
  const isHost = r.kind === DelegatedRecordKind.POLICY_HOST;
  switch (live.state) {
    case AliasState.ABSENT:
      return done(
        DelegationStatus.MISSING,
        warning('delegation-cname-missing', field, `${r.name} has no CNAME at your DNS provider (${live.outcome}), so ${consequence(r.kind, ctx.domain, ctx.stsDelegated)}: create ${fix}`),
      );
    case AliasState.RECORDS: {
      const what = isHost ? 'A/AAAA' : 'TXT';
      const values = live.records.map((v) => show(v)).join(', ') + (live.recordCount > live.records.length ? ` and ${live.recordCount - live.records.length} more` : '');
      const why = isHost ? 'senders fetch the policy there, not from the hosting, and CloudFront cannot validate the certificate' : "senders read those, never the app's record";
      return done(
        DelegationStatus.SHADOWED,
        error('delegation-cname-shadowed', field, `${r.name} holds ${live.recordCount} ${what} record(s) of its own at your DNS provider (${values}) instead of a CNAME: ${why}; delete them and create ${fix}`),
      );
    }
    case AliasState.LOOP:
      return done(
        DelegationStatus.BROKEN,
        error('delegation-cname-loop', field, `the CNAME chain of ${r.name} loops (${chainText(r.name, live.chain)}): resolvers answer SERVFAIL, so senders read nothing there; replace it with ${fix}`),
      );
    case AliasState.TOO_LONG:
      return done(
        DelegationStatus.BROKEN,
        error(
          'delegation-cname-chain-too-long',
          field,
          `${r.name} starts a chain of more than ${MAX_CNAME_HOPS} CNAMEs (${chainText(r.name, live.chain)} → …): resolvers give up on long chains, so senders may read nothing; point it at the target directly with ${fix}`,
        ),
      );
    case AliasState.FAILED:
      return done(
        DelegationStatus.UNREADABLE,
        warning(
          'delegation-cname-unreadable',
          field,
          `${r.name} could not be read through DNS (${live.outcome}${live.code ? ` ${live.code}` : ''} at ${live.failedName}), so its CNAME was not verified: run again, or check your DNS provider's name servers answer for it`,
        ),
      );
    default:
      return assessAlias(r, live, field, fix, done);
  }
}

/** The verdict on a CNAME chain: where it ends (TXT kinds), or whether it passes the endpoint (policy host). */
function assessAlias(
  r: DelegatedRecord,
  live: AliasObservation,
  field: string,
  fix: string,
  done: (status: DelegationStatus, finding?: Finding) => DelegatedRecordCheck,
): DelegatedRecordCheck {
  const chain = live.chain;
  const isHost = r.kind === DelegatedRecordKind.POLICY_HOST;
  const path = chain.join(' → ');
  if (isHost && r.target === undefined) {
    if (chain.some((n) => n.endsWith(CLOUDFRONT_SUFFIX))) {
      return done(
        DelegationStatus.NOT_COMPARED,
        warning(
          'delegation-endpoint-not-compared',
          field,
          `${r.name} is a CNAME into CloudFront (to ${path}), but the hosting's routing endpoint is not known here, so the exact target could not be compared: ` +
            'give --routing-endpoint (the hosting stack\'s routing-endpoint output), or deploy the hosting stack and run again with read access to its outputs',
        ),
      );
    }
    return done(
      DelegationStatus.WRONG,
      error('delegation-cname-wrong', field, `${r.name} is a CNAME to ${path}, not into CloudFront (${CLOUDFRONT_SUFFIX}): senders fetch the policy elsewhere, never from the hosting; replace it with ${fix}`),
    );
  }
  const target = canonicalHost(r.target!);
  const reaches = isHost ? chain.includes(target) : chain[chain.length - 1] === target;
  if (reaches) return done(DelegationStatus.OK);
  const why = isHost ? 'senders fetch the policy elsewhere, never from the hosting' : "senders read the record at its end, so the app's changes never reach them";
  return done(DelegationStatus.WRONG, error('delegation-cname-wrong', field, `${r.name} is a CNAME to ${path}, not to ${target}: ${why}; replace it with ${fix}`));
}
