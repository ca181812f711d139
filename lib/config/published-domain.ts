import { mtaStsRecordName, policyUrl, renderMtaStsRecord, renderTlsRptRecord, tlsRptRecordName } from '../policy/records';
import { ResolvedDomain } from './stage-config';

/**
 * What the app publishes for one domain of a stage: the policy, its id and both TXT records.
 * Printed by `mta-sts policy` (its `--json` form) and compared with the live zone by
 * `mta-sts plan`.
 */
export interface PublishedDomain {
  readonly domain: string;
  readonly stage: string;
  readonly mode: string;
  readonly mx: readonly string[];
  readonly maxAgeSeconds: number;
  readonly policyId: string;
  readonly policyUrl: string;
  readonly policyText: string;
  readonly mtaStsRecord: { readonly name: string; readonly value: string };
  readonly tlsRptRecord: { readonly name: string; readonly value: string } | null;
}

/** What the app publishes for `d`: computed by the same core the construct uses. */
export function publishedDomain(stage: string, d: ResolvedDomain): PublishedDomain {
  return {
    domain: d.domainName,
    stage,
    mode: d.policy.mode,
    mx: d.policy.mx,
    maxAgeSeconds: d.policy.maxAgeSeconds,
    policyId: d.policy.id,
    policyUrl: policyUrl(d.domainName),
    policyText: d.policy.text,
    mtaStsRecord: { name: mtaStsRecordName(d.domainName), value: renderMtaStsRecord(d.policy.id) },
    tlsRptRecord: d.tlsRpt.length > 0 ? { name: tlsRptRecordName(d.domainName), value: renderTlsRptRecord(d.tlsRpt) } : null,
  };
}
