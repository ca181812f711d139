import { DelegatedRecord, delegatedName, delegatedRecords } from '../policy/delegation';
import { mtaStsRecordName, policyUrl, renderMtaStsRecord, renderTlsRptRecord, tlsRptRecordName } from '../policy/records';
import { DomainDns, ResolvedDomain } from './stage-config';

/**
 * How a domain on external DNS is delegated: the Route 53 zone that holds its TXT records, and
 * the CNAMEs the user makes at their DNS provider, in the order to make them.
 */
export interface PublishedDelegation {
  /** The stage's delegation zone (normalised), where the app writes the domain's TXT records. */
  readonly zone: string;
  /**
   * The CNAMEs, policy host first and `_mta-sts` last (see lib/policy/delegation.ts). The policy
   * host's `target` is left out: the routing endpoint is known only once the hosting is deployed
   * (`mta-sts records` reads it).
   */
  readonly records: DelegatedRecord[];
}

/**
 * What the app publishes for one domain of a stage: the policy, its id and both TXT records.
 * Printed by `mta-sts policy` (its `--json` form) and compared with the live zone by
 * `mta-sts plan`.
 */
export interface PublishedDomain {
  readonly domain: string;
  readonly stage: string;
  /**
   * Where the domain's DNS is.
   * @default DomainDns.ROUTE53 (`publishedDomain` always sets it; a domain read back from a template may leave it out)
   */
  readonly dns?: DomainDns;
  readonly mode: string;
  readonly mx: readonly string[];
  readonly maxAgeSeconds: number;
  readonly policyId: string;
  readonly policyUrl: string;
  readonly policyText: string;
  /** The `_mta-sts` TXT record, named as published: for an external domain, its name in the delegation zone. */
  readonly mtaStsRecord: { readonly name: string; readonly value: string };
  /** The `_smtp._tls` TXT record, named as published (in the delegation zone for an external domain). */
  readonly tlsRptRecord: { readonly name: string; readonly value: string } | null;
  /**
   * For an external domain: its delegation zone and the CNAMEs to make.
   * @default - none: the domain's records are in its own Route 53 zone
   */
  readonly delegation?: PublishedDelegation;
}

/**
 * The name of the `_smtp._tls` record where the app writes it (in the delegation zone for an
 * external domain), also when the domain publishes none: `plan` reads it for records left there.
 */
export function tlsRptNameOf(p: PublishedDomain): string {
  return p.tlsRptRecord?.name ?? (p.delegation ? delegatedName(tlsRptRecordName(p.domain), p.delegation.zone) : tlsRptRecordName(p.domain));
}

/** What the app publishes for `d`: computed by the same core the construct uses. */
export function publishedDomain(stage: string, d: ResolvedDomain): PublishedDomain {
  const zone = d.dns === DomainDns.EXTERNAL ? d.delegationZone?.zoneName : undefined;
  const named = (name: string) => (zone === undefined ? name : delegatedName(name, zone));
  const publishesTlsRpt = d.tlsRpt.length > 0;
  return {
    domain: d.domainName,
    stage,
    dns: d.dns,
    mode: d.policy.mode,
    mx: d.policy.mx,
    maxAgeSeconds: d.policy.maxAgeSeconds,
    policyId: d.policy.id,
    policyUrl: policyUrl(d.domainName),
    policyText: d.policy.text,
    mtaStsRecord: { name: named(mtaStsRecordName(d.domainName)), value: renderMtaStsRecord(d.policy.id) },
    tlsRptRecord: publishesTlsRpt ? { name: named(tlsRptRecordName(d.domainName)), value: renderTlsRptRecord(d.tlsRpt) } : null,
    ...(zone === undefined ? {} : { delegation: { zone, records: delegatedRecords(d.domainName, zone, { publishesTlsRpt }) } }),
  };
}
