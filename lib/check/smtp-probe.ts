import * as net from 'node:net';
import * as tls from 'node:tls';
import { error, Finding, show } from '../policy/findings';
import { ResolvedCheckOptions } from './check-options';
import { MxProbe, SmtpStage, TlsDetails } from './check-report';
import { DnsLookup, DnsOutcome } from './dns-lookup';
import { checkCertificate } from './private/certificate';
import { SmtpReply, SmtpReplyReader } from './private/smtp-session';

/** The result of probing one MX host: what was seen, and the findings. */
export interface MxProbeResult {
  /** What the probe saw. */
  readonly probe: MxProbe;
  /** Statements of what is fine. */
  readonly ok: string[];
  /** Errors and warnings about this host. */
  readonly findings: Finding[];
}

/** An MX host to probe. */
export interface MxTarget {
  /** The host name. */
  readonly host: string;
  /** The MX preference, if known. */
  readonly priority?: number;
}

/** What the probe was waiting for, as a phrase for messages. */
const WAITING_FOR: Readonly<Record<SmtpStage, string>> = {
  [SmtpStage.RESOLVE]: 'while looking up its address',
  [SmtpStage.CONNECT]: 'while opening the TCP connection (is a firewall dropping the port?)',
  [SmtpStage.BANNER]: 'waiting for the 220 greeting after the connection was accepted',
  [SmtpStage.EHLO]: 'waiting for the reply to EHLO',
  [SmtpStage.STARTTLS]: 'waiting for the reply to STARTTLS',
  [SmtpStage.TLS_HANDSHAKE]: 'in the TLS handshake after STARTTLS',
  [SmtpStage.DONE]: 'after TLS was established',
};

/**
 * Probes every MX host at the same time, each within its own time budget, so one black-holed
 * host costs one budget rather than one per host. Results are in the order of `targets`.
 */
export function probeMxHosts(targets: readonly MxTarget[], lookup: DnsLookup, options: ResolvedCheckOptions): Promise<MxProbeResult[]> {
  return Promise.all(targets.map((t) => probeMxHost(t, lookup, options)));
}

/**
 * Probes one MX host the way a sending MTA does: resolves it (A, then AAAA) through `lookup`,
 * connects to the SMTP port, reads the greeting, says EHLO, checks STARTTLS is offered, starts
 * TLS with SNI set to the MX name and checks the certificate is valid for that name (SAN
 * DNS-IDs, trusted chain, dates) and the version is TLS 1.2 or later (RFC 8461 section 4.2).
 *
 * Connect, greeting, EHLO, STARTTLS and handshake share one budget (`smtpTimeoutMs`); the
 * address lookup has the DNS budget.
 */
export async function probeMxHost(target: MxTarget, lookup: DnsLookup, options: ResolvedCheckOptions): Promise<MxProbeResult> {
  const { host } = target;
  const start = Date.now();
  const ok: string[] = [];
  const findings: Finding[] = [];
  const field = host;
  let stage = SmtpStage.RESOLVE;
  const seen: { addresses: string[]; connectedTo?: string; banner?: string; starttls?: boolean; tls?: TlsDetails } = { addresses: [] };
  const result = (): MxProbeResult => ({
    probe: { host, priority: target.priority, ...seen, stage, elapsedMs: Date.now() - start },
    ok,
    findings,
  });

  const resolved = await lookup.addresses(host);
  if (resolved.outcome !== DnsOutcome.OK) {
    findings.push(
      lookup.failureFinding(resolved, host, 'A/AAAA', `the address of MX host ${host}`) ??
        error('mx-host-not-found', field, `MX host ${host} has no A or AAAA record (${resolved.outcome}): senders cannot deliver to it; fix the MX record or publish the host's address`),
    );
    return result();
  }
  seen.addresses = resolved.records;

  const port = options.smtpPort;
  let socket: net.Socket | undefined;
  let tlsSocket: tls.TLSSocket | undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    tlsSocket?.destroy();
    socket?.destroy();
  }, options.smtpTimeoutMs);
  const where = () => `${host} (${seen.connectedTo ?? `${resolved.records.join(', ')} port ${port}`})`;

  try {
    // Connect to the first address that accepts, within the budget.
    stage = SmtpStage.CONNECT;
    let connectError: Error | undefined;
    for (const address of resolved.records) {
      if (timedOut) break;
      try {
        socket = await connectTcp(address, port, (s) => {
          socket = s;
          if (timedOut) s.destroy();
        });
        seen.connectedTo = `${address.includes(':') ? `[${address}]` : address}:${port}`;
        break;
      } catch (e) {
        connectError = e as Error;
        socket = undefined;
      }
    }
    if (socket === undefined) {
      const why = timedOut ? `no connection within ${options.smtpTimeoutMs} ms` : errorText(connectError);
      findings.push(
        error(
          'mx-unreachable',
          field,
          `cannot connect to MX host ${host} at ${resolved.records.join(', ')} port ${port} (${why}): senders cannot deliver there; check that the host is up and that port ${port} is open to the Internet`,
        ),
      );
      return result();
    }

    const reader = new SmtpReplyReader(socket);
    stage = SmtpStage.BANNER;
    const banner = await reader.read();
    seen.banner = `${banner.code} ${banner.lines[0] ?? ''}`.trim();
    if (banner.code !== 220) {
      findings.push(error('mx-banner-rejected', field, `MX host ${where()} greets with ${show(replyText(banner))} instead of 220: senders cannot deliver there; make it accept connections`));
      reader.send('QUIT');
      return result();
    }

    stage = SmtpStage.EHLO;
    reader.send(`EHLO ${options.ehloName}`);
    const ehlo = await reader.read();
    if (ehlo.code !== 250) {
      findings.push(error('mx-ehlo-rejected', field, `MX host ${where()} answers EHLO with ${show(replyText(ehlo))}: without EHLO no STARTTLS; make it accept EHLO`));
      reader.send('QUIT');
      return result();
    }
    seen.starttls = ehlo.lines.slice(1).some((l) => /^STARTTLS\b/i.test(l.trim()));
    if (!seen.starttls) {
      findings.push(
        error(
          'mx-starttls-missing',
          field,
          `MX host ${where()} does not offer STARTTLS in its EHLO reply: senders cannot use TLS, so under mode enforce they do not deliver there; enable STARTTLS with a certificate for ${host}`,
        ),
      );
      reader.send('QUIT');
      return result();
    }

    stage = SmtpStage.STARTTLS;
    reader.send('STARTTLS');
    const ready = await reader.read();
    if (ready.code !== 220) {
      findings.push(error('mx-starttls-rejected', field, `MX host ${where()} offers STARTTLS but answers it with ${show(replyText(ready))}: fix its TLS configuration (certificate and key for ${host})`));
      reader.send('QUIT');
      return result();
    }
    reader.detach();
    socket.on('error', () => undefined);

    stage = SmtpStage.TLS_HANDSHAKE;
    try {
      tlsSocket = await startTls(socket, host, options, (s) => {
        tlsSocket = s;
        if (timedOut) s.destroy();
      });
    } catch (e) {
      if (timedOut) throw e;
      findings.push(
        error('mx-tls-handshake', field, `the TLS handshake with MX host ${where()} failed (${errorText(e)}): senders need TLS 1.2 or later and a certificate for ${host} chosen by SNI; fix its TLS settings`),
      );
      return result();
    }
    const cert = checkCertificate(tlsSocket, {
      host,
      codePrefix: 'mx',
      field,
      what: `MX host ${host}`,
      expiryWarningDays: options.certExpiryWarningDays,
      now: options.now,
    });
    seen.tls = cert.details;
    stage = SmtpStage.DONE;
    ok.push(`MX host ${where()}: greets with ${show(seen.banner)} and offers STARTTLS`);
    ok.push(...cert.ok);
    findings.push(...cert.findings);
    tlsSocket.end('QUIT\r\n');
    return result();
  } catch (e) {
    if (timedOut) {
      findings.push(
        error(
          stage === SmtpStage.CONNECT ? 'mx-unreachable' : 'mx-timeout',
          field,
          `MX host ${where()}: no answer within ${options.smtpTimeoutMs} ms ${WAITING_FOR[stage]}: senders give up on it too; check the SMTP service on ${host}${stage === SmtpStage.BANNER ? ' (it accepts connections but never greets)' : ''}`,
        ),
      );
    } else {
      findings.push(error('mx-protocol-error', field, `MX host ${where()}: the SMTP exchange failed ${WAITING_FOR[stage]} (${errorText(e)}): check the SMTP service on ${host}`));
    }
    return result();
  } finally {
    clearTimeout(timer);
    tlsSocket?.destroy();
    socket?.destroy();
  }
}

function replyText(r: SmtpReply): string {
  return `${r.code} ${r.lines.join(' / ')}`.trim().slice(0, 200);
}

function errorText(e: unknown): string {
  if (e === undefined) return 'no address';
  const err = e as { code?: string; message?: string };
  return err.code && err.message && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message ?? String(e);
}

function connectTcp(address: string, port: number, onSocket: (s: net.Socket) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: address, port });
    onSocket(s);
    s.once('connect', () => {
      s.removeListener('error', reject);
      s.removeListener('close', onClose);
      resolve(s);
    });
    const onClose = () => reject(new Error('the connection was closed before it was established'));
    s.once('close', onClose);
    s.once('error', reject);
  });
}

function startTls(socket: net.Socket, servername: string, options: ResolvedCheckOptions, onSocket: (s: tls.TLSSocket) => void): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    // The name is checked by checkCertificate (SAN DNS-IDs only), not by Node's CN-fallback check.
    const s = tls.connect({ socket, servername, secureContext: options.secureContext, rejectUnauthorized: false, checkServerIdentity: () => undefined });
    onSocket(s);
    s.once('secureConnect', () => {
      s.removeListener('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
    s.once('error', reject);
    s.once('close', () => reject(new Error('the connection closed during the handshake')));
  });
}
