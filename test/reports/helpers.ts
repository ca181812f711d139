// Synthetic TLS-RPT fixtures, written fresh for these tests (never copied from shared/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { isReportRejectedError, normalizeReportValue, reportCopyId, ReportRejectedError, rollupKey, rollupsOf } from '../../lib/reports';

/** The shared sample corpus (beside the repo: ../shared/tlsrpt-samples). */
export const SAMPLES_DIR = path.resolve(__dirname, '../../../shared/tlsrpt-samples');
export const HAVE_SAMPLES = fs.existsSync(SAMPLES_DIR);

export interface DetailSpec {
  readonly type: string;
  readonly count: number;
  readonly mx?: string;
  readonly ip?: string;
  readonly reason?: string;
}

export interface PolicySpec {
  readonly type?: string;
  readonly domain?: string;
  readonly mode?: string;
  readonly mx?: readonly string[];
  readonly success?: number;
  readonly failure?: number;
  readonly details?: readonly DetailSpec[];
  /** Omit policy-string (Mail.ru style). */
  readonly noPolicyString?: boolean;
  /** TLSA records (for type tlsa), encoded Microsoft-style as one JSON string. */
  readonly tlsa?: readonly string[];
}

export interface ReportSpec {
  readonly org?: string;
  readonly id?: string;
  readonly day: string;
  readonly contact?: string | null;
  readonly policies?: readonly PolicySpec[];
  /** Shorthand for one sts policy. */
  readonly success?: number;
  readonly failure?: number;
  readonly details?: readonly DetailSpec[];
  readonly domain?: string;
  readonly mode?: string;
  readonly mx?: readonly string[];
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function policyJson(p: PolicySpec, fallbackDomain: string): Json {
  const type = p.type ?? 'sts';
  const mx = p.mx ?? ['mail.example.com'];
  const policy: { [key: string]: Json } = { 'policy-type': type, 'policy-domain': p.domain ?? fallbackDomain };
  if (type === 'sts' && !p.noPolicyString) {
    policy['policy-string'] = ['version: STSv1', `mode: ${p.mode ?? 'testing'}`, ...mx.map((m) => `mx: ${m}`), 'max_age: 86400'];
    policy['mx-host'] = [...mx];
  }
  if (type === 'tlsa') policy['policy-string'] = [JSON.stringify(p.tlsa ?? ['3 1 1 ABCDEF0123456789'])];
  const details = (p.details ?? []).map((d): Json => {
    const o: { [key: string]: Json } = { 'result-type': d.type, 'failed-session-count': d.count };
    if (d.ip !== undefined) o['sending-mta-ip'] = d.ip;
    if (d.mx !== undefined) o['receiving-mx-hostname'] = d.mx;
    if (d.reason !== undefined) o['failure-reason-code'] = d.reason;
    return o;
  });
  const failure = p.failure ?? (p.details ?? []).reduce((s, d) => s + d.count, 0);
  const out: { [key: string]: Json } = {
    policy,
    summary: { 'total-successful-session-count': p.success ?? 100, 'total-failure-session-count': failure },
  };
  if (details.length > 0) out['failure-details'] = details;
  return out;
}

/** A report object (RFC 8460 shape) for `spec`. */
export function reportJson(spec: ReportSpec): { [key: string]: Json } {
  const domain = spec.domain ?? 'example.com';
  const org = spec.org ?? 'Google Inc.';
  const policies = spec.policies ?? [{ domain, mode: spec.mode, mx: spec.mx, success: spec.success, failure: spec.failure, details: spec.details }];
  return {
    'organization-name': org,
    'date-range': { 'start-datetime': `${spec.day}T00:00:00Z`, 'end-datetime': `${spec.day}T23:59:59Z` },
    'contact-info': spec.contact === undefined ? `tlsrpt@${org.toLowerCase().replace(/[^a-z]/g, '')}.example` : spec.contact,
    'report-id': spec.id ?? `${spec.day}T00:00:00Z_${domain}_${org.replace(/\W/g, '')}`,
    policies: policies.map((p) => policyJson(p, domain)),
  };
}

export function jsonBytes(o: unknown): Buffer {
  return Buffer.from(JSON.stringify(o));
}

export function gzipJson(o: unknown): Buffer {
  return zlib.gzipSync(JSON.stringify(o));
}

/** A minimal zip archive (stored or deflated entries) written from scratch. */
export function makeZip(files: ReadonlyArray<{ name: string; content: Buffer; deflate?: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name);
    const data = f.deflate === false ? f.content : zlib.deflateRawSync(f.content);
    const method = f.deflate === false ? 0 : 8;
    const crc = zlib.crc32(f.content) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(f.content.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(f.content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(files.length, 8);
  eocd.writeUInt16LE(files.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

export interface EmailSpec {
  readonly parts: ReadonlyArray<{ contentType: string; fileName?: string; body: Buffer; base64?: boolean }>;
  readonly subject?: string;
  readonly reportDomain?: string | null;
  readonly submitter?: string | null;
  readonly rootType?: string;
}

function base64Lines(b: Buffer): string {
  return (b.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/** A MIME email; by default a proper `multipart/report; report-type="tlsrpt"` with the TLS-Report-* headers. */
export function makeEmail(spec: EmailSpec): Buffer {
  const boundary = 'b0undary-7f3a';
  const headers = [
    'From: TLS reporter <tlsrpt@reporter.example>',
    'To: tlsrpt@example.com',
    `Subject: ${spec.subject ?? 'Report Domain: example.com Submitter: reporter.example Report-ID: <r1@reporter.example>'}`,
    'Date: Sat, 21 Nov 2026 06:00:00 +0000',
    'Message-ID: <r1@reporter.example>',
  ];
  if (spec.reportDomain !== null) headers.push(`TLS-Report-Domain: ${spec.reportDomain ?? 'example.com'}`);
  if (spec.submitter !== null) headers.push(`TLS-Report-Submitter: ${spec.submitter ?? 'reporter.example'}`);
  headers.push('MIME-Version: 1.0', `Content-Type: ${spec.rootType ?? 'multipart/report; report-type="tlsrpt"'}; boundary="${boundary}"`);
  const body: string[] = [];
  for (const p of spec.parts) {
    body.push(`--${boundary}`);
    body.push(`Content-Type: ${p.contentType}`);
    if (p.fileName) body.push(`Content-Disposition: attachment; filename="${p.fileName}"`);
    if (p.base64 === false) {
      body.push('', p.body.toString('utf8'));
    } else {
      body.push('Content-Transfer-Encoding: base64', '', base64Lines(p.body));
    }
  }
  body.push(`--${boundary}--`, '');
  return Buffer.from([...headers, '', 'This is a MIME message.', ...body].join('\r\n'));
}

/** The usual report email: a text part and an application/tlsrpt+gzip part. */
export function reportEmail(report: unknown, extra: Partial<EmailSpec> = {}): Buffer {
  return makeEmail({
    parts: [
      { contentType: 'text/plain; charset=us-ascii', body: Buffer.from('This is an aggregate TLS report.\r\n'), base64: false },
      { contentType: 'application/tlsrpt+gzip', fileName: 'reporter.example!example.com!1795132800!1795219199!001.json.gz', body: gzipJson(report) },
    ],
    ...extra,
  });
}

/** Wraps an email in another one, as a forwarded `message/rfc822` attachment. */
export function forwardEmail(inner: Buffer): Buffer {
  const boundary = 'fwd-b0undary';
  return Buffer.from(
    [
      'From: admin@example.com',
      'To: tlsrpt@example.com',
      'Subject: Fwd: TLS report',
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain',
      '',
      'See the attached report.',
      `--${boundary}`,
      'Content-Type: message/rfc822',
      '',
      inner.toString('latin1'),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
    'latin1',
  );
}

/** Runs `fn` and returns the ReportRejectedError it throws; fails the test otherwise. */
export function rejectionOf(fn: () => unknown): ReportRejectedError {
  try {
    fn();
  } catch (e) {
    if (isReportRejectedError(e)) return e;
    throw e;
  }
  throw new Error('expected a ReportRejectedError, nothing was thrown');
}

/** As `rejectionOf`, for promises. */
export async function rejectionOfAsync(p: Promise<unknown>): Promise<ReportRejectedError> {
  try {
    await p;
  } catch (e) {
    if (isReportRejectedError(e)) return e;
    throw e;
  }
  throw new Error('expected a ReportRejectedError, nothing was thrown');
}

/** The UTC day `n` days after `day`. */
export function addDay(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** A GetObject body as the SDK returns it (only what the reader uses). */
export function body(text: string): GetObjectCommandOutput['Body'] {
  return { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'];
}

export function storedRollup(day: string, org = 'Google Inc.', success = 100): { key: string; text: string } {
  const rollups = rollupsOf(normalizeReportValue(reportJson({ day, org, success })));
  const [r] = rollups;
  return { key: rollupKey(r.domain, r.day, r.contributions[0].idempotencyKey, reportCopyId(rollups)), text: JSON.stringify(r) };
}

