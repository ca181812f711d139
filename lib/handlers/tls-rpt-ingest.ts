// The HTTPS receiver of TLS-RPT reports (RFC 8460 section 5.3), behind an API Gateway HTTP API
// (payload format 2.0). Unauthenticated by design: any reporter may POST. It stores the body, as
// received and before any parsing, under a raw key that is never overwritten (a fresh UUID and
// `If-None-Match: *`), and answers 201 only once the object is in S3. Parsing happens in the
// processor, triggered by the stored object.
//
//   POST application/tlsrpt+gzip | application/tlsrpt+json  -> 201 stored
//   body over the cap (Content-Length or decoded size)      -> 413, nothing stored
//   another method (only POST is routed; this is a backstop) -> 405 (Allow: POST)
//   another or no media type                                 -> 415
//   a Content-Encoding other than gzip, deflate, br          -> 415 (Accept-Encoding)
//   empty body                                               -> 400
//   S3 failure                                               -> 503 (Retry-After: reporters retry for 24 h)
//
// A Content-Encoding is not undone here: the bytes are stored as received, with the codings in
// the object's user metadata `content-encoding` (lower case, `identity` left out, in the order
// applied); the processor passes it to the report core (`ExtractOptions.contentEncoding`), which
// decodes under the same inflation caps as gzip. Untrusted values reach the log only through
// `safeText`, inside JSON log lines.
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isReportRejectedError } from '../reports/errors';
import { contentCodings } from '../reports/private/content-coding';
import { rawReportKey, ReportChannel } from '../reports/store-layout';
import { safeText } from '../reports/untrusted-text';

/** The S3 user metadata key (`x-amz-meta-content-encoding`) that holds the body's content codings. */
export const CONTENT_ENCODING_METADATA_KEY = 'content-encoding';

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

/** The extension a media type is stored with: own properties only (`constructor`, `__proto__` are no media types). */
function extensionOf(media: string): string | undefined {
  return Object.hasOwn(REPORT_MEDIA_TYPES, media) ? REPORT_MEDIA_TYPES[media] : undefined;
}

/** One log line as JSON, every untrusted value through `safeText`. */
function logLine(deps: IngestDeps, event: string, fields: Record<string, string | number | undefined>): void {
  deps.log(JSON.stringify({ event, ...fields }));
}

/** What the log says of the request: untrusted, so made safe. */
function requestFields(ev: APIGatewayProxyEventV2): Record<string, string | undefined> {
  const ua = header(ev, 'user-agent');
  return { sourceIp: ev.requestContext?.http?.sourceIp, userAgent: ua === undefined ? undefined : safeText(ua, { maxLength: 200 }) };
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
  const extension = extensionOf(media);
  if (extension === undefined) {
    logLine(deps, 'refused-media-type', { contentType: contentType === undefined ? undefined : safeText(contentType, { maxLength: 200 }), ...requestFields(event) });
    return reply(
      415,
      `media type ${contentType ? JSON.stringify(safeText(contentType, { maxLength: 200 })) : '(none)'} is not accepted: send the report as application/tlsrpt+gzip (gzip-compressed JSON) or application/tlsrpt+json (RFC 8460 section 5.3)`,
      { accept: Object.keys(REPORT_MEDIA_TYPES).join(', ') },
    );
  }
  const encoding = readContentEncoding(header(event, 'content-encoding'));
  if (typeof encoding !== 'string') {
    logLine(deps, 'refused-content-encoding', { contentEncoding: safeText(header(event, 'content-encoding') ?? '', { maxLength: 200 }), ...requestFields(event) });
    return reply(415, encoding.message, { 'accept-encoding': 'gzip, deflate, br' });
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
    const metadata = encoding === '' ? {} : { Metadata: { [CONTENT_ENCODING_METADATA_KEY]: encoding } };
    await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: body, ContentType: media, IfNoneMatch: '*', ...metadata }));
  } catch (e) {
    logLine(deps, 'store-failed', { key, bytes: body.length, error: safeText(`${(e as Error).name}: ${(e as Error).message}`) });
    return reply(503, 'the report could not be stored; send it again later', { 'retry-after': '60' });
  }
  logLine(deps, 'stored', { key, bytes: body.length, mediaType: media, contentEncoding: encoding === '' ? undefined : encoding, ...requestFields(event) });
  return reply(201, 'report stored', {}, { id: uniqueId });
}

/**
 * The content codings of the request, as stored in the metadata (`''` for none or identity), or
 * the refusal when the collector cannot undo them.
 */
function readContentEncoding(value: string | undefined): string | Error {
  if (value === undefined) return '';
  try {
    return contentCodings(value).join(', ');
  } catch (e) {
    if (isReportRejectedError(e)) return new Error(e.message);
    throw e;
  }
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
