// The HTTPS receiver of TLS-RPT reports (RFC 8460 section 5.3), behind an API Gateway HTTP API
// (payload format 2.0). Unauthenticated by design: any reporter may POST. It stores the body, as
// received and before any parsing, under a raw key that is never overwritten (a fresh UUID and
// `If-None-Match: *`), and answers 201 only once the object is in S3. Parsing happens in the
// processor, triggered by the stored object.
//
//   POST application/tlsrpt+gzip | application/tlsrpt+json  -> 201 stored
//   body over the cap (Content-Length or decoded size)      -> 413, nothing stored
//   another method                                           -> 405 (Allow: POST)
//   another or no media type                                 -> 415
//   empty body                                               -> 400
//   S3 failure                                               -> 503 (Retry-After: reporters retry for 24 h)
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { rawReportKey, ReportChannel } from '../reports/store-layout';

/** The media types RFC 8460 section 5.3 defines for an HTTPS POST, and the extension each is stored with. */
export const REPORT_MEDIA_TYPES: Readonly<Record<string, string>> = {
  'application/tlsrpt+gzip': 'json.gz',
  'application/tlsrpt+json': 'json',
};

/** Settings, clients and helpers; the entry point builds them from the environment, tests inject their own. */
export interface IngestDeps {
  readonly s3: S3Client;
  /** The report bucket. */
  readonly bucket: string;
  /** The largest body accepted, in bytes (decoded). */
  readonly maxBodyBytes: number;
  /** The clock (the receive time in the key). */
  readonly now: () => Date;
  /** A fresh unique id (`[A-Za-z0-9_-]`), for the key. */
  readonly newId: () => string;
  /** Writes a line to the log. */
  readonly log: (line: string) => void;
}

function reply(statusCode: number, message: string, headers: Record<string, string> = {}, extra: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify({ message, ...extra }) + '\n',
  };
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** Handles one request. */
export async function ingest(event: APIGatewayProxyEventV2, deps: IngestDeps): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext?.http?.method?.toUpperCase() ?? '';
  if (method !== 'POST') {
    return reply(405, `method ${method || '(none)'} is not allowed: POST a TLS report (RFC 8460 section 5.3) as application/tlsrpt+gzip or application/tlsrpt+json`, { allow: 'POST' });
  }
  const contentType = header(event, 'content-type');
  const media = contentType?.split(';')[0].trim().toLowerCase() ?? '';
  const extension = REPORT_MEDIA_TYPES[media];
  if (extension === undefined) {
    return reply(
      415,
      `media type ${contentType ? JSON.stringify(contentType) : '(none)'} is not accepted: send the report as application/tlsrpt+gzip (gzip-compressed JSON) or application/tlsrpt+json (RFC 8460 section 5.3)`,
      { accept: Object.keys(REPORT_MEDIA_TYPES).join(', ') },
    );
  }
  const tooLarge = (size: number) =>
    reply(413, `the body has ${size} bytes, more than the limit of ${deps.maxBodyBytes} bytes; a daily TLS report is far smaller (gzip it as application/tlsrpt+gzip)`);
  const declared = Number(header(event, 'content-length'));
  if (Number.isFinite(declared) && declared > deps.maxBodyBytes) return tooLarge(declared);
  const raw = event.body ?? '';
  // base64 inflates by 4/3: a body far over the cap is refused before it is decoded.
  if (event.isBase64Encoded && Math.floor((raw.length * 3) / 4) > deps.maxBodyBytes + 2) return tooLarge(Math.floor((raw.length * 3) / 4));
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (body.length > deps.maxBodyBytes) return tooLarge(body.length);
  if (body.length === 0) return reply(400, 'the body is empty: POST the TLS report itself (RFC 8460 section 4)');

  const uniqueId = deps.newId();
  const key = rawReportKey({ receivedAt: deps.now(), uniqueId, channel: ReportChannel.HTTPS, extension });
  try {
    await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: body, ContentType: media, IfNoneMatch: '*' }));
  } catch (e) {
    deps.log(`could not store ${key} (${body.length} bytes): ${(e as Error).name}: ${(e as Error).message}`);
    return reply(503, 'the report could not be stored; send it again later', { 'retry-after': '60' });
  }
  deps.log(`stored ${key} (${body.length} bytes, ${media})`);
  return reply(201, 'report stored', {}, { id: uniqueId });
}

let defaultDeps: IngestDeps | undefined;

function envDeps(): IngestDeps {
  const bucket = process.env.BUCKET_NAME;
  const max = Number(process.env.MAX_BODY_BYTES);
  if (!bucket || !Number.isInteger(max) || max <= 0) throw new Error('BUCKET_NAME and MAX_BODY_BYTES must be set (the TlsRptCollector construct sets them)');
  return { s3: new S3Client({}), bucket, maxBodyBytes: max, now: () => new Date(), newId: () => randomUUID(), log: (line) => console.log(line) };
}

/** The Lambda entry point; tests pass their own `deps`. */
export async function handler(event: APIGatewayProxyEventV2, _context?: unknown, deps?: IngestDeps): Promise<APIGatewayProxyStructuredResultV2> {
  const d = deps ?? (defaultDeps ??= envDeps());
  return ingest(event, d);
}
