import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key and certificate in PEM, with the chain a server sends. */
export interface IssuedCert {
  readonly key: string;
  /** The leaf alone. */
  readonly cert: string;
  /** What the server sends: the leaf, then its intermediate (when it has one). */
  readonly chain: string;
}

/** How to issue a leaf certificate. */
export interface LeafSpec {
  /** Subject CN. */
  readonly cn: string;
  /** SAN DNS names; an empty list gives a CN-only certificate. Default: `[cn]`. */
  readonly san?: string[];
  /** Validity in days from now; negative gives an already expired certificate. Default 365. */
  readonly days?: number;
  /** Which CA signs it. Default `TestCa.INTERMEDIATE`. */
  readonly issuer?: TestCa;
  /** Send only the leaf, not the intermediate (a server missing its intermediate). */
  readonly leafOnly?: boolean;
}

/** The CAs of the test PKI. */
export enum TestCa {
  /** The trusted chain's intermediate (its root is in `rootPem`). */
  INTERMEDIATE = 'intermediate',
  /** An intermediate under another root that nobody trusts. */
  OTHER_INTERMEDIATE = 'other-intermediate',
  /** The root nobody trusts, signing leaves directly (a private CA). */
  OTHER_ROOT = 'other-root',
}

/**
 * A private PKI made with the `openssl` command for one test run: a trusted root, an
 * intermediate under it, and an untrusted root with its own intermediate. EC P-256 keys keep
 * it fast. Call `dispose()` at the end.
 */
export class TestPki {
  /** The trusted root, to pass as extra CA. */
  public readonly rootPem: string;
  private readonly dir: string;
  private serial = 1;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'mta-sts-pki-'));
    this.makeRoot('root', 'MTA-STS Test Root');
    this.makeIntermediate('intermediate', 'root', 'MTA-STS Test Intermediate');
    this.makeRoot('other-root', 'Untrusted Other Root');
    this.makeIntermediate('other-intermediate', 'other-root', 'Untrusted Other Intermediate');
    this.rootPem = this.read('root.pem');
  }

  /** Issues a leaf certificate. */
  issue(spec: LeafSpec): IssuedCert {
    const id = `leaf${this.serial++}`;
    const issuer = spec.issuer ?? TestCa.INTERMEDIATE;
    const san = spec.san ?? [spec.cn];
    this.newKey(id);
    this.openssl(['req', '-new', '-key', this.path(`${id}.key`), '-out', this.path(`${id}.csr`), '-subj', `/CN=${spec.cn}`]);
    const ext = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth'];
    if (san.length > 0) ext.push(`subjectAltName=${san.map((n) => `DNS:${n}`).join(',')}`);
    // Like a public CA, the intermediates name where they are published; the bare root does not.
    if (issuer !== TestCa.OTHER_ROOT) ext.push(`authorityInfoAccess=caIssuers;URI:http://ca.invalid/${issuer}.der`);
    writeFileSync(this.path(`${id}.ext`), ext.join('\n') + '\n');
    this.openssl([
      'x509', '-req', '-in', this.path(`${id}.csr`), '-CA', this.path(`${issuer}.pem`), '-CAkey', this.path(`${issuer}.key`),
      '-set_serial', String(1000 + this.serial), '-days', String(spec.days ?? 365), '-extfile', this.path(`${id}.ext`), '-out', this.path(`${id}.pem`),
    ]);
    const cert = this.read(`${id}.pem`);
    return { key: this.read(`${id}.key`), cert, chain: spec.leafOnly ? cert : cert + this.read(`${issuer}.pem`) };
  }

  /** Removes the working directory. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private makeRoot(id: string, cn: string): void {
    this.newKey(id);
    this.openssl([
      'req', '-x509', '-new', '-key', this.path(`${id}.key`), '-out', this.path(`${id}.pem`), '-days', '30', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }

  private makeIntermediate(id: string, parent: string, cn: string): void {
    this.newKey(id);
    this.openssl(['req', '-new', '-key', this.path(`${id}.key`), '-out', this.path(`${id}.csr`), '-subj', `/CN=${cn}`]);
    writeFileSync(this.path(`${id}.ext`), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
    this.openssl([
      'x509', '-req', '-in', this.path(`${id}.csr`), '-CA', this.path(`${parent}.pem`), '-CAkey', this.path(`${parent}.key`),
      '-set_serial', String(this.serial++), '-days', '30', '-extfile', this.path(`${id}.ext`), '-out', this.path(`${id}.pem`),
    ]);
  }

  private newKey(id: string): void {
    this.openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', this.path(`${id}.key`)]);
  }

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private path(name: string): string {
    return join(this.dir, name);
  }

  private read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }
}
