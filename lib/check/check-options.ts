import { isIP } from 'node:net';
import { createSecureContext, rootCertificates, SecureContext } from 'node:tls';

/** postfix-mta-sts-resolver's time budget for a policy fetch, in milliseconds. */
export const DEFAULT_HTTPS_TIMEOUT_MS = 4000;
/** checkdmarc's default timeout: a fetch slower than this is a warning. */
export const DEFAULT_HTTPS_SLOW_MS = 2000;
/** Time budget of one DNS lookup (postfix-mta-sts-resolver applies 4 s to DNS too). */
export const DEFAULT_DNS_TIMEOUT_MS = 4000;
/** Time budget of one MX host: connect, banner, EHLO, STARTTLS and TLS handshake together. */
export const DEFAULT_SMTP_TIMEOUT_MS = 15000;
/** A certificate that expires within this many days is a warning. */
export const DEFAULT_CERT_EXPIRY_WARNING_DAYS = 14;
/** The SMTP port senders use. */
export const DEFAULT_SMTP_PORT = 25;
/** The HTTPS port senders use (RFC 8461 section 3.3 fixes it). */
export const DEFAULT_HTTPS_PORT = 443;

/**
 * How `checkDomain` reaches the network. Every field is optional: the defaults are what a
 * real sending MTA does (system resolver, public roots, port 25 and 443, postfix-mta-sts-resolver's
 * 4 s fetch budget).
 */
export interface CheckOptions {
  /**
   * The DNS server to ask, as an IP address with an optional port
   * (`192.0.2.53`, `192.0.2.53:5353`, `[2001:db8::53]:53`).
   * @default - the system's resolvers (/etc/resolv.conf)
   */
  readonly dnsServer?: string;
  /**
   * Extra trusted root certificates (PEM, one or more), for both the policy host and the MX
   * hosts. They are added to Node's bundled public roots, not substituted for them.
   * @default - the public roots only
   */
  readonly extraCaPem?: string;
  /**
   * The SMTP port of every MX host.
   * @default 25
   */
  readonly smtpPort?: number;
  /**
   * The port of the policy host. Senders always use 443; change it only for tests.
   * @default 443
   */
  readonly httpsPort?: number;
  /**
   * The time budget of one DNS lookup, in milliseconds (one retry is made within it).
   * @default 4000
   */
  readonly dnsTimeoutMs?: number;
  /**
   * The time budget of one MX host (connect, banner, EHLO, STARTTLS, handshake), in
   * milliseconds. The hosts are checked in parallel, each with its own budget.
   * @default 15000
   */
  readonly smtpTimeoutMs?: number;
  /**
   * The time budget of the policy fetch (connect, TLS, response), in milliseconds: past it
   * the fetch is an error, as with postfix-mta-sts-resolver.
   * @default 4000
   */
  readonly httpsTimeoutMs?: number;
  /**
   * A policy fetch slower than this is a warning (checkdmarc's timeout), in milliseconds.
   * @default 2000
   */
  readonly httpsSlowMs?: number;
  /**
   * A certificate expiring within this many days is a warning.
   * @default 14
   */
  readonly certExpiryWarningDays?: number;
  /**
   * The name the checker gives in EHLO.
   * @default 'mta-sts-check.localhost'
   */
  readonly ehloName?: string;
  /**
   * The clock, for the certificate expiry warning.
   * @default - the current time
   */
  readonly now?: Date;
  /**
   * Whether to probe STARTTLS on the MX hosts. Off where port 25 is blocked (AWS Lambda): the MX
   * hosts are still matched against the policy, but not connected to.
   * @default true
   */
  readonly probeSmtp?: boolean;
}

/** A DNS server address split into host and port. */
export interface DnsServerAddress {
  /** The IP address. */
  readonly host: string;
  /** The port. */
  readonly port: number;
}

/**
 * Parses `host[:port]` (IPv6 in brackets when a port is given). Throws an `Error` naming the
 * value and the expected form when it is not an IP address with an optional port: the resolver
 * library takes addresses only.
 */
export function parseDnsServer(value: string): DnsServerAddress {
  const fail = (): never => {
    throw new Error(`\`--dns-server\` must be an IP address with an optional port (127.0.0.1, 127.0.0.1:5353, [::1]:53), got ${JSON.stringify(value)}`);
  };
  let host = value;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
  } else if (isIP(value) === 6) {
    host = value;
  } else {
    const m = /^([^:]+)(?::(\d+))?$/.exec(value);
    if (!m) return fail();
    host = m[1];
    portText = m[2];
  }
  if (isIP(host) === 0) return fail();
  const port = portText === undefined ? 53 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return fail();
  return { host, port };
}

/** The options with every default filled in. */
export interface ResolvedCheckOptions {
  /** The DNS server, or undefined for the system's resolvers. */
  readonly dnsServer?: DnsServerAddress;
  /** The trust store to use, or undefined for Node's default (which honours NODE_EXTRA_CA_CERTS). */
  readonly ca?: string[];
  /**
   * The TLS client context every connection of the check uses: the trust store above, TLS 1.0
   * and later allowed so an old server's version can be named. Made once, since parsing the
   * roots for every connection costs more than the handshake on a fast network.
   */
  readonly secureContext: SecureContext;
  /** The SMTP port of the MX hosts. */
  readonly smtpPort: number;
  /** The port of the policy host. */
  readonly httpsPort: number;
  /** The budget of one DNS lookup, in milliseconds. */
  readonly dnsTimeoutMs: number;
  /** The budget of one MX host, in milliseconds. */
  readonly smtpTimeoutMs: number;
  /** The budget of the policy fetch, in milliseconds. */
  readonly httpsTimeoutMs: number;
  /** Slower fetches are a warning, in milliseconds. */
  readonly httpsSlowMs: number;
  /** Certificates expiring sooner are a warning, in days. */
  readonly certExpiryWarningDays: number;
  /** The EHLO name. */
  readonly ehloName: string;
  /** The clock for expiry checks, or undefined for the current time. */
  readonly now?: Date;
  /** Whether the MX hosts are probed over SMTP. */
  readonly probeSmtp: boolean;
}

/** Fills in the defaults of `options`; throws an `Error` naming a bad value. */
export function resolveCheckOptions(options: CheckOptions = {}): ResolvedCheckOptions {
  const positive = (name: string, value: number | undefined, dflt: number): number => {
    if (value === undefined) return dflt;
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`\`${name}\` must be a positive number, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const port = (name: string, value: number | undefined, dflt: number): number => {
    if (value === undefined) return dflt;
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      throw new Error(`\`${name}\` must be a port number from 1 to 65535, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const ca = options.extraCaPem === undefined ? undefined : [...rootCertificates, options.extraCaPem];
  return {
    dnsServer: options.dnsServer === undefined ? undefined : parseDnsServer(options.dnsServer),
    ca,
    secureContext: createSecureContext({ ca, minVersion: 'TLSv1' }),
    smtpPort: port('smtpPort', options.smtpPort, DEFAULT_SMTP_PORT),
    httpsPort: port('httpsPort', options.httpsPort, DEFAULT_HTTPS_PORT),
    dnsTimeoutMs: positive('dnsTimeoutMs', options.dnsTimeoutMs, DEFAULT_DNS_TIMEOUT_MS),
    smtpTimeoutMs: positive('smtpTimeoutMs', options.smtpTimeoutMs, DEFAULT_SMTP_TIMEOUT_MS),
    httpsTimeoutMs: positive('httpsTimeoutMs', options.httpsTimeoutMs, DEFAULT_HTTPS_TIMEOUT_MS),
    httpsSlowMs: positive('httpsSlowMs', options.httpsSlowMs, DEFAULT_HTTPS_SLOW_MS),
    certExpiryWarningDays: positive('certExpiryWarningDays', options.certExpiryWarningDays, DEFAULT_CERT_EXPIRY_WARNING_DAYS),
    ehloName: options.ehloName ?? 'mta-sts-check.localhost',
    now: options.now,
    probeSmtp: options.probeSmtp ?? true,
  };
}
