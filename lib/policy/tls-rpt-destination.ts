import { domainToASCII } from 'node:url';
import { normalizeHostname } from './domain-name';
import { error, Finding, MtaStsValidationError, Severity, show, warning } from './findings';

/** Top-level domains that are reserved (RFC 2606, RFC 6761): mimecast's validator refuses them. */
const RESERVED_TLDS = new Set(['test', 'example', 'invalid', 'localhost', 'local']);

/** Percent-encodes the characters RFC 8460 section 3 says a `rua` URI must not hold raw. */
function encodeRuaSpecials(uri: string): string {
  return uri.replace(/[,!;]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * Checks one `rua` URI of a TLS-RPT record (RFC 8460 section 3), in the checker profile:
 * errors for what the RFC refuses (a scheme other than `mailto:` or `https:`, a URI that does
 * not parse, `mailto:` without an address, white space, raw `,` `!` `;`), warnings for what a
 * real implementation refuses (a port or `=` in an https URI: MailCheck; a reserved top-level
 * domain: mimecast).
 *
 * @param uri the URI as written in the record
 * @param field the name for messages (for example `tlsRpt[0]`)
 */
export function checkRuaUri(uri: string, field: string): Finding[] {
  const findings: Finding[] = [];
  const bad = (code: string, why: string) => [error(code, field, `\`${field}\` ${show(uri)} is not a valid TLS-RPT destination: ${why}`)];
  if (/\s/.test(uri)) return bad('rua-whitespace', 'it holds white space; remove it (percent-encode it as %20 where it belongs to the address)');
  if (/[,!;]/.test(uri)) return bad('rua-unencoded', 'the characters "," "!" and ";" must be percent-encoded (%2C %21 %3B)');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  let host: string;
  if (scheme === 'mailto') {
    const address = decodeURIComponentSafe(uri.slice('mailto:'.length));
    const at = address.lastIndexOf('@');
    if (at <= 0 || at === address.length - 1 || address.indexOf('@') !== at) {
      return bad('rua-mailto-address', 'a mailto: destination needs one address of the form user@domain (for example mailto:tlsrpt@example.com)');
    }
    if (/[^\x00-\x7f]/.test(address.slice(0, at))) {
      return bad(
        'rua-non-ascii',
        `the local part ${show(address.slice(0, at))} is not ASCII: the TLS-RPT record must be US-ASCII (RFC 8460 section 3) and a mailto: URI cannot carry an internationalised mailbox; use an ASCII mailbox`,
      );
    }
    if (!/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(address.slice(0, at)) || /^\.|\.\.|\.$/.test(address.slice(0, at))) {
      return bad('rua-mailto-address', `the local part ${show(address.slice(0, at))} is not a valid address local part`);
    }
    host = address.slice(at + 1);
  } else if (scheme === 'https') {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return bad('rua-unparseable', 'it does not parse as a URL (for example https://tlsrpt.example.com/v1/reports)');
    }
    if (url.username || url.password) return bad('rua-https-userinfo', 'remove the user name and password from the URL');
    if (url.port !== '' || /^https:\/\/[^/]*:/i.test(uri)) {
      findings.push(warning('rua-https-port', field, `\`${field}\` ${show(uri)} names a port: MailCheck reports the URI as malformed; serve it on 443 and drop the port`));
    }
    if (uri.includes('=')) {
      findings.push(warning('rua-https-equals', field, `\`${field}\` ${show(uri)} holds "=": MailCheck reports the record as malformed; use a path instead of a query`));
    }
    host = url.hostname;
  } else {
    return bad('rua-scheme', `only mailto: and https: are allowed${scheme ? `, not ${scheme}:` : ''} (for example mailto:tlsrpt@example.com)`);
  }
  const name = normalizeHostname(host, field, 'a destination with a valid domain');
  if (name.name === undefined) {
    return bad('rua-domain', `its domain ${show(host)} is not a valid domain name`);
  }
  if (RESERVED_TLDS.has(name.name.split('.').pop()!)) {
    findings.push(warning('rua-reserved-tld', field, `\`${field}\` ${show(uri)} uses a reserved top-level domain: mimecast drops it and no reporter can deliver there`));
  }
  return findings;
}

/**
 * `user@domain` with an internationalised domain written as A-labels (`a@bücher.example` gives
 * `a@xn--bcher-kva.example`), so the published record is ASCII. Anything else is left as is for
 * `checkRuaUri` to judge.
 */
function mailtoDomainAsALabels(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  if (at < 0 || !/[^\x00-\x7f]/.test(domain)) return address;
  const ascii = domainToASCII(domain);
  return ascii === '' ? address : address.slice(0, at + 1) + ascii;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Where senders deliver TLS-RPT reports (the `rua` of the `_smtp._tls` record, RFC 8460
 * section 3).
 *
 * The factories validate in the generator profile: anything the RFC refuses or any real
 * implementation warns about is refused, so the published record is read the same by all.
 *
 * @example
 * TlsRptDestination.mailto('tlsrpt@example.com');
 * TlsRptDestination.https('https://tlsrpt.example.com/v1/report');
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-3
 */
export class TlsRptDestination {
  /** Reports by email to `address` (`user@domain`). */
  public static mailto(address: string): TlsRptDestination {
    return TlsRptDestination.build(typeof address === 'string' ? 'mailto:' + address.replace(/^mailto:/i, '') : address, 'mailto', 'tlsRpt');
  }

  /** Reports POSTed to an `https:` URL. */
  public static https(url: string): TlsRptDestination {
    return TlsRptDestination.build(url, 'https', 'tlsRpt');
  }

  /**
   * A destination from its URI as written in a record or in configuration
   * (`mailto:…` or `https://…`).
   *
   * @param uri the URI
   * @param field the name of the setting, for messages
   */
  public static fromUri(uri: string, field = 'tlsRpt'): TlsRptDestination {
    const scheme = typeof uri === 'string' ? /^(mailto|https):/i.exec(uri)?.[1]?.toLowerCase() : undefined;
    return TlsRptDestination.build(uri, scheme === 'mailto' ? 'mailto' : 'https', field);
  }

  private static build(uri: unknown, scheme: 'mailto' | 'https', field: string): TlsRptDestination {
    if (typeof uri !== 'string') {
      throw new MtaStsValidationError([error('rua-not-a-string', field, `\`${field}\` must be a mailto: or https: URI string, got ${show(uri)}`)]);
    }
    if (!uri.toLowerCase().startsWith(scheme + ':')) {
      throw new MtaStsValidationError([
        error('rua-scheme', field, `\`${field}\` ${show(uri)} is not a valid TLS-RPT destination: only mailto: and https: are allowed (for example mailto:tlsrpt@example.com)`),
      ]);
    }
    const rest = uri.slice(scheme.length + 1);
    const encoded = scheme + ':' + encodeRuaSpecials(scheme === 'mailto' ? mailtoDomainAsALabels(rest) : rest);
    // Generator profile: what any real implementation warns about is refused too.
    const findings = checkRuaUri(encoded, field).map((f) => (f.severity === Severity.WARNING ? { ...f, severity: Severity.ERROR } : f));
    if (findings.length > 0) throw new MtaStsValidationError(findings);
    return new TlsRptDestination(scheme === 'https' ? new URL(encoded).href : encoded);
  }

  /** The URI as it goes into the `rua` field. */
  public readonly uri: string;

  private constructor(uri: string) {
    this.uri = uri;
  }

  /** The URI. */
  public toString(): string {
    return this.uri;
  }
}
