// Who sent a report, and can we prove it: DKIM verification of report emails (RFC 8460
// section 5.3) and the authentication result that every stored copy, rollup and verdict carries.
//
// The cryptography and the DKIM canonicalisation are mailauth's (a maintained, widely used
// implementation of RFC 6376 / 8463); this file adds what RFC 8460 asks on top and mailauth does
// not check: no `l=`, a key whose `s=` allows TLS-RPT, a signing domain that is the From domain or
// shares its organizational domain (Public Suffix List, via tldts), and bounded DNS work. Key
// lookups go through a resolver the caller passes (the processor's and the CLI's node:dns
// resolvers, or a test's), so this module does no network I/O of its own.
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { getDomain } from 'tldts';
import { showValue as show } from './untrusted-text';

/**
 * How a copy of a report was authenticated. Only `VERIFIED` is evidence of who sent it; every
 * other status is "unverified" and can make a readiness verdict more cautious, never less.
 */
export enum AuthenticationStatus {
  /** An email with a DKIM signature that passes every rule of `authenticateReportEmail`. */
  VERIFIED = 'verified',
  /** An email with DKIM signatures, none of which passes (bad signature, body changed, wrong domain, `l=`, key not for TLS-RPT, expired, …). */
  DKIM_FAIL = 'dkim-fail',
  /** An email with no DKIM signature. */
  DKIM_NONE = 'dkim-none',
  /** An email whose key lookups failed temporarily (DNS time-out or SERVFAIL): unverified for now. */
  DKIM_TEMPERROR = 'dkim-temperror',
  /** Received by HTTPS POST: RFC 8460 gives no way to authenticate it. */
  HTTPS_UNAUTHENTICATED = 'https-unauthenticated',
  /** A bare JSON, gzip or zip file (or a rollup file) read from disk: nothing says who wrote it. */
  FILE_UNAUTHENTICATED = 'file-unauthenticated',
}

/** Why an email's signatures did or did not verify: a stable code, one per rule. */
export enum AuthenticationReason {
  /** A signature passed every rule. */
  PASS = 'pass',
  /** The message has no DKIM-Signature header. */
  NO_SIGNATURE = 'no-signature',
  /** A signature header does not parse or names an algorithm, canonicalisation, domain or selector that is not allowed. */
  SIGNATURE_INVALID = 'signature-invalid',
  /** The body was changed after signing (body hash mismatch). */
  BODY_HASH_MISMATCH = 'body-hash-mismatch',
  /** The signature does not verify with the published key (a signed header was changed, or a forgery). */
  BAD_SIGNATURE = 'bad-signature',
  /** No usable key at `<selector>._domainkey.<d>` (missing, revoked, malformed, unknown type). */
  NO_KEY = 'no-key',
  /** The RSA key is shorter than 1024 bits. */
  WEAK_KEY = 'weak-key',
  /** The key record's `s=` does not allow TLS-RPT (for example `s=email`). */
  KEY_NOT_FOR_TLSRPT = 'key-not-for-tlsrpt',
  /** The signature uses `l=` (RFC 8460 section 5.3 forbids it: unsigned bytes could be appended). */
  BODY_LENGTH_LIMIT = 'body-length-limit',
  /** The signature's `x=` is before the time of receipt (or before its own `t=`). */
  EXPIRED = 'expired',
  /** The signing domain `d=` is not the From domain and does not share its organizational domain. */
  DOMAIN_MISMATCH = 'domain-mismatch',
  /** The message does not have exactly one From address. */
  FROM_INVALID = 'from-invalid',
  /** More signatures needed a key lookup than `maxKeyLookups` allows; the rest were not checked. */
  TOO_MANY_SIGNATURES = 'too-many-signatures',
  /** A key lookup failed temporarily (time-out, SERVFAIL, the message's DNS time budget spent). */
  DNS_TEMPORARY_FAILURE = 'dns-temporary-failure',
  /** The message could not be read by the DKIM verifier at all. */
  MESSAGE_INVALID = 'message-invalid',
  /** Not an email: received by HTTPS. */
  HTTPS = 'https',
  /** Not an email: a file read from disk. */
  FILE = 'file',
}

/** The authentication of one copy of a report, as stored with it and carried into its rollups. */
export interface ReportAuthentication {
  /** The status; only `VERIFIED` counts as evidence. */
  readonly status: AuthenticationStatus;
  /** Why (for a verified copy `pass`). */
  readonly reason: AuthenticationReason;
  /**
   * The reporter's identity: the organizational domain of the passing signature's `d=` (for
   * example `google.com` for `d=mail.google.com`). Only a verified copy has one.
   * @default - unverified
   */
  readonly reporterDomain?: string;
  /**
   * The signing domain (`d=`, lower case) of the passing signature, or of the signature the reason is about.
   * @default - no signature concerned
   */
  readonly signingDomain?: string;
  /**
   * The selector (`s=`) that goes with `signingDomain`.
   * @default - no signature concerned
   */
  readonly selector?: string;
  /** One sentence saying what was checked and, when unverified, why it failed; attacker-controlled values are quoted. */
  readonly detail: string;
}

/**
 * Looks up the TXT records of a name, as `dns.promises.resolveTxt` does: one array of strings per
 * record. Rejects with an error whose `code` is a node:dns code (`ENOTFOUND`, `ENODATA` for "no
 * such record"; anything else, such as `ETIMEOUT` or `ESERVFAIL`, is a temporary failure).
 */
export type TxtResolver = (name: string) => Promise<string[][]>;

/** Options of `authenticateReportEmail`. */
export interface AuthenticateOptions {
  /** Looks up DKIM key records. */
  readonly resolveTxt: TxtResolver;
  /**
   * The time of receipt, against which `x=` is checked: the collector's clock. When absent, the
   * message's `Date:` is used if the passing signature signs it, else the signature's `t=`, else
   * `now` (what the CLI does with `.eml` files).
   * @default - from the message, as described
   */
  readonly receivedAt?: Date;
  /**
   * The current time, the last fallback for the time of receipt.
   * @default - the clock (only when `receivedAt` is absent)
   */
  readonly now?: Date;
  /**
   * Distinct key records looked up at the most; signatures that need more are not checked
   * (`too-many-signatures`). A real report carries one or two signatures.
   * @default 8
   */
  readonly maxKeyLookups?: number;
  /**
   * The DNS time budget of the whole message, in milliseconds: lookups still running then fail
   * as temporary failures, later ones fail at once.
   * @default 1500
   */
  readonly dnsBudgetMs?: number;
  /**
   * The message's Date header as an ISO instant (from the report extraction), used as described
   * for `receivedAt`.
   * @default - no Date header
   */
  readonly dateHeader?: string;
}

/** The defaults of `authenticateReportEmail`. */
export const AUTHENTICATION_DEFAULTS = {
  maxKeyLookups: 8,
  dnsBudgetMs: 1500,
} as const;

/** The longest domain name (RFC 1035); longer `d=`, `s=` or From domains are not names. */
const MAX_NAME_LENGTH = 253;

/**
 * The organizational domain of a name (Public Suffix List, private suffixes included, so that
 * `a.github.io` and `b.github.io` are different organisations), lower case without a trailing
 * dot; undefined for a public suffix, an IP address or a name that is not a domain.
 *
 * @param name a domain name
 */
export function organizationalDomain(name: string): string | undefined {
  const n = name.toLowerCase();
  if (n.length === 0 || n.length > MAX_NAME_LENGTH || n.endsWith('.')) return undefined;
  return getDomain(n, { allowPrivateDomains: true, validHosts: [] }) ?? undefined;
}

/**
 * Whether a DKIM key record allows TLS-RPT: its `s=` (service types, colon-separated) is absent,
 * or lists `*` or `tlsrpt`.
 *
 * @param record the key record's text (TXT strings joined)
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-5.3
 * @see https://www.rfc-editor.org/rfc/rfc6376#section-3.6.1
 */
export function keyRecordAllowsTlsRpt(record: string): boolean {
  const services = keyRecordTag(record, 's');
  if (services === undefined) return true;
  return services.split(':').some((s) => {
    const t = s.trim().toLowerCase();
    return t === '*' || t === 'tlsrpt';
  });
}

/** The value of one tag of a `tag=value; …` record (linear: split and trim, no regex), or undefined. */
function keyRecordTag(record: string, tag: string): string | undefined {
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() === tag) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The authentication of a copy received by HTTPS. */
export function httpsUnauthenticated(): ReportAuthentication {
  return {
    status: AuthenticationStatus.HTTPS_UNAUTHENTICATED,
    reason: AuthenticationReason.HTTPS,
    detail: 'received by HTTPS POST, which RFC 8460 gives no way to authenticate',
  };
}

/** The authentication of a copy read from a bare file. */
export function fileUnauthenticated(what = 'a report file'): ReportAuthentication {
  return { status: AuthenticationStatus.FILE_UNAUTHENTICATED, reason: AuthenticationReason.FILE, detail: `${what} read from disk: nothing says who wrote it` };
}

/** True for the one status that counts as evidence. */
export function isVerified(a: ReportAuthentication): boolean {
  return a.status === AuthenticationStatus.VERIFIED;
}

// ---- DNS: a bounded, caching wrapper around the caller's resolver ----------------------------

interface BoundedResolver {
  readonly resolve: (name: string, rrtype: string) => Promise<string[][]>;
  /** Names refused because the lookup budget was spent. */
  readonly refused: Set<string>;
  /** Names whose lookup failed temporarily. */
  readonly temporary: Set<string>;
}

function dnsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Code that mailauth maps to "no key" (a permanent outcome). */
const NO_SUCH_RECORD = 'ENOTFOUND';
/** Our code for a lookup refused by the budget (mailauth maps unknown codes to temperror). */
const BUDGET_SPENT = 'EBUDGET';

function boundedResolver(resolveTxt: TxtResolver, maxLookups: number, budgetMs: number): BoundedResolver {
  const cache = new Map<string, Promise<string[][]>>();
  const refused = new Set<string>();
  const temporary = new Set<string>();
  const deadline = Date.now() + budgetMs;
  const lookup = async (name: string): Promise<string[][]> => {
    const left = deadline - Date.now();
    if (left <= 0) {
      temporary.add(name);
      throw dnsError('ETIMEOUT', 'the DNS time budget of the message is spent');
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(dnsError('ETIMEOUT', `no answer within ${budgetMs} ms`)), left);
    });
    try {
      return await Promise.race([resolveTxt(name), timeout]);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code !== 'ENOTFOUND' && code !== 'ENODATA') temporary.add(name);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  };
  const resolve = (raw: string, rrtype: string): Promise<string[][]> => {
    const name = raw.toLowerCase();
    if (rrtype !== 'TXT' || name.length > MAX_NAME_LENGTH) return Promise.reject(dnsError(NO_SUCH_RECORD, 'not a key record name'));
    let p = cache.get(name);
    if (p === undefined) {
      if (cache.size >= maxLookups) {
        refused.add(name);
        return Promise.reject(dnsError(BUDGET_SPENT, 'too many key lookups for one message'));
      }
      p = lookup(name);
      cache.set(name, p);
    }
    return p;
  };
  return { resolve, refused, temporary };
}

// ---- judging mailauth's results ------------------------------------------------------------

/** The part of one mailauth signature result that the rules read. */
interface SignatureResult {
  readonly signingDomain?: string;
  readonly selector?: string;
  readonly status?: { readonly result?: string; readonly comment?: string | false };
  readonly canonBodyLengthLimited?: boolean;
  readonly rr?: string;
  readonly expiresAfter?: string | null;
  readonly signTime?: string | null;
  /** `keys`: the signed header names, colon-separated (as in `h=`). */
  readonly signingHeaders?: { readonly keys?: unknown };
}

interface Judgement {
  readonly reason: AuthenticationReason;
  readonly detail: string;
}

/** The time of receipt for one passing signature (see `AuthenticateOptions.receivedAt`). */
function receiptTime(sig: SignatureResult, options: AuthenticateOptions): Date {
  if (options.receivedAt) return options.receivedAt;
  const keys = sig.signingHeaders?.keys;
  const names = typeof keys === 'string' ? keys.split(':') : Array.isArray(keys) ? keys.map(String) : [];
  const signed = names.some((k) => k.trim().toLowerCase() === 'date');
  const date = signed && options.dateHeader ? new Date(options.dateHeader) : undefined;
  if (date && !Number.isNaN(date.getTime())) return date;
  const t = sig.signTime ? new Date(sig.signTime) : undefined;
  if (t && !Number.isNaN(t.getTime())) return t;
  return options.now ?? new Date();
}

function mailauthFailure(sig: SignatureResult, bounded: BoundedResolver, keyName: string): AuthenticationReason {
  const result = sig.status?.result;
  const comment = String(sig.status?.comment ?? '');
  if (result === 'fail') return AuthenticationReason.BAD_SIGNATURE;
  if (result === 'policy') return AuthenticationReason.WEAK_KEY;
  if (result === 'temperror') return bounded.refused.has(keyName) ? AuthenticationReason.TOO_MANY_SIGNATURES : AuthenticationReason.DNS_TEMPORARY_FAILURE;
  if (comment.startsWith('body hash')) return AuthenticationReason.BODY_HASH_MISMATCH;
  if (comment === 'expired' || comment === 'invalid expiration') return AuthenticationReason.EXPIRED;
  return AuthenticationReason.NO_KEY;
}

const REASON_TEXT: { readonly [K in AuthenticationReason]: string } = {
  [AuthenticationReason.PASS]: 'passes',
  [AuthenticationReason.NO_SIGNATURE]: 'the message is not DKIM-signed',
  [AuthenticationReason.SIGNATURE_INVALID]: 'the signature header is not valid',
  [AuthenticationReason.BODY_HASH_MISMATCH]: 'the body was changed after signing',
  [AuthenticationReason.BAD_SIGNATURE]: 'the signature does not verify (a signed header was changed, or it is forged)',
  [AuthenticationReason.NO_KEY]: 'no usable key is published for it',
  [AuthenticationReason.WEAK_KEY]: 'its RSA key is shorter than 1024 bits',
  [AuthenticationReason.KEY_NOT_FOR_TLSRPT]: 'its key record has an s= that does not allow tlsrpt',
  [AuthenticationReason.BODY_LENGTH_LIMIT]: 'it uses l= (a body length limit), which RFC 8460 section 5.3 forbids',
  [AuthenticationReason.EXPIRED]: 'it had expired (x=) when the message was received',
  [AuthenticationReason.DOMAIN_MISMATCH]: 'its d= is not the From domain and does not share its organizational domain',
  [AuthenticationReason.FROM_INVALID]: 'the message does not have exactly one From address',
  [AuthenticationReason.TOO_MANY_SIGNATURES]: 'it was not checked: the message has more signatures than are looked up',
  [AuthenticationReason.DNS_TEMPORARY_FAILURE]: 'its key could not be looked up now (temporary DNS failure)',
  [AuthenticationReason.MESSAGE_INVALID]: 'the message cannot be read',
  [AuthenticationReason.HTTPS]: 'received by HTTPS',
  [AuthenticationReason.FILE]: 'read from a file',
};

/** Applies RFC 8460's rules to one signature that mailauth has checked. */
function judge(sig: SignatureResult, fromDomain: string | undefined, options: AuthenticateOptions, bounded: BoundedResolver): Judgement {
  const d = sig.signingDomain ?? '';
  const s = sig.selector ?? '';
  const name = `d=${show(d)} s=${show(s)}`;
  const say = (reason: AuthenticationReason, extra = ''): Judgement => ({ reason, detail: `DKIM signature ${name}: ${REASON_TEXT[reason]}${extra}` });
  if (d.endsWith('.') || d.length > MAX_NAME_LENGTH || s.length > MAX_NAME_LENGTH) return say(AuthenticationReason.SIGNATURE_INVALID, ' (d= and s= must be domain names without a trailing dot)');
  if (sig.canonBodyLengthLimited) return say(AuthenticationReason.BODY_LENGTH_LIMIT);
  if (sig.status?.result !== 'pass') return say(mailauthFailure(sig, bounded, `${s}._domainkey.${d}`.toLowerCase()));
  if (!keyRecordAllowsTlsRpt(sig.rr ?? '')) return say(AuthenticationReason.KEY_NOT_FOR_TLSRPT, ` (s=${show(keyRecordTag(sig.rr ?? '', 's'))})`);
  const expires = sig.expiresAfter ? new Date(sig.expiresAfter) : undefined;
  const receipt = receiptTime(sig, options);
  if (expires && expires.getTime() < receipt.getTime()) return say(AuthenticationReason.EXPIRED, ` (x= ${expires.toISOString()}, received ${receipt.toISOString()})`);
  if (fromDomain === undefined) return say(AuthenticationReason.FROM_INVALID);
  const org = organizationalDomain(d);
  if (org === undefined || org !== organizationalDomain(fromDomain)) return say(AuthenticationReason.DOMAIN_MISMATCH, ` (From domain ${show(fromDomain)})`);
  return { reason: AuthenticationReason.PASS, detail: `DKIM signature ${name} passes for From domain ${show(fromDomain)}` };
}

/** The reasons that leave an email unverified only for now (to be retried). */
const TEMPORARY = new Set([AuthenticationReason.DNS_TEMPORARY_FAILURE]);
/** Which failing signature the result names, most telling first. */
const FAILURE_RANK: readonly AuthenticationReason[] = [
  AuthenticationReason.DNS_TEMPORARY_FAILURE,
  AuthenticationReason.KEY_NOT_FOR_TLSRPT,
  AuthenticationReason.BODY_LENGTH_LIMIT,
  AuthenticationReason.EXPIRED,
  AuthenticationReason.DOMAIN_MISMATCH,
  AuthenticationReason.FROM_INVALID,
  AuthenticationReason.BODY_HASH_MISMATCH,
  AuthenticationReason.BAD_SIGNATURE,
  AuthenticationReason.WEAK_KEY,
  AuthenticationReason.NO_KEY,
  AuthenticationReason.TOO_MANY_SIGNATURES,
  AuthenticationReason.SIGNATURE_INVALID,
];

function fromDomainOf(headerFrom: readonly string[]): string | undefined {
  if (headerFrom.length !== 1) return undefined;
  const at = headerFrom[0].lastIndexOf('@');
  const domain = at < 0 ? '' : headerFrom[0].slice(at + 1).toLowerCase();
  return domain === '' || domain.length > MAX_NAME_LENGTH ? undefined : domain;
}

/**
 * Verifies the DKIM signatures of a report email as RFC 8460 section 5.3 asks. The copy is
 * `VERIFIED` when one signature passes (mailauth: canonicalisation, body hash, key, signature)
 * and also:
 *
 * - has no `l=`;
 * - its key record's `s=` is absent, `*`, or lists `tlsrpt`;
 * - has not expired (`x=`) at the time of receipt (`receivedAt`, else the signed Date, else `t=`);
 * - its `d=` is the From domain or shares its organizational domain (exactly one From address).
 *
 * The reporter is then the organizational domain of that `d=`. Anything else is unverified:
 * `DKIM_NONE` (no signature), `DKIM_TEMPERROR` (only temporary DNS failures stood in the way:
 * the processor retries), or `DKIM_FAIL` naming the most telling failing signature. DNS work is
 * bounded: at most `maxKeyLookups` distinct key records (cached per message), within `dnsBudgetMs`
 * in all; signature headers that do not parse are skipped by mailauth, so a message of 50 broken
 * signatures costs no lookup. Never throws.
 *
 * @param message the whole email as received
 * @param options the key resolver, the time of receipt and the bounds
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-5.3
 */
export async function authenticateReportEmail(message: Uint8Array, options: AuthenticateOptions): Promise<ReportAuthentication> {
  const bounded = boundedResolver(options.resolveTxt, options.maxKeyLookups ?? AUTHENTICATION_DEFAULTS.maxKeyLookups, options.dnsBudgetMs ?? AUTHENTICATION_DEFAULTS.dnsBudgetMs);
  let results: SignatureResult[];
  let headerFrom: string[];
  let signatureHeaders: number;
  try {
    const r = await dkimVerify(Buffer.from(message.buffer, message.byteOffset, message.byteLength), {
      resolver: bounded.resolve as never,
      curTime: options.receivedAt ?? (options.dateHeader ? new Date(options.dateHeader) : (options.now ?? new Date())),
    });
    results = (r.results ?? []) as SignatureResult[];
    headerFrom = (r.headerFrom ?? []) as string[];
    // mailauth leaves out the signature headers it cannot use (no result at all), so count them here.
    const parsed = (r as { headers?: { parsed?: ReadonlyArray<{ key?: string }> } }).headers?.parsed ?? [];
    signatureHeaders = parsed.filter((h) => h.key === 'dkim-signature').length;
  } catch (e) {
    return { status: AuthenticationStatus.DKIM_FAIL, reason: AuthenticationReason.MESSAGE_INVALID, detail: `the DKIM verifier cannot read the message: ${show((e as Error).message)}` };
  }
  const signed = results.filter((r) => r.status?.result !== 'none');
  if (signed.length === 0 && signatureHeaders === 0) return { status: AuthenticationStatus.DKIM_NONE, reason: AuthenticationReason.NO_SIGNATURE, detail: 'the message is not DKIM-signed' };
  if (signed.length === 0) {
    return {
      status: AuthenticationStatus.DKIM_FAIL,
      reason: AuthenticationReason.SIGNATURE_INVALID,
      detail: `none of the message's ${signatureHeaders} DKIM-Signature header(s) can be used (a missing or unknown a=, c=, d= or s=)`,
    };
  }
  const fromDomain = fromDomainOf(headerFrom);
  const judged = signed.map((sig) => ({ sig, j: judge(sig, fromDomain, options, bounded) }));
  const pass = judged.find((x) => x.j.reason === AuthenticationReason.PASS);
  if (pass) {
    const signingDomain = (pass.sig.signingDomain ?? '').toLowerCase();
    return {
      status: AuthenticationStatus.VERIFIED,
      reason: AuthenticationReason.PASS,
      reporterDomain: organizationalDomain(signingDomain)!,
      signingDomain,
      selector: pass.sig.selector ?? '',
      detail: pass.j.detail,
    };
  }
  const worst = [...judged].sort((a, b) => FAILURE_RANK.indexOf(a.j.reason) - FAILURE_RANK.indexOf(b.j.reason))[0];
  const out: ReportAuthentication = {
    status: TEMPORARY.has(worst.j.reason) ? AuthenticationStatus.DKIM_TEMPERROR : AuthenticationStatus.DKIM_FAIL,
    reason: worst.j.reason,
    signingDomain: (worst.sig.signingDomain ?? '').toLowerCase().slice(0, MAX_NAME_LENGTH),
    selector: (worst.sig.selector ?? '').slice(0, MAX_NAME_LENGTH),
    detail: signed.length > 1 ? `${worst.j.detail} (none of its ${signed.length} signatures passes)` : worst.j.detail,
  };
  return out;
}
