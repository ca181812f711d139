import { isWithinZone, MAX_NAME_OCTETS } from './domain-name';
import { error, Finding } from './findings';
import { mtaStsRecordName, policyHostName, tlsRptRecordName } from './records';

/**
 * Domains whose DNS is not in Route 53 ("external DNS"): the user makes three CNAME records once
 * at their DNS provider, and every later change is a deploy that rewrites records the app owns:
 *
 * - `mta-sts.<domain>` to the shared hosting's routing endpoint (CloudFront serves the policy
 *   and validates the domain's CloudFront-managed certificate through it);
 * - `_smtp._tls.<domain>` to `_smtp._tls.<domain>.<delegationZone>`, a TXT record the app owns
 *   (only when the domain publishes TLS-RPT);
 * - `_mta-sts.<domain>` to `_mta-sts.<domain>.<delegationZone>`, the TXT record the app owns,
 *   whose id changes only once the new policy is live (RFC 8461 section 8.2 allows the CNAME).
 *
 * The order is the order to create them: the policy host first (its certificate must be issued
 * before senders fetch), the `_mta-sts` record last, so that senders never learn of a policy
 * they cannot fetch yet.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-8.2
 */
export enum DelegatedRecordKind {
  /** `mta-sts.<domain>`: the policy host, to the hosting's routing endpoint. */
  POLICY_HOST = 'policy-host',
  /** `_smtp._tls.<domain>`: the TLS-RPT record, to its copy in the delegation zone. */
  TLS_RPT = 'tls-rpt',
  /** `_mta-sts.<domain>`: the MTA-STS record, to its copy in the delegation zone. */
  MTA_STS = 'mta-sts',
}

/** One CNAME the user makes at their DNS provider for a domain on external DNS. */
export interface DelegatedRecord {
  /** What the record is for. */
  readonly kind: DelegatedRecordKind;
  /** The owner name at the user's DNS provider, without a trailing dot. */
  readonly name: string;
  /** The record type: always `CNAME`. */
  readonly type: 'CNAME';
  /**
   * Where it points, without a trailing dot; undefined for the policy host while the routing
   * endpoint is not known (before the hosting is deployed).
   */
  readonly target?: string;
}

/** The name in the delegation zone that holds a record the app owns for an external domain. */
export function delegatedName(recordName: string, delegationZone: string): string {
  return `${recordName}.${delegationZone}`;
}

/**
 * The CNAMEs to make at the DNS provider of `domain`, in the order to make them.
 *
 * @param routingEndpoint the hosting's routing endpoint (`d111111abcdef8.cloudfront.net`), when known
 * @param publishesTlsRpt whether the domain publishes a `_smtp._tls` record
 */
export function delegatedRecords(domain: string, delegationZone: string, options: { readonly routingEndpoint?: string; readonly publishesTlsRpt: boolean }): DelegatedRecord[] {
  const records: DelegatedRecord[] = [{ kind: DelegatedRecordKind.POLICY_HOST, name: policyHostName(domain), type: 'CNAME', target: options.routingEndpoint?.replace(/\.$/, '') }];
  if (options.publishesTlsRpt) {
    records.push({ kind: DelegatedRecordKind.TLS_RPT, name: tlsRptRecordName(domain), type: 'CNAME', target: delegatedName(tlsRptRecordName(domain), delegationZone) });
  }
  records.push({ kind: DelegatedRecordKind.MTA_STS, name: mtaStsRecordName(domain), type: 'CNAME', target: delegatedName(mtaStsRecordName(domain), delegationZone) });
  return records;
}

/**
 * The findings that refuse `delegationZone` for `domain` (both normalised):
 *
 * - `delegation-zone-inside-domain`: the zone is the domain or a name below it. Its records
 *   would then be served by the very DNS provider the delegation exists to avoid (and
 *   `_mta-sts.<domain>` could be a CNAME to a name below itself): a zone of the domain belongs
 *   in `hostedZoneId`, and a delegation zone under another domain.
 * - `delegation-name-too-long`: `_smtp._tls.<domain>.<zone>`, the longest name made in the
 *   zone, is over DNS's 253 octets (Route 53 refuses it).
 *
 * @param field the field that holds the delegation zone, for findings
 */
export function delegationFindings(domain: string, delegationZone: string, field = 'delegationZone'): Finding[] {
  if (isWithinZone(delegationZone, domain)) {
    return [
      error(
        'delegation-zone-inside-domain',
        field,
        `the delegation zone "${delegationZone}" is inside "${domain}" itself, so the DNS provider the delegation avoids would serve it: ` +
          `give a Route 53 zone under another domain (for example mta-sts.ops.example.net), or, if "${domain}" is in Route 53, its hostedZoneId instead of "dns": "external"`,
      ),
    ];
  }
  const longest = delegatedName(tlsRptRecordName(domain), delegationZone);
  if (longest.length > MAX_NAME_OCTETS) {
    return [
      error(
        'delegation-name-too-long',
        field,
        `"${longest}" (the TLS-RPT record of "${domain}" in the delegation zone "${delegationZone}") is ${longest.length} octets, more than the ${MAX_NAME_OCTETS} a DNS name may have: use a shorter delegation zone`,
      ),
    ];
  }
  return [];
}

/** The placeholder printed for the policy host's target while the routing endpoint is unknown. */
export const UNKNOWN_ROUTING_ENDPOINT = '<routing endpoint: known once the hosting is deployed>';

/**
 * Renders records as zone-file lines (RFC 1035 section 5.1), absolute names with a trailing dot:
 * `mta-sts.example.com. 3600 IN CNAME d111111abcdef8.cloudfront.net.`
 */
export function renderZoneLines(records: readonly DelegatedRecord[], ttlSeconds = 3600): string[] {
  return records.map((r) => `${r.name}. ${ttlSeconds} IN ${r.type} ${r.target === undefined ? UNKNOWN_ROUTING_ENDPOINT : `${r.target}.`}`);
}
