import * as zlib from 'node:zlib';
import { PutObjectCommand, PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { CONTENT_ENCODING_METADATA_KEY, handler, IngestDeps } from '../../lib/handlers/tls-rpt-ingest';
import { decodeReportBody } from '../../lib/reports';

const s3 = mockClient(S3Client);
const NOW = new Date('2026-11-21T08:00:00.123Z');
const REPORT = JSON.stringify({
  'organization-name': 'Google Inc.',
  'date-range': { 'start-datetime': '2026-11-20T00:00:00Z', 'end-datetime': '2026-11-20T23:59:59Z' },
  'contact-info': 'smtp-tls-reporting@google.com',
  'report-id': '2026-11-20T00:00:00Z_example.com',
  policies: [],
});

let logs: string[];
function deps(overrides: Partial<IngestDeps> = {}): IngestDeps {
  return {
    s3: new S3Client({ region: 'us-east-1' }),
    bucket: 'report-bucket',
    maxBodyBytes: 1024,
    now: () => NOW,
    newId: () => '0b7f6a9e-2c41-4a55-9d1e-6c7a1f0e2d3b',
    log: (l) => logs.push(l),
    ...overrides,
  };
}

/** An API Gateway HTTP API (payload 2.0) event, as the route POST /v1/report delivers it. */
function event(method: string, body: Buffer | string | undefined, headers: Record<string, string>, base64 = false): APIGatewayProxyEventV2 {
  const raw = body === undefined ? undefined : base64 ? Buffer.from(body).toString('base64') : body.toString();
  return {
    version: '2.0',
    routeKey: 'POST /v1/report',
    rawPath: '/v1/report',
    rawQueryString: '',
    headers: { host: 'tlsrpt.example.com', 'user-agent': 'Google-SMTP-TLS-Reporting', ...headers },
    requestContext: {
      accountId: '111111111111',
      apiId: 'abc123',
      domainName: 'tlsrpt.example.com',
      domainPrefix: 'tlsrpt',
      http: { method, path: '/v1/report', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'Google-SMTP-TLS-Reporting' },
      requestId: 'JV0uAjTmoAMEJhA=',
      routeKey: 'POST /v1/report',
      stage: '$default',
      time: '21/Nov/2026:08:00:00 +0000',
      timeEpoch: NOW.getTime(),
    },
    body: raw,
    isBase64Encoded: base64,
  };
}

beforeEach(() => {
  s3.reset();
  logs = [];
});

describe('HTTPS ingest', () => {
  test('a gzip report (base64 from API Gateway) is stored, never overwriting, then answered 201', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    const gz = zlib.gzipSync(REPORT);
    const res = await handler(event('POST', gz, { 'content-type': 'application/tlsrpt+gzip' }, true), undefined, deps());
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body!)).toEqual({ message: 'report stored', id: '0b7f6a9e-2c41-4a55-9d1e-6c7a1f0e2d3b' });
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0].args[0].input as PutObjectCommandInput;
    expect(input).toEqual({
      Bucket: 'report-bucket',
      Key: 'raw/channel=https/day=2026-11-21/20261121T080000123Z-0b7f6a9e-2c41-4a55-9d1e-6c7a1f0e2d3b.json.gz',
      Body: gz,
      ContentType: 'application/tlsrpt+gzip',
      IfNoneMatch: '*',
    });
  });

  test('a JSON report as text (not base64), with a charset parameter and an upper-case header name', async () => {
    s3.on(PutObjectCommand).resolves({});
    const res = await handler(event('POST', REPORT, { 'Content-Type': 'Application/TLSRPT+JSON; charset=utf-8' }), undefined, deps());
    expect(res.statusCode).toBe(201);
    const input = s3.commandCalls(PutObjectCommand)[0].args[0].input as PutObjectCommandInput;
    expect([input.Key, input.ContentType, Buffer.from(input.Body as Uint8Array).toString()]).toEqual([
      'raw/channel=https/day=2026-11-21/20261121T080000123Z-0b7f6a9e-2c41-4a55-9d1e-6c7a1f0e2d3b.json',
      'application/tlsrpt+json',
      REPORT,
    ]);
  });

  test('the body is stored as received, before any parsing (even one that is not a report)', async () => {
    s3.on(PutObjectCommand).resolves({});
    const res = await handler(event('POST', 'not json at all', { 'content-type': 'application/tlsrpt+json' }), undefined, deps());
    expect(res.statusCode).toBe(201);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  test.each([
    ['declared by Content-Length', event('POST', 'x', { 'content-type': 'application/tlsrpt+json', 'content-length': '5000' })],
    ['decoded (base64)', event('POST', Buffer.alloc(1025, 1), { 'content-type': 'application/tlsrpt+gzip' }, true)],
    ['decoded (text)', event('POST', 'y'.repeat(1025), { 'content-type': 'application/tlsrpt+json' })],
    ['far over, before decoding', event('POST', Buffer.alloc(100_000, 1), { 'content-type': 'application/tlsrpt+gzip' }, true)],
    ['a 50 MB body', event('POST', Buffer.alloc(50 * 1024 * 1024, 1), { 'content-type': 'application/tlsrpt+gzip', 'content-length': String(50 * 1024 * 1024) }, true)],
  ])('a body over the cap (%s) is answered 413 and nothing is stored', async (_name, e) => {
    const res = await handler(e, undefined, deps());
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body!).message).toMatch(/more than the limit of 1024 bytes/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('exactly the cap is accepted', async () => {
    s3.on(PutObjectCommand).resolves({});
    const res = await handler(event('POST', Buffer.alloc(1024, 1), { 'content-type': 'application/tlsrpt+gzip' }, true), undefined, deps());
    expect(res.statusCode).toBe(201);
  });

  test.each(['GET', 'PUT', 'HEAD', 'DELETE'])('%s is answered 405 with Allow: POST', async (method) => {
    const res = await handler(event(method, undefined, {}), undefined, deps());
    expect(res.statusCode).toBe(405);
    expect(res.headers).toEqual(expect.objectContaining({ allow: 'POST' }));
    expect(JSON.parse(res.body!).message).toMatch(new RegExp(`method ${method} is not allowed: POST a TLS report`));
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test.each([
    ['application/json', /media type "application\/json" is not accepted: send the report as application\/tlsrpt\+gzip .* or application\/tlsrpt\+json/],
    ['application/gzip', /media type "application\/gzip" is not accepted/],
    ['text/plain', /media type "text\/plain" is not accepted/],
    [undefined, /media type \(none\) is not accepted/],
  ])('media type %s is answered 415 with a clear body', async (type, message) => {
    const res = await handler(event('POST', REPORT, type ? { 'content-type': type } : {}), undefined, deps());
    expect(res.statusCode).toBe(415);
    expect(res.headers).toEqual(expect.objectContaining({ accept: 'application/tlsrpt+gzip, application/tlsrpt+json', 'content-type': 'application/json' }));
    expect(JSON.parse(res.body!).message).toMatch(message);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('an empty body is answered 400', async () => {
    const res = await handler(event('POST', '', { 'content-type': 'application/tlsrpt+json' }), undefined, deps());
    expect([res.statusCode, JSON.parse(res.body!).message]).toEqual([400, expect.stringMatching(/the body is empty/)]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('when S3 fails, 503 with Retry-After (reporters retry for 24 hours), never 2xx', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    const res = await handler(event('POST', REPORT, { 'content-type': 'application/tlsrpt+json' }), undefined, deps());
    expect(res.statusCode).toBe(503);
    expect(res.headers).toEqual(expect.objectContaining({ 'retry-after': '60' }));
    expect(logs.map((l) => JSON.parse(l))).toEqual([
      {
        event: 'store-failed',
        key: 'raw/channel=https/day=2026-11-21/20261121T080000123Z-0b7f6a9e-2c41-4a55-9d1e-6c7a1f0e2d3b.json',
        bytes: REPORT.length,
        error: 'ServiceUnavailable: Service Unavailable',
      },
    ]);
  });

  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'application/constructor'])(
    'media type %s (a prototype property) is answered 415, not 500',
    async (type) => {
      const res = await handler(event('POST', REPORT, { 'content-type': type }), undefined, deps());
      expect(res.statusCode).toBe(415);
      expect(JSON.parse(res.body!).message).toBe(
        `media type "${type}" is not accepted: send the report as application/tlsrpt+gzip (gzip-compressed JSON) or application/tlsrpt+json (RFC 8460 section 5.3)`,
      );
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    },
  );

  test.each([
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['br', 'br'],
    ['deflate', 'deflate'],
    ['gzip, br', 'gzip, br'],
  ])('Content-Encoding %s is stored, as received, with the codings in the metadata', async (header, stored) => {
    s3.on(PutObjectCommand).resolves({});
    const gz = zlib.gzipSync(zlib.gzipSync(REPORT));
    const res = await handler(event('POST', gz, { 'content-type': 'application/tlsrpt+gzip', 'content-encoding': header }, true), undefined, deps());
    expect(res.statusCode).toBe(201);
    const input = s3.commandCalls(PutObjectCommand)[0].args[0].input as PutObjectCommandInput;
    expect(input.Metadata).toEqual({ [CONTENT_ENCODING_METADATA_KEY]: stored });
    expect(Buffer.from(input.Body as Uint8Array)).toEqual(gz);
  });

  test.each(['identity', ''])('Content-Encoding %j stores no metadata', async (header) => {
    s3.on(PutObjectCommand).resolves({});
    await handler(event('POST', REPORT, { 'content-type': 'application/tlsrpt+json', 'content-encoding': header }), undefined, deps());
    expect((s3.commandCalls(PutObjectCommand)[0].args[0].input as PutObjectCommandInput).Metadata).toBeUndefined();
  });

  test.each(['compress', 'constructor', 'gzip, zstd', 'gzip, gzip, gzip, gzip, gzip'])('Content-Encoding %s is answered 415 with Accept-Encoding, nothing stored', async (header) => {
    const res = await handler(event('POST', REPORT, { 'content-type': 'application/tlsrpt+json', 'content-encoding': header }), undefined, deps());
    expect(res.statusCode).toBe(415);
    expect(res.headers).toEqual(expect.objectContaining({ 'accept-encoding': 'gzip, deflate, br' }));
    expect(JSON.parse(res.body!).message).toMatch(/^the Content-Encoding ".+" (has the coding ".+", which|lists more than 4 codings, which) the collector does not decode: send the report as is, or with Content-Encoding gzip, deflate or br$/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('the stored body, decoded with its metadata by the report core, is the report', async () => {
    s3.on(PutObjectCommand).resolves({});
    const body = zlib.brotliCompressSync(Buffer.from(REPORT));
    await handler(event('POST', body, { 'content-type': 'application/tlsrpt+json', 'content-encoding': 'br' }, true), undefined, deps());
    const input = s3.commandCalls(PutObjectCommand)[0].args[0].input as PutObjectCommandInput;
    const extracted = decodeReportBody(input.Body as Uint8Array, { contentType: input.ContentType, contentEncoding: input.Metadata![CONTENT_ENCODING_METADATA_KEY] });
    expect(extracted.text).toBe(REPORT);
  });

  test('untrusted header values reach the log as JSON strings with controls, ANSI and bidi escaped', async () => {
    s3.on(PutObjectCommand).resolves({});
    const evil = 'x\r\n{"event":"stored"}\u001b]0;pwned\u0007\u202e';
    await handler(event('POST', REPORT, { 'content-type': 'application/tlsrpt+json', 'user-agent': evil }), undefined, deps());
    await handler(event('POST', REPORT, { 'content-type': `text/${evil}` }), undefined, deps());
    expect(logs).toHaveLength(2);
    for (const line of logs) expect(line).toMatch(/^\{[\x20-\x7e]*\}$/);
    const [stored, refused] = logs.map((l) => JSON.parse(l));
    expect(stored).toMatchObject({ event: 'stored', userAgent: 'x\\r\\n{"event":"stored"}\\u001b]0;pwned\\u0007\\u202e', mediaType: 'application/tlsrpt+json' });
    expect(refused).toMatchObject({ event: 'refused-media-type', contentType: 'text/x\\r\\n{"event":"stored"}\\u001b]0;pwned\\u0007\\u202e' });
  });

  test('without deps the handler needs its environment', async () => {
    const saved = { ...process.env };
    delete process.env.BUCKET_NAME;
    try {
      await expect(handler(event('POST', REPORT, { 'content-type': 'application/tlsrpt+json' }))).rejects.toThrow(/BUCKET_NAME and MAX_BODY_BYTES must be set/);
    } finally {
      process.env = saved;
    }
  });
});
