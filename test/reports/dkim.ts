// DKIM test kit: keys made for the run (RSA 2048 and ed25519), their key records, a resolver that
// serves them (or a real DNS server on 127.0.0.1 can serve `records()`), and signing with
// mailauth's signer. Everything here is synthetic.
import * as crypto from 'node:crypto';
import { dkimSign } from 'mailauth/lib/dkim/sign';
import { AuthenticationReason, AuthenticationStatus, ReportAuthentication, TxtResolver } from '../../lib/reports/authentication';
import { reportEmail, reportJson, ReportSpec } from './helpers';

export type KeyType = 'rsa' | 'ed25519';

export interface SignSpec {
  readonly domain: string;
  readonly selector?: string;
  readonly type?: KeyType;
  /** Body length limit (`l=`). */
  readonly maxBodyLength?: number;
  readonly expires?: Date;
  readonly signTime?: Date;
  readonly headerList?: string[];
}

interface Key {
  readonly type: KeyType;
  readonly privateKey: string;
  readonly publicKey: crypto.KeyObject;
}

/** Keys and key records for signing domains, made on first use. */
export class DkimLab {
  private readonly keys = new Map<string, Key>();
  private readonly txt = new Map<string, string>();
  /** Every name the resolver was asked for. */
  public readonly lookups: string[] = [];

  /** The key record name of a selector and domain. */
  public static keyName(selector: string, domain: string): string {
    return `${selector}._domainkey.${domain}`.toLowerCase();
  }

  /** Makes (once) the key of `selector._domainkey.domain` and publishes its record with `extraTags` (for example `s=email`). */
  public key(domain: string, selector = 'tlsrpt', type: KeyType = 'rsa', extraTags = ''): Key {
    const name = DkimLab.keyName(selector, domain);
    let k = this.keys.get(name);
    if (!k) {
      const pair = type === 'rsa' ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }) : crypto.generateKeyPairSync('ed25519');
      k = { type, privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: pair.publicKey };
      this.keys.set(name, k);
    }
    const spki = k.publicKey.export({ type: 'spki', format: 'der' });
    const p = type === 'rsa' ? spki.toString('base64') : spki.subarray(spki.length - 32).toString('base64');
    this.txt.set(name, `v=DKIM1; k=${type}; ${extraTags ? `${extraTags}; ` : ''}p=${p}`);
    return k;
  }

  /** Publishes any text at a name (a broken or huge key record). */
  public publish(name: string, text: string): void {
    this.txt.set(name.toLowerCase(), text);
  }

  /** The published records, as name → TXT text. */
  public records(): ReadonlyMap<string, string> {
    return this.txt;
  }

  /** A resolver over the published records (split into 255-byte strings, as DNS carries them). */
  public resolver(): TxtResolver {
    return async (name) => {
      this.lookups.push(name);
      const t = this.txt.get(name.toLowerCase());
      if (t === undefined) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      const parts: string[] = [];
      for (let i = 0; i < t.length; i += 255) parts.push(t.slice(i, i + 255));
      return [parts];
    };
  }

  /** Prepends a DKIM-Signature for `spec` to `message`. */
  public async sign(message: Buffer, spec: SignSpec): Promise<Buffer> {
    const selector = spec.selector ?? 'tlsrpt';
    const type = spec.type ?? 'rsa';
    const k = this.keys.get(DkimLab.keyName(selector, spec.domain)) ?? this.key(spec.domain, selector, type);
    const r = await dkimSign(message, {
      canonicalization: 'relaxed/relaxed',
      expires: spec.expires,
      signTime: spec.signTime ?? new Date('2026-11-21T06:00:00Z'),
      headerList: spec.headerList,
      signatureData: [
        {
          signingDomain: spec.domain,
          selector,
          privateKey: k.privateKey,
          algorithm: type === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256',
          maxBodyLength: spec.maxBodyLength,
        },
      ],
    } as never);
    if (r.errors.length > 0) throw r.errors[0];
    return Buffer.concat([Buffer.from(r.signatures), message]);
  }
}

/** A report email from `from` (the From address), built with the shared fixture builder. */
export function reportEmailFrom(from: string, spec: ReportSpec): Buffer {
  const raw = reportEmail(reportJson(spec)).toString('latin1');
  return Buffer.from(raw.replace(/^From: .*$/m, `From: TLS reporter <${from}>`), 'latin1');
}

/** A signed report email: From `tlsrpt@<fromDomain>`, signed by `sign.domain`. */
export async function signedReport(lab: DkimLab, fromDomain: string, report: ReportSpec, sign: SignSpec = { domain: fromDomain }): Promise<Buffer> {
  return lab.sign(reportEmailFrom(`tlsrpt@${fromDomain}`, report), sign);
}

/** The domain a fixture reporter signs with: `Google Inc.` → google.com, `Microsoft Corporation` → microsoft.com, else `<letters>.example`. */
export function signerOf(organization: string): string {
  const known: { readonly [org: string]: string } = { 'Google Inc.': 'google.com', 'Microsoft Corporation': 'microsoft.com', 'Mail.ru': 'mail.ru', 'Yahoo Inc.': 'yahoo.com' };
  return known[organization] ?? `${organization.toLowerCase().replace(/[^a-z0-9]/g, '')}.example`;
}

/** A verified authentication by `domain` (what the processor records for a report signed by it). */
export function verifiedBy(domain: string, selector = 'tlsrpt'): ReportAuthentication {
  return { status: AuthenticationStatus.VERIFIED, reason: AuthenticationReason.PASS, reporterDomain: domain, signingDomain: domain, selector, detail: `DKIM signature d="${domain}" s="${selector}" passes` };
}
