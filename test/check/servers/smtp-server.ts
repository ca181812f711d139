import * as net from 'node:net';
import * as tls from 'node:tls';
import { IssuedCert } from './pki';

/** How a test SMTP server behaves. */
export enum SmtpBehavior {
  /** Greets, offers STARTTLS, and does TLS with the configured certificate. */
  STARTTLS = 'starttls',
  /** Greets and answers EHLO without STARTTLS. */
  NO_STARTTLS = 'no-starttls',
  /** Accepts the TCP connection and never says anything (a black hole after accept). */
  SILENT = 'silent',
  /** Greets with 554 (service not available). */
  REJECT = 'reject',
}

/**
 * A minimal SMTP server on one address and port: greeting, EHLO, STARTTLS, QUIT; enough for a
 * sender's STARTTLS probe. The TLS certificate is chosen by SNI among those given, falling back
 * to the first.
 */
export class TestSmtpServer {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly contexts = new Map<string, tls.SecureContext>();
  private fallback?: tls.SecureContext;
  /** SNI names seen in TLS handshakes, for assertions. */
  public readonly sniSeen: string[] = [];
  public port = 0;

  constructor(
    public readonly address: string,
    public readonly name: string,
    private readonly behavior: SmtpBehavior,
    certs: Record<string, IssuedCert> = {},
  ) {
    for (const [host, c] of Object.entries(certs)) this.contexts.set(host, tls.createSecureContext({ key: c.key, cert: c.chain }));
    this.fallback = this.contexts.values().next().value;
  }

  /** Adds a certificate, chosen when the client's SNI is `host` (the first one added is the fallback). */
  addCert(host: string, cert: IssuedCert): this {
    const ctx = tls.createSecureContext({ key: cert.key, cert: cert.chain });
    this.contexts.set(host, ctx);
    this.fallback ??= ctx;
    return this;
  }

  /** Starts listening; throws EADDRINUSE when the port is taken. */
  async start(port: number): Promise<this> {
    const server = net.createServer((s) => this.onConnection(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.address, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this;
  }

  /** Stops the server and drops open connections. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  private onConnection(socket: net.Socket): void {
    this.track(socket);
    if (this.behavior === SmtpBehavior.SILENT) return;
    if (this.behavior === SmtpBehavior.REJECT) {
      socket.end(`554 ${this.name} no service here\r\n`);
      return;
    }
    socket.write(`220 ${this.name} ESMTP test\r\n`);
    this.converse(socket, false);
  }

  private converse(socket: net.Socket, secure: boolean): void {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'EHLO') {
          const ext = this.behavior === SmtpBehavior.STARTTLS && !secure ? ['PIPELINING', 'STARTTLS', '8BITMIME'] : ['PIPELINING', '8BITMIME'];
          socket.write([`${this.name} hello`, ...ext].map((l, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${l}\r\n`).join(''));
        } else if (verb === 'STARTTLS' && this.behavior === SmtpBehavior.STARTTLS && !secure) {
          socket.removeListener('data', onData);
          socket.write('220 2.0.0 ready to start TLS\r\n', () => this.upgrade(socket));
          return;
        } else if (verb === 'QUIT') {
          socket.end('221 2.0.0 bye\r\n');
          return;
        } else {
          socket.write('502 5.5.1 command not implemented\r\n');
        }
      }
    };
    socket.on('data', onData);
  }

  private upgrade(socket: net.Socket): void {
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: this.fallback,
      SNICallback: (name, cb) => {
        this.sniSeen.push(name);
        cb(null, this.contexts.get(name.toLowerCase()) ?? this.fallback);
      },
    });
    this.track(secure as net.Socket);
    secure.on('secure', () => this.converse(secure as net.Socket, true));
  }
}
