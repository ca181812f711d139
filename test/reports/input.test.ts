import * as zlib from 'node:zlib';
import {
  decodeReportBody,
  DeviationCode,
  extractReportInput,
  InputFormat,
  parseReport,
  parseReportBody,
  RejectReason,
  sniffFormat,
} from '../../lib/reports';
import { forwardEmail, gzipJson, jsonBytes, makeEmail, makeZip, rejectionOf, rejectionOfAsync, reportEmail, reportJson } from './helpers';

const REPORT = reportJson({ day: '2026-11-20', success: 40, failure: 0 });
const codes = (findings: ReadonlyArray<{ code: string }>): string[] => findings.map((f) => f.code);

describe('sniffFormat decides from the bytes only', () => {
  test.each([
    ['JSON object', Buffer.from('  \n{"a":1}'), InputFormat.JSON],
    ['JSON with a BOM', Buffer.from('\ufeff{"a":1}'), InputFormat.JSON],
    ['JSON array', Buffer.from('[1,2]'), InputFormat.JSON],
    ['JSON literal', Buffer.from('null'), InputFormat.JSON],
    ['gzip', zlib.gzipSync('{}'), InputFormat.GZIP],
    ['zip', makeZip([{ name: 'a.json', content: Buffer.from('{}') }]), InputFormat.ZIP],
    ['empty zip', makeZip([]), InputFormat.ZIP],
    ['email', Buffer.from('Return-Path: <a@b>\r\nSubject: x\r\n\r\nbody'), InputFormat.EMAIL],
    ['mbox email', Buffer.from('From a@b Sat Nov 21 06:00:00 2026\nSubject: x\n\nbody'), InputFormat.EMAIL],
    ['HTML', Buffer.from('<html><body>404</body></html>'), InputFormat.UNKNOWN],
    ['blank', Buffer.from('   '), InputFormat.UNKNOWN],
  ])('%s', (_, bytes, format) => {
    expect(sniffFormat(bytes)).toBe(format);
  });
});

describe('HTTPS POST bodies (decodeReportBody / parseReportBody)', () => {
  test('application/tlsrpt+gzip', () => {
    const r = parseReportBody(gzipJson(REPORT), { contentType: 'application/tlsrpt+gzip' });
    expect(r.policies[0].successfulSessions).toBe(40);
    expect(r.source).toMatchObject({ format: InputFormat.GZIP, payloadFormat: InputFormat.GZIP });
    expect(r.deviations).toEqual([]);
  });

  test('application/tlsrpt+json', () => {
    const r = parseReportBody(jsonBytes(REPORT), { contentType: 'application/tlsrpt+json; charset=utf-8' });
    expect(r.source?.format).toBe(InputFormat.JSON);
    expect(r.source?.inflatedBytes).toBe(jsonBytes(REPORT).length);
    expect(r.deviations).toEqual([]);
  });

  test('JSON labelled gzip is read as JSON, with a label-mismatch deviation', () => {
    const r = parseReportBody(jsonBytes(REPORT), { contentType: 'application/tlsrpt+gzip' });
    expect(r.policies[0].successfulSessions).toBe(40);
    expect(r.deviations).toEqual([expect.objectContaining({ code: DeviationCode.LABEL_MISMATCH, message: expect.stringContaining('says gzip, but the bytes are json') })]);
  });

  test('gzip named .json is read as gzip, with a label-mismatch deviation', () => {
    const e = decodeReportBody(gzipJson(REPORT), { fileName: 'report.json' });
    expect(e.format).toBe(InputFormat.GZIP);
    expect(e.deviations.map((d) => d.code)).toEqual([DeviationCode.LABEL_MISMATCH]);
  });

  test('a UTF-8 BOM is skipped and noted', () => {
    const r = parseReportBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), jsonBytes(REPORT)]));
    expect(r.deviations.map((d) => d.code)).toEqual([DeviationCode.JSON_BOM]);
  });

  test('a zip with one file is read, and flagged (RFC 8460 allows JSON or gzip only)', () => {
    const zip = makeZip([{ name: 'google.com!example.com!1795132800!1795219199!001.json', content: jsonBytes(REPORT) }]);
    const r = parseReportBody(zip);
    expect(r.source).toMatchObject({ format: InputFormat.ZIP, fileName: 'google.com!example.com!1795132800!1795219199!001.json' });
    expect(r.deviations.map((d) => d.code)).toEqual([DeviationCode.ZIP_CONTAINER]);
  });

  test('a zip holding a stored .json.gz and a directory entry is read', () => {
    const zip = makeZip([
      { name: 'reports/', content: Buffer.alloc(0), deflate: false },
      { name: 'reports/r.json.gz', content: gzipJson(REPORT), deflate: false },
    ]);
    expect(parseReportBody(zip).policies[0].successfulSessions).toBe(40);
  });

  test('an email given to the synchronous decoder is refused with a pointer to the async one', () => {
    const e = rejectionOf(() => decodeReportBody(reportEmail(REPORT)));
    expect(e.reason).toBe(RejectReason.EMAIL_NEEDS_ASYNC);
    expect(e.message).toMatch(/call extractReportInput/);
  });
});

describe('bad inputs are rejected with a stable reason and a message naming the problem', () => {
  test('empty input', () => {
    const e = rejectionOf(() => decodeReportBody(Buffer.alloc(0)));
    expect(e.reason).toBe(RejectReason.EMPTY_INPUT);
    expect(e.message).toBe('the input is empty (0 bytes); a TLS report is a JSON object, optionally gzip-compressed');
  });

  test('input over maxInputBytes', () => {
    const e = rejectionOf(() => decodeReportBody(jsonBytes(REPORT), { maxInputBytes: 100 }));
    expect(e.reason).toBe(RejectReason.INPUT_TOO_LARGE);
    expect(e.message).toMatch(/^the input has \d+ bytes, more than the limit of 100 bytes \(maxInputBytes\)/);
  });

  test('not gzip though labelled gzip', () => {
    const e = rejectionOf(() => decodeReportBody(Buffer.from('<html>502 Bad Gateway</html>'), { contentType: 'application/tlsrpt+gzip' }));
    expect(e.reason).toBe(RejectReason.UNRECOGNISED_FORMAT);
    expect(e.field).toBe('input');
    expect(e.message).toBe(
      'the input is none of JSON, gzip, zip or email: it starts with 3c 68 74 6d 6c 3e 35 30 ("<html>50"); ' +
        'it was labelled as gzip by its Content-Type application/tlsrpt+gzip, but the bytes decide; a TLS report is a JSON object, optionally gzip-compressed',
    );
  });

  test('gzip magic followed by garbage', () => {
    const e = rejectionOf(() => decodeReportBody(Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip at all')])));
    expect(e.reason).toBe(RejectReason.GZIP_INVALID);
    expect(e.message).toMatch(/^the gzip data \(24 bytes\) is corrupt: /);
  });

  test('a corrupted gzip checksum', () => {
    const gz = gzipJson(REPORT);
    gz[gz.length - 6] ^= 0xff; // inside the CRC32 trailer
    const e = rejectionOf(() => decodeReportBody(gz));
    expect(e.reason).toBe(RejectReason.GZIP_INVALID);
    expect(e.message).toMatch(/incorrect data check/);
  });

  test('truncated gzip', () => {
    const gz = gzipJson(REPORT);
    const e = rejectionOf(() => decodeReportBody(gz.subarray(0, gz.length - 20)));
    expect(e.reason).toBe(RejectReason.GZIP_TRUNCATED);
    expect(e.message).toMatch(/^the gzip data \(\d+ bytes\) ends before its end marker \(unexpected end of file\): the report was truncated in transit/);
  });

  test('a gzip bomb stops at the configured cap', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20), { level: 1 });
    expect(bomb.length).toBeLessThan(100_000);
    const e = rejectionOf(() => decodeReportBody(bomb, { maxInflatedBytes: 1024 * 1024 }));
    expect(e.reason).toBe(RejectReason.INFLATED_TOO_LARGE);
    expect(e.message).toBe('the gzip data inflates to more than the limit of 1048576 bytes (maxInflatedBytes): refused as a decompression bomb');
  });

  test('a gzip bomb stops at the default 64 MiB cap', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(65 * 1024 * 1024), { level: 1 });
    const e = rejectionOf(() => decodeReportBody(bomb));
    expect(e.reason).toBe(RejectReason.INFLATED_TOO_LARGE);
    expect(e.message).toMatch(/limit of 67108864 bytes/);
  });

  test('a zip bomb stops at the cap (deflated entry)', () => {
    const zip = makeZip([{ name: 'r.json', content: Buffer.alloc(4 * 1024 * 1024, 0x20) }]);
    const e = rejectionOf(() => decodeReportBody(zip, { maxInflatedBytes: 1024 * 1024 }));
    expect(e.reason).toBe(RejectReason.INFLATED_TOO_LARGE);
    expect(e.message).toMatch(/"r\.json" declares 4194304 bytes, more than the limit of 1048576 bytes/);
  });

  test('a zip with several files', () => {
    const zip = makeZip([
      { name: 'a.json', content: jsonBytes(REPORT) },
      { name: 'b.json', content: jsonBytes(REPORT) },
    ]);
    const e = rejectionOf(() => decodeReportBody(zip));
    expect(e.reason).toBe(RejectReason.ZIP_SEVERAL_FILES);
    expect(e.message).toBe('the zip archive holds 2 files ("a.json", "b.json"); a report archive must hold exactly one JSON file');
  });

  test('a zip with no file', () => {
    const e = rejectionOf(() => decodeReportBody(makeZip([{ name: 'empty-dir/', content: Buffer.alloc(0), deflate: false }])));
    expect(e.reason).toBe(RejectReason.ZIP_EMPTY);
    expect(e.message).toBe('the zip archive holds no file; a report archive must hold exactly one JSON file');
  });

  test('a truncated zip', () => {
    const zip = makeZip([{ name: 'a.json', content: jsonBytes(REPORT) }]);
    const e = rejectionOf(() => decodeReportBody(zip.subarray(0, zip.length - 30)));
    expect(e.reason).toBe(RejectReason.ZIP_INVALID);
    expect(e.message).toMatch(/^the zip archive cannot be read: its end-of-central-directory record is missing/);
  });

  test('a zip whose content does not match its CRC', () => {
    const zip = makeZip([{ name: 'a.json', content: jsonBytes(REPORT), deflate: false }]);
    zip[40] ^= 0x01; // a byte of the stored content
    const e = rejectionOf(() => decodeReportBody(zip));
    expect(e.reason).toBe(RejectReason.ZIP_INVALID);
    expect(e.message).toMatch(/the CRC of "a\.json" does not match/);
  });

  test('gzip that holds text, not JSON, fails at normalisation as not-json', () => {
    const e = rejectionOf(() => parseReportBody(zlib.gzipSync('hello, world')));
    expect(e.reason).toBe(RejectReason.NOT_JSON);
    expect(e.message).toMatch(/^the report is not JSON \(.+\); it starts with "hello, world"; a TLS report is a JSON object/);
  });
});

describe('emails (extractReportInput / parseReport)', () => {
  test('a multipart/report with the TLS-Report-* headers and subject', async () => {
    const r = await parseReport(reportEmail(REPORT));
    expect(r.source?.format).toBe(InputFormat.EMAIL);
    expect(r.source?.payloadFormat).toBe(InputFormat.GZIP);
    expect(r.source?.email).toEqual({
      subject: 'Report Domain: example.com Submitter: reporter.example Report-ID: <r1@reporter.example>',
      reportDomain: 'example.com',
      reportSubmitter: 'reporter.example',
      from: 'tlsrpt@reporter.example',
      messageId: '<r1@reporter.example>',
      date: '2026-11-21T06:00:00.000Z',
      contentType: 'multipart/report',
      reportPartContentType: 'application/tlsrpt+gzip',
      reportPartFileName: 'reporter.example!example.com!1795132800!1795219199!001.json.gz',
    });
    expect(r.deviations).toEqual([]);
  });

  test.each([
    ['application/tlsrpt+json', jsonBytes(REPORT), 'r.json', []],
    ['application/tlsrpt', jsonBytes(REPORT), 'r.json', [DeviationCode.EMAIL_PART_TYPE]],
    ['application/octet-stream', gzipJson(REPORT), 'whatever.bin', [DeviationCode.EMAIL_PART_TYPE]],
    ['application/gzip', gzipJson(REPORT), undefined, [DeviationCode.EMAIL_PART_TYPE]],
    ['application/zip', makeZip([{ name: 'r.json', content: jsonBytes(REPORT) }]), 'r.zip', [DeviationCode.EMAIL_PART_TYPE, DeviationCode.ZIP_CONTAINER]],
    ['text/plain', jsonBytes(REPORT), 'report.json', [DeviationCode.EMAIL_PART_TYPE]],
  ])('a report part typed %s', async (contentType, body, fileName, deviations) => {
    const email = makeEmail({
      parts: [
        { contentType: 'text/html', body: Buffer.from('<p>report</p>'), base64: false },
        { contentType, fileName, body },
      ],
    });
    const r = await parseReport(email);
    expect(r.policies[0].successfulSessions).toBe(40);
    expect(r.deviations.map((d) => d.code)).toEqual(deviations);
  });

  test('a forwarded report (message/rfc822 inside multipart/mixed) is found', async () => {
    const r = await parseReport(forwardEmail(reportEmail(REPORT)));
    expect(r.policies[0].successfulSessions).toBe(40);
    expect(r.deviations.map((d) => d.code)).toEqual([DeviationCode.EMAIL_FORWARDED]);
    expect(r.source?.email).toMatchObject({ reportDomain: 'example.com', contentType: 'multipart/report' });
  });

  test('missing TLS-Report-* headers and a wrong root type are deviations, not rejections', async () => {
    const r = await parseReport(reportEmail(REPORT, { reportDomain: null, submitter: null, rootType: 'multipart/mixed' }));
    expect(r.deviations).toEqual([
      expect.objectContaining({ code: DeviationCode.EMAIL_NOT_MULTIPART_REPORT, message: expect.stringContaining('the email is multipart/mixed, not multipart/report') }),
      expect.objectContaining({ code: DeviationCode.EMAIL_HEADER_MISSING, message: 'the email has no TLS-Report-Domain and no TLS-Report-Submitter header, which RFC 8460 section 5.3 requires' }),
    ]);
  });

  test('a TLS-Report-Domain that names another domain is an envelope mismatch; the body wins', async () => {
    const r = await parseReport(reportEmail(REPORT, { reportDomain: 'other.example' }));
    expect(r.policies[0].policyDomain).toBe('example.com');
    expect(r.deviations.map((d) => d.code)).toEqual([DeviationCode.ENVELOPE_MISMATCH]);
  });

  test('TLS-Report-Domain stands in for a missing policy-domain', async () => {
    const noDomain = reportJson({ day: '2026-11-20' });
    const entry = (noDomain.policies as { [k: string]: { [k: string]: unknown } }[])[0];
    delete entry.policy['policy-domain'];
    const r = await parseReport(reportEmail(noDomain));
    expect(r.policies[0].policyDomain).toBe('example.com');
    expect(r.deviations.map((d) => d.code)).toContain(DeviationCode.POLICY_DOMAIN_MISSING);
  });

  test('several report parts: the tlsrpt-typed one is read and the rest noted', async () => {
    const other = reportJson({ day: '2026-11-20', success: 7 });
    const email = makeEmail({
      parts: [
        { contentType: 'application/octet-stream', fileName: 'other.json', body: jsonBytes(other) },
        { contentType: 'application/tlsrpt+gzip', fileName: 'r.json.gz', body: gzipJson(REPORT) },
      ],
    });
    const r = await parseReport(email);
    expect(r.policies[0].successfulSessions).toBe(40);
    expect(r.deviations.map((d) => d.code)).toContain(DeviationCode.EMAIL_SEVERAL_REPORT_PARTS);
  });

  test('an email with no report part', async () => {
    const email = makeEmail({ parts: [{ contentType: 'text/plain', body: Buffer.from('just text'), base64: false }, { contentType: 'image/png', fileName: 'logo.png', body: Buffer.from([0x89, 0x50]) }] });
    const e = await rejectionOfAsync(parseReport(email));
    expect(e.reason).toBe(RejectReason.EMAIL_NO_REPORT_PART);
    expect(e.message).toBe(
      'the email (subject "Report Domain: example.com Submitter: reporter.example Report-ID: <r1@reporter.example>") has no report part: ' +
        'it is multipart/report with the attachment(s) image/png "logo.png"; a TLS report email carries an application/tlsrpt+gzip or application/tlsrpt+json part (RFC 8460 section 5.3)',
    );
  });

  test('an email whose report part is a truncated gzip reports the gzip problem', async () => {
    const gz = gzipJson(REPORT);
    const email = makeEmail({ parts: [{ contentType: 'application/tlsrpt+gzip', fileName: 'r.json.gz', body: gz.subarray(0, gz.length - 12) }] });
    const e = await rejectionOfAsync(parseReport(email));
    expect(e.reason).toBe(RejectReason.GZIP_TRUNCATED);
    expect(e.field).toBe('email gzip');
    expect(e.message).toMatch(/^the email's report part cannot be read: the gzip data \(\d+ bytes\) ends before its end marker/);
  });

  test('an email whose report part holds a JSON array is refused as not-an-object, not as "no report part"', async () => {
    const email = makeEmail({ parts: [{ contentType: 'application/tlsrpt+json', fileName: 'r.json', body: Buffer.from('[1,2,3]') }] });
    const e = await rejectionOfAsync(parseReport(email));
    expect(e.reason).toBe(RejectReason.NOT_AN_OBJECT);
  });

  test('an email labelled as gzip is still read as an email', async () => {
    const x = await extractReportInput(reportEmail(REPORT), { contentType: 'application/tlsrpt+gzip' });
    expect(x.format).toBe(InputFormat.EMAIL);
    expect(x.deviations.map((d) => d.code)).toEqual([DeviationCode.LABEL_MISMATCH]);
  });
});

describe('Content-Encoding (the HTTPS ingest stores it; the body is decoded before it is read)', () => {
  const json = jsonBytes(REPORT);

  test.each([
    ['gzip', zlib.gzipSync(json)],
    ['x-gzip', zlib.gzipSync(json)],
    ['deflate', zlib.deflateSync(json)],
    ['deflate (raw, as some senders send it)', zlib.deflateRawSync(json)],
    ['br', zlib.brotliCompressSync(json)],
    ['identity', json],
    ['GZIP', zlib.gzipSync(json)],
  ])('%s', (coding, body) => {
    const r = parseReportBody(body, { contentEncoding: coding.split(' ')[0], contentType: 'application/tlsrpt+json' });
    expect(r.policies[0].successfulSessions).toBe(40);
    expect(codes(r.deviations)).not.toContain(DeviationCode.LABEL_MISMATCH);
  });

  test('a gzip-encoded application/tlsrpt+gzip body (compressed twice) is read', async () => {
    const body = zlib.gzipSync(zlib.gzipSync(json));
    expect(parseReportBody(body, { contentEncoding: 'gzip', contentType: 'application/tlsrpt+gzip' }).source?.format).toBe(InputFormat.GZIP);
    expect((await parseReport(body, { contentEncoding: 'gzip' })).policies).toHaveLength(1);
  });

  test('several codings are undone last first', () => {
    const body = zlib.brotliCompressSync(zlib.gzipSync(json));
    expect(parseReportBody(body, { contentEncoding: 'gzip, br' }).policies).toHaveLength(1);
  });

  test('without the option, the same body is not-json with its bytes in hex, never binary in the message', () => {
    const e = rejectionOf(() => parseReportBody(zlib.gzipSync(zlib.gzipSync(json))));
    expect(e.reason).toBe(RejectReason.NOT_JSON);
    expect(e.message).toMatch(/^the report is not JSON \(binary data: compressed data\? A gzip body sent with Content-Encoding: gzip is compressed twice\); it starts with the bytes 1f /);
    expect(e.message).toMatch(/^[\x20-\x7e]*$/);
  });

  test.each([
    ['compress', 'the Content-Encoding "compress" has the coding "compress", which the collector does not decode: send the report as is, or with Content-Encoding gzip, deflate or br'],
    ['constructor', 'the Content-Encoding "constructor" has the coding "constructor", which the collector does not decode: send the report as is, or with Content-Encoding gzip, deflate or br'],
    ['gzip, gzip, gzip, gzip, gzip', 'the Content-Encoding "gzip, gzip, gzip, gzip, gzip" lists more than 4 codings, which the collector does not decode: send the report as is, or with Content-Encoding gzip, deflate or br'],
  ])('an unsupported coding (%s) is content-encoding-invalid', (coding, message) => {
    const e = rejectionOf(() => decodeReportBody(json, { contentEncoding: coding }));
    expect([e.reason, e.field, e.message]).toEqual([RejectReason.CONTENT_ENCODING_INVALID, 'content-encoding', message]);
  });

  test.each([
    ['br', /^the body \(\d+ bytes\) does not decode as its Content-Encoding br says: /],
    ['deflate', /^the body \(\d+ bytes\) does not decode as its Content-Encoding deflate says: /],
  ])('a body that does not decode as %s is content-encoding-invalid', (coding, message) => {
    const e = rejectionOf(() => decodeReportBody(Buffer.from('{"not":"compressed"}'), { contentEncoding: coding }));
    expect(e.reason).toBe(RejectReason.CONTENT_ENCODING_INVALID);
    expect(e.message).toMatch(message);
  });

  test('a gzip coding that is not gzip is gzip-invalid, in the content-encoding field', () => {
    const e = rejectionOf(() => decodeReportBody(json, { contentEncoding: 'gzip' }));
    expect([e.reason, e.field]).toEqual([RejectReason.GZIP_INVALID, 'content-encoding']);
  });

  test.each([
    ['gzip', (b: Buffer) => zlib.gzipSync(b, { level: 1 })],
    ['deflate', (b: Buffer) => zlib.deflateSync(b, { level: 1 })],
    ['br', (b: Buffer) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } })],
  ])('a %s bomb stops at maxInflatedBytes', (coding, compress) => {
    const e = rejectionOf(() => decodeReportBody(compress(Buffer.alloc(4 * 1024 * 1024, 0x20)), { contentEncoding: coding, maxInflatedBytes: 1024 * 1024 }));
    expect([e.reason, e.field]).toEqual([RejectReason.INFLATED_TOO_LARGE, 'content-encoding']);
    expect(e.message).toMatch(/more than the limit of 1048576 bytes \(maxInflatedBytes\): refused as a decompression bomb$/);
  });
});

describe('an email with too many MIME parts', () => {
  test('is email-too-complex (its own stable reason), not email-invalid', async () => {
    const parts = Array.from({ length: 5000 }, (_, i) => ({ contentType: 'text/plain', body: Buffer.from(`part ${i}`), base64: false }));
    const e = await rejectionOfAsync(extractReportInput(makeEmail({ parts })));
    expect([e.reason, e.field]).toEqual([RejectReason.EMAIL_TOO_COMPLEX, 'email']);
    expect(e.message).toBe(
      'the email is too complex to read (Max allowed child nodes exceeded): a TLS report email has a text part and one report part (RFC 8460 section 5.3); the raw message was kept',
    );
  });
});

describe('reporter-controlled names in messages are escaped', () => {
  test('a zip entry name with ANSI and bidi characters', () => {
    const zip = makeZip([{ name: '\u001b[2Ja\u202e.json', content: jsonBytes(REPORT) }]);
    const r = decodeReportBody(zip);
    const d = r.deviations.find((f) => f.code === DeviationCode.ZIP_CONTAINER)!;
    expect(d.message).toBe('the report came in a zip archive (entry "\\u001b[2Ja\\u202e.json"); RFC 8460 section 5 allows only JSON or gzip');
  });

  test('an email subject with CR/LF and OSC, in the no-report-part message', async () => {
    const mail = makeEmail({ subject: 'x \u001b]0;pwned\u0007 \u202eevil', parts: [{ contentType: 'text/plain', body: Buffer.from('hi'), base64: false }] });
    const e = await rejectionOfAsync(extractReportInput(mail));
    expect(e.reason).toBe(RejectReason.EMAIL_NO_REPORT_PART);
    expect(e.message).toMatch(/^the email \(subject "x \\u001b\]0;pwned\\u0007 \\u202eevil"\) has no report part/);
  });
});
