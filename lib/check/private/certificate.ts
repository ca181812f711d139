import { PeerCertificate, TLSSocket } from 'node:tls';
import { error, Finding, show, warning } from '../../policy/findings';
import { mxPatternMatches } from '../../policy/mx-pattern';
import { TlsDetails } from '../check-report';

/** TLS versions RFC 8461 sections 3.3 and 4.2 allow. */
const ALLOWED_PROTOCOLS = new Set(['TLSv1.2', 'TLSv1.3']);

const DAY_MS = 24 * 60 * 60 * 1000;

/** What to check a TLS connection against, and how to name it in findings. */
export interface CertificateCheck {
  /** The name the certificate must carry as a SAN DNS-ID (the policy host or the MX host). */
  readonly host: string;
  /** The code prefix: `https` for the policy host, `mx` for an MX host. */
  readonly codePrefix: string;
  /** The field findings name, for example `mta-sts.example.com:443`. */
  readonly field: string;
  /** What the connection is, for messages (for example `the policy host` or `MX host mx1.example.com`). */
  readonly what: string;
  /** A certificate expiring within this many days is a warning. */
  readonly expiryWarningDays: number;
  /** The clock for the expiry check. */
  readonly now?: Date;
}

/** The outcome of checking one TLS connection. */
export interface CertificateVerdict {
  readonly details: TlsDetails;
  readonly ok: string[];
  readonly findings: Finding[];
}

/**
 * The DNS-IDs in a certificate's subjectAltName, as Node renders it
 * (`DNS:a.example, DNS:*.b.example, IP Address:…`; names with special characters quoted as JSON).
 */
export function subjectAltDnsNames(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  const names: string[] = [];
  const re = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(subjectaltname)) !== null) {
    if (m[1] !== 'DNS') continue;
    let value = m[2];
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    names.push(value);
  }
  return names;
}

/**
 * True when the DNS-ID `id` is valid for `host` under RFC 6125 as RFC 8461 restricts it: the
 * wildcard only as the whole left-most label, over exactly one label. This is the same rule as
 * MX pattern matching, so the core's `mxPatternMatches` decides.
 */
export function dnsIdMatches(id: string, host: string): boolean {
  const p = id.toLowerCase();
  // A partial wildcard ("m*.example.com") or one not in the left-most label matches nothing.
  if (p.includes('*') && !(p.startsWith('*.') && !p.slice(2).includes('*'))) return false;
  return mxPatternMatches(p, host);
}

/** True when the certificate's Authority Information Access names a CA Issuers URI. */
function hasCaIssuersLocation(cert: PeerCertificate): boolean {
  const access = (cert as PeerCertificate & { infoAccess?: Record<string, string[] | undefined> }).infoAccess;
  return access !== undefined && Object.hasOwn(access, 'CA Issuers - URI') && (access['CA Issuers - URI']?.length ?? 0) > 0;
}

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function describeName(cert: PeerCertificate | undefined): string {
  if (!cert) return 'an unknown certificate';
  const cn = firstValue(cert.subject?.CN);
  return cn ? `CN=${cn}` : 'a certificate without CN';
}

/**
 * Checks the TLS connection on `socket` (already past the handshake, made with
 * `rejectUnauthorized: false` so the checker can say what is wrong rather than just fail):
 * the protocol version, the chain (trusted root, full chain sent, dates) and the name
 * (SAN DNS-IDs only; a CN-only certificate is named as such).
 */
export function checkCertificate(socket: TLSSocket, check: CertificateCheck): CertificateVerdict {
  const { codePrefix: p, field, what, host } = check;
  const findings: Finding[] = [];
  const ok: string[] = [];
  const protocol = socket.getProtocol() ?? 'unknown';
  const cipher = socket.getCipher()?.name ?? 'unknown';
  const cert = socket.getPeerCertificate(true) as PeerCertificate & { issuerCertificate?: PeerCertificate };
  const hasCert = cert !== undefined && Object.keys(cert).length > 0;
  const dnsNames = hasCert ? subjectAltDnsNames(cert.subjectaltname) : [];
  const cn = hasCert ? firstValue(cert.subject?.CN) : undefined;
  const issuer = hasCert ? firstValue(cert.issuer?.CN) ?? firstValue(cert.issuer?.O) : undefined;
  const validTo = hasCert ? new Date(cert.valid_to) : undefined;
  const now = check.now ?? new Date();
  const daysLeft = validTo ? Math.floor((validTo.getTime() - now.getTime()) / DAY_MS) : undefined;
  const verifyError = socket.authorizationError ? ((socket.authorizationError as Error & { code?: string }).code ?? String(socket.authorizationError)) : undefined;
  const nameMatches = dnsNames.some((n) => dnsIdMatches(n, host));

  if (ALLOWED_PROTOCOLS.has(protocol)) {
    ok.push(`${what} speaks ${protocol} (${cipher})`);
  } else {
    findings.push(error(`${p}-tls-version`, field, `${what} negotiated ${protocol}: RFC 8461 needs TLS 1.2 or later; enable TLS 1.2 and 1.3 on ${host}`));
  }

  if (!hasCert) {
    findings.push(error(`${p}-cert-missing`, field, `${what} sent no certificate: configure a certificate for ${host}`));
    return { details: { protocol, cipher, dnsNames, chainVerified: false, nameMatches: false }, ok, findings };
  }

  let dateReported = false;
  switch (verifyError) {
    case undefined:
      ok.push(`${what}: the certificate chain is trusted (issued by ${issuer ?? 'an unnamed issuer'})`);
      break;
    case 'CERT_HAS_EXPIRED':
      dateReported = true;
      findings.push(error(`${p}-cert-expired`, field, `the certificate of ${what} (${describeName(cert)}) expired on ${validTo?.toISOString()}: senders refuse it; renew it`));
      break;
    case 'CERT_NOT_YET_VALID':
      dateReported = true;
      findings.push(error(`${p}-cert-not-yet-valid`, field, `the certificate of ${what} (${describeName(cert)}) is not valid before ${new Date(cert.valid_from).toISOString()}: senders refuse it; check the clock of the issuer or serve the current certificate`));
      break;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      // Only the leaf came and its issuer is no trusted root. A public CA's certificate names
      // where its issuer is published (Authority Information Access, CA Issuers): then an
      // intermediate is missing. Without it the issuer is most likely a private or unknown CA.
      if (!hasCaIssuersLocation(cert)) {
        findings.push(
          error(
            `${p}-cert-untrusted`,
            field,
            `the certificate of ${what} (${describeName(cert)}) is issued by ${show(issuer)}, which is no trusted root and was not sent, and the certificate names no CA Issuers location as public CAs do: senders refuse it; use a certificate from a public CA (for example ACM or Let's Encrypt), and serve its full chain`,
          ),
        );
        break;
      }
      findings.push(
        error(
          `${p}-cert-chain-incomplete`,
          field,
          `${what} sent only ${describeName(cert)}, and its issuer ${show(issuer)} was not sent and is not a trusted root: senders do not fetch missing intermediates, so serve the full chain (the certificate followed by its intermediate certificates, e.g. fullchain.pem); if ${show(issuer)} is not a public CA, use a certificate from one`,
        ),
      );
      break;
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      findings.push(
        error(
          `${p}-cert-untrusted`,
          field,
          `the certificate of ${what} (${describeName(cert)}, issued by ${show(issuer)}) does not chain to a trusted root (${verifyError}): senders refuse it; use a certificate from a public CA (for example ACM or Let's Encrypt)`,
        ),
      );
      break;
    default:
      findings.push(error(`${p}-cert-invalid`, field, `the certificate of ${what} (${describeName(cert)}) failed verification (${verifyError}): senders refuse it; replace it with a valid certificate for ${host} from a public CA`));
  }

  if (validTo && daysLeft !== undefined && !dateReported) {
    if (validTo.getTime() <= now.getTime()) {
      findings.push(error(`${p}-cert-expired`, field, `the certificate of ${what} (${describeName(cert)}) expired on ${validTo.toISOString()}: senders refuse it; renew it`));
    } else if (daysLeft < check.expiryWarningDays) {
      findings.push(
        warning(
          `${p}-cert-expiring`,
          field,
          `the certificate of ${what} (${describeName(cert)}) expires on ${validTo.toISOString()}, in ${daysLeft} day(s): renew it now (check that automatic renewal works)`,
        ),
      );
    } else {
      ok.push(`${what}: the certificate expires on ${validTo.toISOString()} (in ${daysLeft} days)`);
    }
  }

  if (nameMatches) {
    ok.push(`${what}: the certificate is valid for ${host} (SAN ${dnsNames.join(', ')})`);
  } else if (dnsNames.length === 0 && cn !== undefined && dnsIdMatches(cn, host)) {
    findings.push(
      error(
        `${p}-cert-cn-only`,
        field,
        `the certificate of ${what} names ${host} only in its subject CN, with no subjectAltName DNS entry: RFC 8461 needs a SAN DNS-ID ` +
          (p === 'https' ? 'and go-mtasts (maddy) refuses it, although postfix-mta-sts-resolver accepts it' : 'and senders that follow it refuse the certificate') +
          `; reissue it with a SAN of ${host}`,
      ),
    );
  } else {
    const names = dnsNames.length > 0 ? `the SAN DNS names ${dnsNames.join(', ')}` : `no SAN DNS name${cn ? ` (CN=${cn})` : ''}`;
    findings.push(
      error(
        `${p}-cert-name-mismatch`,
        field,
        `the certificate of ${what} is not valid for ${host}: it carries ${names}; reissue it with a SAN of ${host} (a wildcard covers exactly one label: *.${host.split('.').slice(1).join('.')} covers it)`,
      ),
    );
  }

  return {
    details: {
      protocol,
      cipher,
      subject: cn,
      issuer,
      dnsNames,
      validFrom: new Date(cert.valid_from).toISOString(),
      validTo: validTo?.toISOString(),
      daysLeft,
      chainVerified: verifyError === undefined,
      verifyError,
      nameMatches,
    },
    ok,
    findings,
  };
}
