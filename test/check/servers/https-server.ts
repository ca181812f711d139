import * as http from 'node:http';
import * as https from 'node:https';
import { Socket } from 'node:net';
import * as tls from 'node:tls';
import { IssuedCert } from './pki';

/** Answers one request for a policy host. */
export type PolicyHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A handler that serves `body` with status 200 and `contentType` (`null`: no Content-Type header). */
export function servePolicy(body: string | Buffer, contentType: string | null = 'text/plain'): PolicyHandler {
  return (req, res) => {
    if (req.url !== '/.well-known/mta-sts.txt') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const headers: http.OutgoingHttpHeaders = { 'Content-Length': Buffer.byteLength(body) };
    if (contentType !== null) headers['Content-Type'] = contentType;
    res.writeHead(200, headers).end(body);
  };
}

/**
 * One HTTPS server for many policy hosts on one address: the certificate is chosen by SNI, the
 * handler by the Host header, as a CDN does. Unknown names get the default certificate and 421.
 *
 * Give it a default certificate sent without intermediates and from a CA unrelated to the hosts'
 * certificates: OpenSSL completes the chain of an SNI-selected certificate from the default
 * context's chain, which would hide a host's missing intermediate.
 */
export class TestHttpsServer {
  private readonly contexts = new Map<string, tls.SecureContext>();
  private readonly handlers = new Map<string, PolicyHandler>();
  private readonly sockets = new Set<Socket>();
  private server?: https.Server;
  public port = 0;

  constructor(
    public readonly address: string,
    private readonly defaultCert: IssuedCert,
  ) {}

  /** Serves `host` with `cert` and `handler`. */
  host(host: string, cert: IssuedCert, handler: PolicyHandler): this {
    this.contexts.set(host, tls.createSecureContext({ key: cert.key, cert: cert.chain }));
    this.handlers.set(host, handler);
    return this;
  }

  /** Starts listening on `port` (0: any free port). */
  async start(port = 0): Promise<this> {
    const server = https.createServer(
      {
        key: this.defaultCert.key,
        cert: this.defaultCert.chain,
        SNICallback: (name, cb) => cb(null, this.contexts.get(name.toLowerCase())),
      },
      (req, res) => {
        const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
        const handler = this.handlers.get(host);
        if (!handler) {
          res.writeHead(421, { 'Content-Type': 'text/plain' }).end('unknown host');
          return;
        }
        handler(req, res);
      },
    );
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.address, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this;
  }

  /** Stops the server and drops open connections (a slow handler must not hold the test). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
