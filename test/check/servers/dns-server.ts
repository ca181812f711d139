import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';

/** What the test DNS server holds at one name. */
export interface DnsNode {
  /** TXT records, each as its character-strings (Buffers for raw, non-UTF-8 bytes). */
  readonly TXT?: (string | Buffer)[][];
  /**
   * A CNAME: queries of any other type are answered with it, then the target's records. Its
   * case is kept in answers (DNS preserves it), as odd-case targets are served by real providers.
   */
  readonly CNAME?: string;
  readonly MX?: { readonly preference: number; readonly exchange: string }[];
  readonly A?: string[];
  readonly AAAA?: string[];
  /** NS records (host names). */
  readonly NS?: string[];
  /** How the server misbehaves for this name, whatever the type asked. */
  readonly behavior?: DnsBehavior;
}

/** Ways the server can misbehave for a name. */
export enum DnsBehavior {
  /** Answer SERVFAIL (rcode 2). */
  SERVFAIL = 'servfail',
  /** Answer REFUSED (rcode 5). */
  REFUSED = 'refused',
  /** Never answer: the client times out. */
  SILENT = 'silent',
}

const RCODE_NXDOMAIN = 3;
const RCODE_SERVFAIL = 2;
const RCODE_REFUSED = 5;
const MAX_UDP = 512;

/**
 * A small authoritative-and-recursive-looking DNS server for tests, on UDP and TCP at the same
 * address and port. It answers like a recursive resolver would: a CNAME is followed inside the
 * answer, an unknown name is NXDOMAIN, a known name without the type is NODATA, and a UDP
 * answer over 512 bytes is truncated (TC) so the client retries over TCP.
 */
export class TestDnsServer {
  /** Every query seen, as `TYPE name`, for assertions. */
  public readonly queries: string[] = [];
  private readonly zone = new Map<string, DnsNode>();
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  public port = 0;

  constructor(public readonly address: string) {}

  /** Sets (replaces) what the server holds at `name`. */
  set(name: string, node: DnsNode): this {
    this.zone.set(canonical(name), node);
    return this;
  }

  /** Merges records into what the server holds at `name`. */
  add(name: string, node: DnsNode): this {
    const old = this.zone.get(canonical(name)) ?? {};
    this.zone.set(canonical(name), { ...old, ...node });
    return this;
  }

  /** Starts UDP and TCP on `address`, on `port` or a free port shared by both. */
  async start(port = 0): Promise<this> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const udp = dgram.createSocket('udp4');
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(port, this.address, () => resolve());
        });
      } catch (e) {
        udp.close();
        if (port !== 0) throw e;
        continue;
      }
      const actual = udp.address().port;
      const tcp = net.createServer((s) => this.onTcp(s));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(actual, this.address, () => resolve());
        });
      } catch (e) {
        udp.close();
        if (port !== 0) throw e;
        continue;
      }
      udp.on('message', (msg, rinfo) => {
        const reply = this.answer(msg, true);
        if (reply) udp.send(reply, rinfo.port, rinfo.address);
      });
      this.udp = udp;
      this.tcp = tcp;
      this.port = actual;
      return this;
    }
    throw new Error(`could not bind a UDP+TCP port on ${this.address}`);
  }

  /** `address:port`, as `--dns-server` takes it. */
  get server(): string {
    return `${this.address}:${this.port}`;
  }

  /** Stops both listeners and drops open TCP connections. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
  }

  private onTcp(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const reply = this.answer(msg, false);
        if (reply) {
          const head = Buffer.alloc(2);
          head.writeUInt16BE(reply.length);
          socket.write(Buffer.concat([head, reply]));
        }
      }
    });
  }

  private answer(msg: Buffer, udp: boolean): Buffer | undefined {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    const question = query.questions?.[0];
    if (!question) return undefined;
    this.queries.push(`${question.type} ${canonical(question.name)}`);
    const base = {
      type: 'response' as const,
      id: query.id,
      questions: [question],
    };
    const flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE;
    const answers: dnsPacket.Answer[] = [];
    let name = canonical(question.name);
    for (let hops = 0; hops < 8; hops++) {
      const node = this.zone.get(name);
      if (node?.behavior === DnsBehavior.SILENT) return undefined;
      if (node?.behavior === DnsBehavior.SERVFAIL) return dnsPacket.encode({ ...base, flags: flags | RCODE_SERVFAIL, answers: [] });
      if (node?.behavior === DnsBehavior.REFUSED) return dnsPacket.encode({ ...base, flags: flags | RCODE_REFUSED, answers: [] });
      if (node === undefined) {
        return dnsPacket.encode({ ...base, flags: flags | RCODE_NXDOMAIN, answers });
      }
      if (node.CNAME !== undefined && question.type !== 'CNAME') {
        answers.push({ type: 'CNAME', name, ttl: 60, data: asGiven(node.CNAME) });
        name = canonical(node.CNAME);
        continue;
      }
      answers.push(...recordsOf(name, node, question.type));
      break;
    }
    let reply = dnsPacket.encode({ ...base, flags, answers });
    if (udp && reply.length > MAX_UDP) {
      reply = dnsPacket.encode({ ...base, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [] });
    }
    return reply;
  }
}

function recordsOf(name: string, node: DnsNode, type: string): dnsPacket.Answer[] {
  switch (type) {
    case 'TXT':
      return (node.TXT ?? []).map((strings) => ({ type: 'TXT', name, ttl: 60, data: strings.map((s) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s)) }));
    case 'MX':
      return (node.MX ?? []).map((mx) => ({ type: 'MX', name, ttl: 60, data: { preference: mx.preference, exchange: mx.exchange } }));
    case 'A':
      return (node.A ?? []).map((a) => ({ type: 'A', name, ttl: 60, data: a }));
    case 'AAAA':
      return (node.AAAA ?? []).map((a) => ({ type: 'AAAA', name, ttl: 60, data: a }));
    case 'NS':
      return (node.NS ?? []).map((ns) => ({ type: 'NS', name, ttl: 60, data: ns }));
    case 'CNAME':
      return node.CNAME === undefined ? [] : [{ type: 'CNAME', name, ttl: 60, data: asGiven(node.CNAME) }];
    default:
      return [];
  }
}

/** A name as given, without the trailing dot (the wire form has none). */
function asGiven(name: string): string {
  return name.replace(/\.$/, '');
}

function canonical(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
