import * as http from 'node:http';
import * as tls from 'node:tls';
import { error, Finding, info, show, warning } from '../policy/findings';
import { MAX_POLICY_BYTES } from '../policy/policy-parse';
import { policyHostName, policyUrl } from '../policy/records';
import { ResolvedCheckOptions } from './check-options';
import { PolicyFetch, TlsDetails } from './check-report';
import { DnsLookup, DnsOutcome } from './dns-lookup';
import { checkCertificate } from './private/certificate';

/** The path senders fetch (RFC 8461 section 3.3). */
export const POLICY_PATH = '/.well-known/mta-sts.txt';

/** The result of `fetchPolicy`: what was seen, the raw body when read completely, and the findings. */
export interface PolicyFetchResult {
  /** What the fetch saw. */
  readonly fetch: PolicyFetch;
  /** The body bytes, only when status was 200 and the body was read completely within the cap. */
  readonly body?: Buffer;
  /** Statements of what is fine. */
  readonly ok: string[];
  /** Findings about DNS, TLS and HTTP (not about the body's content). */
  readonly findings: Finding[];
}

/** Where the fetch stood when its time budget ran out. */
enum FetchStage {
  CONNECT = 'connecting',
  HANDSHAKE = 'in the TLS handshake',
  HEADERS = 'waiting for the response headers',
  BODY = 'reading the body',
}

/**
 * Fetches the policy of `domain` the way a sending MTA does: resolves `mta-sts.<domain>` through
 * `lookup` (A, then AAAA), connects with SNI set to that name, verifies the chain and the name,
 * sends one `GET /.well-known/mta-sts.txt`, does not follow redirects, needs status 200 and
 * `text/plain`, stops reading past 65536 bytes, and gives up after the time budget (4 s, like
 * postfix-mta-sts-resolver; slower than 2 s is a warning, like checkdmarc).
 */
export async function fetchPolicy(domain: string, lookup: DnsLookup, options: ResolvedCheckOptions): Promise<PolicyFetchResult> {
  const host = policyHostName(domain);
  const url = policyUrl(domain);
  const field = host;
  const ok: string[] = [];
  const findings: Finding[] = [];

  const resolved = await lookup.addresses(host);
  if (resolved.outcome !== DnsOutcome.OK) {
    const f =
      lookup.failureFinding(resolved, host, 'A/AAAA', 'the policy host address') ??
      error(
        'https-host-not-found',
        field,
        `${host} has no A or AAAA record (${resolved.outcome}), so senders cannot fetch ${url}: publish an address record for ${host} pointing at the policy server (the MtaSts construct creates it)`,
      );
    findings.push(f);
    return { fetch: { url, elapsedMs: 0 }, ok, findings };
  }
  ok.push(`${host} resolves to ${resolved.records.join(', ')}`);

  const start = Date.now();
  const state: { stage: FetchStage; timedOut: boolean; bytes: number } = { stage: FetchStage.CONNECT, timedOut: false, bytes: 0 };
  let socket: tls.TLSSocket | undefined;
  const timer = setTimeout(() => {
    state.timedOut = true;
    socket?.destroy(new Error('time budget exceeded'));
  }, options.httpsTimeoutMs);
  const timeoutFinding = (): Finding =>
    error(
      'https-timeout',
      field,
      `${url} did not answer completely within ${options.httpsTimeoutMs} ms (stopped ${state.stage}${state.stage === FetchStage.BODY ? `, ${state.bytes} bytes read` : ''}): postfix-mta-sts-resolver gives up after 4 s, so senders see no policy; make the policy host answer in well under 2 s`,
    );

  try {
    // Connect: the first address that accepts a TCP connection, as a sender does.
    let address: string | undefined;
    let connectError: Error | undefined;
    for (const candidate of resolved.records) {
      if (state.timedOut) break;
      state.stage = FetchStage.CONNECT;
      try {
        socket = await connectTls(candidate, options.httpsPort, host, options, (s) => {
          socket = s;
          if (state.timedOut) s.destroy(new Error('time budget exceeded'));
        }, () => {
          state.stage = FetchStage.HANDSHAKE;
        });
        address = candidate;
        break;
      } catch (e) {
        connectError = e as Error;
        socket = undefined;
        if (stageOf(state) === FetchStage.HANDSHAKE) break;
      }
    }
    if (socket === undefined || address === undefined) {
      const elapsedMs = Date.now() - start;
      if (state.timedOut) {
        findings.push(timeoutFinding());
      } else if (stageOf(state) === FetchStage.HANDSHAKE) {
        findings.push(
          error(
            'https-tls-handshake',
            field,
            `the TLS handshake with ${host} failed (${errorText(connectError)}): senders need TLS 1.2 or later and a certificate for ${host} chosen by SNI; check the server's TLS settings`,
          ),
        );
      } else {
        findings.push(
          error(
            'https-connect-failed',
            field,
            `cannot connect to ${host} port ${options.httpsPort} at ${resolved.records.join(', ')} (${errorText(connectError)}): senders cannot fetch the policy; make the policy host accept HTTPS on port 443`,
          ),
        );
      }
      return { fetch: { url, elapsedMs }, ok, findings };
    }

    const cert = checkCertificate(socket, {
      host,
      codePrefix: 'https',
      field,
      what: `the policy host ${host}`,
      expiryWarningDays: options.certExpiryWarningDays,
      now: options.now,
    });
    ok.push(...cert.ok);
    findings.push(...cert.findings);
    const tlsDetails: TlsDetails = cert.details;

    state.stage = FetchStage.HEADERS;
    const response = await httpGet(socket, host, state, (address.includes(':') ? `[${address}]` : address) + `:${options.httpsPort}`);
    const elapsedMs = Date.now() - start;
    const base: PolicyFetch = {
      url,
      address,
      status: response.status,
      location: response.location,
      contentType: response.contentType,
      bytes: response.bytes,
      elapsedMs,
      tls: tlsDetails,
    };
    if (response.failure !== undefined) {
      if (state.timedOut) {
        findings.push(timeoutFinding());
      } else if (response.failure === FETCH_TOO_LARGE) {
        findings.push(bodyTooLarge(url, response.contentLength, response.bytes));
      } else {
        findings.push(error('https-protocol-error', field, `${url}: the HTTP exchange failed ${state.stage} (${response.failure}): serve the policy over plain HTTP/1.1 with a complete response`));
      }
      return { fetch: base, ok, findings };
    }

    const status = response.status!;
    if (status >= 300 && status < 400) {
      findings.push(
        error(
          'https-redirect',
          field,
          `${url} answers ${status} redirecting to ${show(response.location)}: senders never follow redirects (RFC 8461 section 3.3); serve the policy directly at ${url} with status 200`,
        ),
      );
      return { fetch: base, ok, findings };
    }
    if (status !== 200) {
      findings.push(
        error(
          'https-status',
          field,
          `${url} answers ${status}${status >= 200 && status < 300 ? ' (a success, but not 200)' : ''}: senders accept exactly 200; serve the policy file at exactly ${POLICY_PATH} with status 200`,
        ),
      );
      return { fetch: base, ok, findings };
    }
    ok.push(`${url} answers 200 in ${elapsedMs} ms with ${response.bytes} bytes`);

    const mediaType = response.contentType?.split(';')[0].trim().toLowerCase();
    if (response.contentType === undefined) {
      findings.push(
        error(
          'https-content-type-missing',
          field,
          `${url} has no Content-Type header: postfix-mta-sts-resolver and go-mtasts refuse the policy; serve it with "Content-Type: text/plain"`,
        ),
      );
    } else if (mediaType !== 'text/plain') {
      findings.push(
        error(
          'https-content-type',
          field,
          `${url} has Content-Type ${show(response.contentType)}: postfix-mta-sts-resolver and go-mtasts refuse anything but text/plain; serve it with "Content-Type: text/plain"`,
        ),
      );
    } else {
      ok.push(`Content-Type ${response.contentType}`);
    }

    if (elapsedMs > options.httpsSlowMs) {
      findings.push(
        warning(
          'https-slow',
          field,
          `${url} took ${elapsedMs} ms: checkdmarc gives up after ${options.httpsSlowMs} ms and postfix-mta-sts-resolver after 4000 ms; serve the policy from a CDN or a static host`,
        ),
      );
    }
    return { fetch: base, body: response.body, ok, findings };
  } finally {
    clearTimeout(timer);
    socket?.destroy();
  }
}

function bodyTooLarge(url: string, contentLength: number | undefined, read: number | undefined): Finding {
  const size = contentLength !== undefined ? `Content-Length ${contentLength}` : `more than ${MAX_POLICY_BYTES} bytes (stopped reading after ${read})`;
  return error(
    'https-body-too-large',
    policyUrlHost(url),
    `${url} sends ${size}: senders read at most ${MAX_POLICY_BYTES} bytes and postfix-mta-sts-resolver refuses the policy; serve only the policy file (it needs a few hundred bytes; use a wildcard mx pattern if the list is long)`,
  );
}

function policyUrlHost(url: string): string {
  return new URL(url).hostname;
}

function errorText(e: unknown): string {
  if (e === undefined) return 'no address';
  const err = e as { code?: string; message?: string };
  return err.code && err.message && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message ?? String(e);
}

/**
 * Opens a TLS connection with SNI `servername`, verification left to the checker
 * (`rejectUnauthorized: false`), TLS 1.0 allowed so an old server's version can be named.
 */
function connectTls(
  address: string,
  port: number,
  servername: string,
  options: ResolvedCheckOptions,
  onSocket: (s: tls.TLSSocket) => void,
  onTcpConnect: () => void,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: address,
      port,
      servername,
      secureContext: options.secureContext,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      // The name is checked by checkCertificate (SAN DNS-IDs only), not by Node's CN-fallback check.
      checkServerIdentity: () => undefined,
    });
    onSocket(s);
    s.once('connect', onTcpConnect);
    s.once('secureConnect', () => {
      s.removeListener('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
    s.once('error', reject);
  });
}

const FETCH_TOO_LARGE = 'body too large';

interface HttpOutcome {
  status?: number;
  location?: string;
  contentType?: string;
  contentLength?: number;
  bytes?: number;
  body?: Buffer;
  /** Why the exchange did not complete, if it did not. */
  failure?: string;
}

/** One GET over an established TLS socket, reading at most MAX_POLICY_BYTES of body. */
function httpGet(socket: tls.TLSSocket, host: string, state: { stage: FetchStage; bytes: number }, hostPort: string): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const outcome: HttpOutcome = {};
    const done = (failure?: string) => {
      if (settled) return;
      settled = true;
      if (failure !== undefined) outcome.failure = failure;
      resolve(outcome);
    };
    const req = http.request({
      createConnection: () => socket,
      method: 'GET',
      path: POLICY_PATH,
      headers: { Host: host, 'User-Agent': 'cdk-mta-sts-check', Accept: '*/*', Connection: 'close' },
    });
    req.on('error', (e) => done(errorText(e)));
    req.on('response', (res) => {
      state.stage = FetchStage.BODY;
      outcome.status = res.statusCode;
      outcome.location = res.headers.location;
      outcome.contentType = res.headers['content-type'];
      const cl = res.headers['content-length'];
      outcome.contentLength = cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : undefined;
      if (outcome.status !== 200) {
        res.resume();
        done();
        return;
      }
      if (outcome.contentLength !== undefined && outcome.contentLength > MAX_POLICY_BYTES) {
        outcome.bytes = 0;
        done(FETCH_TOO_LARGE);
        return;
      }
      const chunks: Buffer[] = [];
      state.bytes = 0;
      res.on('data', (chunk: Buffer) => {
        state.bytes += chunk.length;
        outcome.bytes = state.bytes;
        if (state.bytes > MAX_POLICY_BYTES) {
          done(FETCH_TOO_LARGE);
          socket.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        outcome.bytes = state.bytes;
        outcome.body = Buffer.concat(chunks);
        done();
      });
      res.on('aborted', () => done(`the connection closed after ${state.bytes} bytes of body`));
      res.on('error', (e) => done(errorText(e)));
    });
    socket.on('close', () => done(`the connection to ${hostPort} closed`));
    req.end();
  });
}

/** An info finding for when the policy is served but senders will not look for it. */
export function notLookedUpInfo(domain: string): Finding {
  return info(
    'https-fetched-without-record',
    policyHostName(domain),
    `senders fetch ${policyUrl(domain)} only when _mta-sts.${domain} holds a valid record; the fetch was made anyway to check the policy`,
  );
}

/** The stage as callbacks left it (read through a function so the compiler does not narrow it). */
function stageOf(state: { stage: FetchStage }): FetchStage {
  return state.stage;
}
