import { MAX_NAME_OCTETS } from './domain-name';
import { error, Finding } from './findings';
import { mtaStsRecordName, policyHostName, tlsRptRecordName } from './records';

/**
 * The longest domain name an ACM certificate may be requested for: ACM puts it in the
 * certificate's subject common name, which X.509 limits to 64 characters (RFC 5280,
 * `ub-common-name`). Subject alternative names may be longer (up to 253).
 *
 * @see https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
 */
export const MAX_CERTIFICATE_NAME_CHARS = 64;

/** What `nameLimitFindings` checks for one domain. */
export interface NameLimitOptions {
  /**
   * True when a certificate is requested for `mta-sts.<domain>` (ACM's 64-character limit
   * applies); false when the user gives their own certificate.
   */
  readonly createsCertificate: boolean;
  /**
   * True when the `_smtp._tls.<domain>` record is published.
   * @default true
   */
  readonly publishesTlsRpt?: boolean;
  /**
   * The field that holds the domain, for findings.
   * @default 'domainName'
   */
  readonly field?: string;
}

/**
 * The names MTA-STS derives from a mail domain, checked against the limits of where they go:
 * `mta-sts.<domain>` within ACM's 64 characters when the certificate is made for it, and
 * `mta-sts.<domain>`, `_mta-sts.<domain>` and `_smtp._tls.<domain>` within DNS's 253 octets
 * (RFC 1035 section 2.3.4; Route 53 refuses longer record names). One error finding per name
 * over its limit, with its own code:
 *
 * - `name-certificate-too-long`: `mta-sts.<domain>` over 64 characters and the certificate is made for it;
 * - `name-policy-host-too-long`, `name-mta-sts-record-too-long`, `name-tls-rpt-record-too-long`: over 253 octets.
 *
 * @param domain the mail domain, normalised (lower-case A-labels, no trailing dot)
 */
export function nameLimitFindings(domain: string, options: NameLimitOptions): Finding[] {
  const field = options.field ?? 'domainName';
  const findings: Finding[] = [];
  const host = policyHostName(domain);
  if (options.createsCertificate && host.length > MAX_CERTIFICATE_NAME_CHARS) {
    findings.push(
      error(
        'name-certificate-too-long',
        field,
        `\`${field}\` "${domain}" makes the policy host "${host}" of ${host.length} characters, more than the ${MAX_CERTIFICATE_NAME_CHARS} ACM allows ` +
          `in a certificate's domain name (at most ${MAX_CERTIFICATE_NAME_CHARS - (host.length - domain.length)} for the domain): use a shorter domain, or pass your own ` +
          `\`certificate\` to MtaSts (a us-east-1 certificate with a shorter domain name that lists "${host}" as a subject alternative name)`,
      ),
    );
  }
  const names: [code: string, what: string, name: string][] = [
    ['name-policy-host-too-long', 'the policy host', host],
    ['name-mta-sts-record-too-long', 'the MTA-STS record name', mtaStsRecordName(domain)],
  ];
  if (options.publishesTlsRpt ?? true) names.push(['name-tls-rpt-record-too-long', 'the TLS-RPT record name', tlsRptRecordName(domain)]);
  for (const [code, what, name] of names) {
    const octets = Buffer.byteLength(name);
    if (octets > MAX_NAME_OCTETS) {
      findings.push(
        error(
          code,
          field,
          `\`${field}\` "${domain}" makes ${what} "${name}" of ${octets} octets, more than the ${MAX_NAME_OCTETS} a DNS name may have ` +
            `(Route 53 refuses it): use a domain of at most ${MAX_NAME_OCTETS - (octets - Buffer.byteLength(domain))} octets`,
        ),
      );
    }
  }
  return findings;
}
