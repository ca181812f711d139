import { CheckOptions } from '../../../lib/check/check-options';
import { MtaStsMode } from '../../../lib/policy/mode';
import { MtaStsPolicy } from '../../../lib/policy/policy';
import { renderMtaStsRecord, renderTlsRptRecord } from '../../../lib/policy/records';
import { TlsRptDestination } from '../../../lib/policy/tls-rpt-destination';
import { DnsNode, TestDnsServer } from './dns-server';
import { PolicyHandler, servePolicy, TestHttpsServer } from './https-server';
import { IssuedCert, TestCa, TestPki } from './pki';
import { SmtpBehavior, TestSmtpServer } from './smtp-server';

/** The MX servers every lab runs, one address each (they share the SMTP port). */
export enum LabMx {
  /** STARTTLS with a valid certificate for each name registered with `mxCert`. */
  GOOD = 'good',
  /** STARTTLS with a certificate for another name. */
  WRONG_CERT = 'wrong-cert',
  /** No STARTTLS in EHLO. */
  NO_STARTTLS = 'no-starttls',
  /** Accepts, never greets. */
  SILENT = 'silent',
  /** Nothing listens: the connection is refused. */
  CLOSED = 'closed',
}

const MX_ORDER: LabMx[] = [LabMx.GOOD, LabMx.WRONG_CERT, LabMx.NO_STARTTLS, LabMx.SILENT, LabMx.CLOSED];

/** One test domain: what DNS and the policy host serve for it. */
export interface LabDomain {
  /** `_mta-sts` TXT records; default: the good policy's record. Empty: no record. */
  readonly stsTxt?: (string | Buffer)[][];
  /** `_smtp._tls` TXT records; default one `mailto:` record. */
  readonly rptTxt?: (string | Buffer)[][];
  /** MX records as `[host, which server]`; default `mx1.<domain>` on the good server. */
  readonly mx?: [string, LabMx][];
  /** The policy handler; default: the good policy (enforce, the MX hosts), text/plain. */
  readonly policy?: PolicyHandler;
  /** The policy host's certificate; default: a valid one for `mta-sts.<domain>`. */
  readonly httpsCert?: IssuedCert;
  /** Extra DNS nodes (name to records). */
  readonly dns?: Record<string, DnsNode>;
}

/**
 * A loopback laboratory: a DNS server, one HTTPS server for every policy host, and five SMTP
 * endpoints (good, wrong certificate, no STARTTLS, silent, closed), each on its own 127.x.y.z
 * address under a random /24 so parallel test files do not collide. Everything runs in this
 * process and stops with `stop()`.
 */
export class Lab {
  public readonly pki = new TestPki();
  public readonly dns: TestDnsServer;
  public readonly https: TestHttpsServer;
  public readonly smtp = new Map<LabMx, TestSmtpServer>();
  public readonly mxAddress = new Map<LabMx, string>();
  public smtpPort = 0;
  private readonly base: string;

  constructor() {
    this.base = `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}`;
    this.dns = new TestDnsServer(`${this.base}.1`);
    this.https = new TestHttpsServer(`${this.base}.2`, this.pki.issue({ cn: 'default.invalid', issuer: TestCa.OTHER_INTERMEDIATE, leafOnly: true }));
    MX_ORDER.forEach((m, i) => this.mxAddress.set(m, `${this.base}.${10 + i}`));
  }

  /** Starts every server. */
  async start(): Promise<this> {
    // Like every working resolver, the lab's answers for the root zone (the checker's control query).
    this.dns.set('.', { NS: ['a.root-servers.lab'] });
    await this.dns.start();
    await this.https.start();
    const wrong = this.pki.issue({ cn: 'some-other-host.example' });
    for (let attempt = 0; ; attempt++) {
      const port = 20000 + Math.floor(Math.random() * 40000);
      const started: TestSmtpServer[] = [];
      try {
        for (const [m, behavior] of [
          [LabMx.GOOD, SmtpBehavior.STARTTLS],
          [LabMx.WRONG_CERT, SmtpBehavior.STARTTLS],
          [LabMx.NO_STARTTLS, SmtpBehavior.NO_STARTTLS],
          [LabMx.SILENT, SmtpBehavior.SILENT],
        ] as const) {
          const server = new TestSmtpServer(this.mxAddress.get(m)!, `${m}.lab`, behavior);
          if (m === LabMx.WRONG_CERT) server.addCert('some-other-host.example', wrong);
          await server.start(port);
          started.push(server);
          this.smtp.set(m, server);
        }
        this.smtpPort = port;
        return this;
      } catch (e) {
        await Promise.all(started.map((s) => s.stop()));
        this.smtp.clear();
        if (attempt >= 10) throw e;
      }
    }
  }

  /** Stops every server and removes the PKI files. */
  async stop(): Promise<void> {
    await Promise.all([this.dns.stop(), this.https.stop(), ...[...this.smtp.values()].map((s) => s.stop())]);
    this.pki.dispose();
  }

  /** Options that point the checker at the lab. */
  options(extra: CheckOptions = {}): CheckOptions {
    return {
      dnsServer: this.dns.server,
      extraCaPem: this.pki.rootPem,
      httpsPort: this.https.port,
      smtpPort: this.smtpPort,
      dnsTimeoutMs: 1000,
      smtpTimeoutMs: 1500,
      ...extra,
    };
  }

  /** Gives MX host `host` a valid certificate on the good SMTP server. */
  mxCert(host: string): void {
    this.smtp.get(LabMx.GOOD)!.addCert(host, this.pki.issue({ cn: host }));
  }

  /** The good policy for `domain` with `mx` patterns (enforce, two weeks). */
  static goodPolicy(mx: string[]): MtaStsPolicy {
    return MtaStsPolicy.create({ mode: MtaStsMode.ENFORCE, mx });
  }

  /** The good TLS-RPT record. */
  static goodTlsRpt(): string {
    return renderTlsRptRecord([TlsRptDestination.mailto('tlsrpt@example.net')]);
  }

  /**
   * Publishes `domain`: its MX records and their addresses, `_mta-sts` and `_smtp._tls` TXT,
   * `mta-sts.<domain>` pointing at the HTTPS server, and the policy handler.
   */
  domain(domain: string, spec: LabDomain = {}): void {
    const mx = spec.mx ?? [[`mx1.${domain}`, LabMx.GOOD]];
    const policy = Lab.goodPolicy(mx.map(([h]) => h));
    for (const [host, which] of mx) {
      this.dns.set(host, { A: [this.mxAddress.get(which)!] });
      if (which === LabMx.GOOD) this.mxCert(host);
    }
    this.dns.set(domain, { MX: mx.map(([host], i) => ({ preference: 10 * (i + 1), exchange: host })) });
    this.dns.set(`_mta-sts.${domain}`, { TXT: spec.stsTxt ?? [[renderMtaStsRecord(policy.id)]] });
    this.dns.set(`_smtp._tls.${domain}`, { TXT: spec.rptTxt ?? [[Lab.goodTlsRpt()]] });
    this.dns.set(`mta-sts.${domain}`, { A: [this.https.address] });
    for (const [name, node] of Object.entries(spec.dns ?? {})) this.dns.set(name, node);
    this.https.host(`mta-sts.${domain}`, spec.httpsCert ?? this.pki.issue({ cn: `mta-sts.${domain}` }), spec.policy ?? servePolicy(policy.text));
  }
}
