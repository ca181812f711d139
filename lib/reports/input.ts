import * as zlib from 'node:zlib';
import type { Attachment, HeaderValue, ParsedMail } from 'mailparser';
import { Finding, info, warning } from '../policy/findings';
import { DeviationCode } from './deviations';
import { isReportRejectedError, RejectReason, ReportRejectedError } from './errors';
import { contentCodings } from './private/content-coding';
import { readSingleZipFile } from './private/zip';
import { showValue } from './untrusted-text';

/**
 * The container format of an input, decided from its first bytes only: labels (Content-Type,
 * file names) are compared with it and a disagreement is a deviation, never a decision.
 */
export enum InputFormat {
  /** Text that starts (after an optional BOM and white space) like a JSON value. */
  JSON = 'json',
  /** A gzip stream (`1f 8b`). */
  GZIP = 'gzip',
  /** A zip archive (`PK\x03\x04`, or `PK\x05\x06` when empty). */
  ZIP = 'zip',
  /** An RFC 5322 message: the first line is a header field (or an mbox `From ` line). */
  EMAIL = 'email',
  /** None of the above. */
  UNKNOWN = 'unknown',
}

/** Default cap on the raw input: 64 MiB. */
export const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Default cap on the decompressed report: 64 MiB (a real daily report is far below 1 MiB). */
export const DEFAULT_MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** Options of `decodeReportBody` and `extractReportInput`. */
export interface ExtractOptions {
  /**
   * The largest raw input accepted, in bytes; more is refused as `INPUT_TOO_LARGE`.
   * @default DEFAULT_MAX_INPUT_BYTES
   */
  readonly maxInputBytes?: number;
  /**
   * The largest decompressed report accepted, in bytes; more is refused as
   * `INFLATED_TOO_LARGE` before it is all in memory (gzip and zip bombs).
   * @default DEFAULT_MAX_INFLATED_BYTES
   */
  readonly maxInflatedBytes?: number;
  /**
   * The Content-Type the input came with (an HTTPS POST header), compared with the bytes: a
   * disagreement is the deviation `label-mismatch`; the bytes decide.
   * @default - no label
   */
  readonly contentType?: string;
  /**
   * The file name the input came with (an upload or a file on disk), compared with the bytes
   * and, when it follows the RFC 8460 section 5.1 pattern, with the report's domain and start.
   * @default - no file name
   */
  readonly fileName?: string;
  /**
   * The HTTP `Content-Encoding` the body came with (`gzip`, `deflate`, `br`, `identity`, or a
   * list such as `gzip, br` in the order applied), as the HTTPS ingest stored it. The body is
   * decoded before its format is sniffed, each step stopping at `maxInflatedBytes`; another
   * coding, more than 4 codings, or a body that does not decode is refused as
   * `CONTENT_ENCODING_INVALID` (a gzip coding as `GZIP_INVALID` or `GZIP_TRUNCATED`).
   * @default - the body is as received (no content coding)
   * @see https://www.rfc-editor.org/rfc/rfc9110#section-8.4
   */
  readonly contentEncoding?: string;
}


/** What the headers of a report email say. Every field is as the email wrote it, decoded. */
export interface EmailEnvelope {
  /**
   * The Subject, unfolded.
   * @default - no Subject header
   */
  readonly subject?: string;
  /**
   * The `TLS-Report-Domain` header (lower case).
   * @default - header absent
   * @see https://www.rfc-editor.org/rfc/rfc8460#section-5.3
   */
  readonly reportDomain?: string;
  /**
   * The `TLS-Report-Submitter` header (lower case).
   * @default - header absent
   */
  readonly reportSubmitter?: string;
  /**
   * The From address.
   * @default - no From header
   */
  readonly from?: string;
  /**
   * The Message-ID.
   * @default - no Message-ID header
   */
  readonly messageId?: string;
  /**
   * The Date header as an ISO 8601 UTC instant.
   * @default - no Date header
   */
  readonly date?: string;
  /** The media type of the message (for example `multipart/report`). */
  readonly contentType: string;
  /** The media type of the part the report was read from, as its header says. */
  readonly reportPartContentType: string;
  /**
   * The file name of the report part.
   * @default - the part has no file name
   */
  readonly reportPartFileName?: string;
}

/** A report's JSON text, taken out of whatever carried it. */
export interface ExtractedReport {
  /** The outermost format of the input. */
  readonly format: InputFormat;
  /** The format the report itself was in (for an email: the report part's format). */
  readonly payloadFormat: InputFormat;
  /** The report's JSON text. */
  readonly text: string;
  /** The size of the JSON text in bytes (after decompression). */
  readonly inflatedBytes: number;
  /**
   * The report's file name: the zip entry, the email part's name, or `ExtractOptions.fileName`.
   * @default - no name known
   */
  readonly fileName?: string;
  /**
   * The email's headers, when the input was an email.
   * @default - the input was not an email
   */
  readonly email?: EmailEnvelope;
  /** Deviations found in the envelope (label mismatch, zip, email structure). */
  readonly deviations: Finding[];
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const HEADER_LINE = /^(?:[\x21-\x39\x3b-\x7e]+:|From )/;

/**
 * Decides the format of `bytes` from their first bytes, ignoring any label.
 *
 * @param bytes the input
 */
export function sniffFormat(bytes: Uint8Array): InputFormat {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return InputFormat.GZIP;
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6))) {
    return InputFormat.ZIP;
  }
  let i = hasBom(bytes) ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  if (i >= bytes.length) return InputFormat.UNKNOWN;
  const c = bytes[i];
  // { [ " - 0-9 start a JSON value; true/false/null are checked below as text.
  if (c === 0x7b || c === 0x5b || c === 0x22 || c === 0x2d || (c >= 0x30 && c <= 0x39)) return InputFormat.JSON;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset + i, Math.min(bytes.length - i, 1024)).toString('latin1');
  if (/^(?:true|false|null)\s*$/.test(head)) return InputFormat.JSON;
  if (HEADER_LINE.test(head)) return InputFormat.EMAIL;
  return InputFormat.UNKNOWN;
}

function hasBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2];
}

/** The format a Content-Type or file name announces, if it announces one. */
function labelledFormat(contentType: string | undefined, fileName: string | undefined): { format: InputFormat; label: string } | undefined {
  if (contentType) {
    const t = contentType.split(';')[0].trim().toLowerCase();
    if (/(^|[/+])(x-)?gzip$/.test(t)) return { format: InputFormat.GZIP, label: `Content-Type ${t}` };
    if (/(^|[/+])json$/.test(t)) return { format: InputFormat.JSON, label: `Content-Type ${t}` };
    if (/(^|[/+])(x-)?zip(-compressed)?$/.test(t)) return { format: InputFormat.ZIP, label: `Content-Type ${t}` };
    if (t === 'message/rfc822') return { format: InputFormat.EMAIL, label: `Content-Type ${t}` };
  }
  if (fileName) {
    const n = fileName.toLowerCase();
    if (n.endsWith('.gz')) return { format: InputFormat.GZIP, label: `file name ${showValue(fileName)}` };
    if (n.endsWith('.json')) return { format: InputFormat.JSON, label: `file name ${showValue(fileName)}` };
    if (n.endsWith('.zip')) return { format: InputFormat.ZIP, label: `file name ${showValue(fileName)}` };
    if (n.endsWith('.eml')) return { format: InputFormat.EMAIL, label: `file name ${showValue(fileName)}` };
  }
  return undefined;
}

function firstBytes(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 8));
  const hex = [...head].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = head.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return `${hex} (${JSON.stringify(text)})`;
}

function limits(options: ExtractOptions): { maxInput: number; maxInflated: number } {
  return {
    maxInput: options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES,
    maxInflated: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES,
  };
}

function checkInputSize(bytes: Uint8Array, maxInput: number): void {
  if (bytes.length === 0) {
    throw new ReportRejectedError(RejectReason.EMPTY_INPUT, 'input', 'the input is empty (0 bytes); a TLS report is a JSON object, optionally gzip-compressed');
  }
  if (bytes.length > maxInput) {
    throw new ReportRejectedError(
      RejectReason.INPUT_TOO_LARGE,
      'input',
      `the input has ${bytes.length} bytes, more than the limit of ${maxInput} bytes (maxInputBytes); a daily TLS report is far smaller`,
    );
  }
}

/**
 * The output chunk size for inflating `buf`: the size its gzip trailer announces (ISIZE) plus
 * one byte, within 1 KiB and 1 MiB. Only a hint: a wrong ISIZE costs more chunks, never a wrong
 * result, and `maxOutputLength` still caps the output. A small report then inflates into one
 * pooled buffer instead of a fresh 16 KiB one (zlib's default), which is most of the garbage a
 * small report makes.
 */
function inflateChunkSize(buf: Buffer): number {
  const isize = buf.length >= 18 ? buf.readUInt32LE(buf.length - 4) : 0;
  return Math.min(Math.max(isize + 1, 1024), 1024 * 1024);
}

function gunzip(buf: Buffer, maxInflated: number, field: string): Buffer {
  try {
    return zlib.gunzipSync(buf, { maxOutputLength: maxInflated, chunkSize: inflateChunkSize(buf) });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ReportRejectedError(
        RejectReason.INFLATED_TOO_LARGE,
        field,
        `the gzip data inflates to more than the limit of ${maxInflated} bytes (maxInflatedBytes): refused as a decompression bomb`,
      );
    }
    if (e.code === 'Z_BUF_ERROR') {
      throw new ReportRejectedError(
        RejectReason.GZIP_TRUNCATED,
        field,
        `the gzip data (${buf.length} bytes) ends before its end marker (${e.message}): the report was truncated in transit; ask for it again`,
      );
    }
    throw new ReportRejectedError(RejectReason.GZIP_INVALID, field, `the gzip data (${buf.length} bytes) is corrupt: ${e.message ?? String(err)}`);
  }
}


/** One content coding undone, stopping at `maxInflated` bytes. */
function undoCoding(buf: Buffer, coding: string, maxInflated: number): Buffer {
  if (coding === 'gzip' || coding === 'x-gzip') return gunzip(buf, maxInflated, 'content-encoding');
  const opts = { maxOutputLength: maxInflated };
  try {
    if (coding === 'br') return zlib.brotliDecompressSync(buf, opts);
    try {
      return zlib.inflateSync(buf, opts);
    } catch (err) {
      // RFC 9110 says deflate is the zlib format; some senders send raw deflate.
      if ((err as { code?: string }).code !== 'Z_DATA_ERROR') throw err;
      return zlib.inflateRawSync(buf, opts);
    }
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ReportRejectedError(
        RejectReason.INFLATED_TOO_LARGE,
        'content-encoding',
        `the body (Content-Encoding ${coding}) decodes to more than the limit of ${maxInflated} bytes (maxInflatedBytes): refused as a decompression bomb`,
      );
    }
    throw new ReportRejectedError(
      RejectReason.CONTENT_ENCODING_INVALID,
      'content-encoding',
      `the body (${buf.length} bytes) does not decode as its Content-Encoding ${coding} says: ${showValue(String(e.message ?? err)).slice(1, -1)}`,
    );
  }
}

/** The body with its content codings undone (last applied, first undone), and the options without them. */
function contentDecoded(bytes: Uint8Array, options: ExtractOptions, maxInflated: number): { bytes: Uint8Array; options: ExtractOptions } {
  if (options.contentEncoding === undefined) return { bytes, options };
  const codings = contentCodings(options.contentEncoding);
  let buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = codings.length - 1; i >= 0; i--) buf = undoCoding(buf, codings[i], maxInflated);
  if (buf.length === 0) checkInputSize(buf, Infinity);
  // The decoded body is bounded by maxInflatedBytes, not by the cap on what was received.
  return { bytes: buf, options: { ...options, contentEncoding: undefined, maxInputBytes: Math.max(options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES, maxInflated) } };
}

/**
 * Takes the report JSON out of a JSON, gzip or zip body, synchronously: what an HTTPS POST
 * (`application/tlsrpt+gzip` or `+json`) or an email attachment carries.
 *
 * The format is sniffed from the bytes; `contentType` and `fileName` only add a
 * `label-mismatch` deviation when they disagree. Decompression stops at `maxInflatedBytes`.
 * An email is refused with `EMAIL_NEEDS_ASYNC` (MIME parsing is asynchronous: use
 * `extractReportInput`).
 *
 * @param bytes the body
 * @param options caps and labels
 * @throws ReportRejectedError when the bytes cannot hold a report
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-5.4
 */
export function decodeReportBody(input: Uint8Array, givenOptions: ExtractOptions = {}): ExtractedReport {
  const { maxInput, maxInflated } = limits(givenOptions);
  checkInputSize(input, maxInput);
  let bytes = input;
  let options = givenOptions;
  if (givenOptions.contentEncoding !== undefined) ({ bytes, options } = contentDecoded(input, givenOptions, maxInflated));
  const format = sniffFormat(bytes);
  const deviations: Finding[] = [];
  const label = labelledFormat(options.contentType, options.fileName);
  if (format === InputFormat.UNKNOWN) {
    throw new ReportRejectedError(
      RejectReason.UNRECOGNISED_FORMAT,
      'input',
      `the input is none of JSON, gzip, zip or email: it starts with ${firstBytes(bytes)}` +
        (label ? `; it was labelled as ${label.format} by its ${label.label}, but the bytes decide` : '') +
        '; a TLS report is a JSON object, optionally gzip-compressed',
    );
  }
  if (label && label.format !== format) {
    deviations.push(
      warning(DeviationCode.LABEL_MISMATCH, 'input', `the ${label.label} says ${label.format}, but the bytes are ${format}; the bytes were read as ${format}`),
    );
  }
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let json: Buffer;
  let fileName = options.fileName;
  switch (format) {
    case InputFormat.JSON:
      json = buf;
      break;
    case InputFormat.GZIP:
      json = gunzip(buf, maxInflated, 'gzip');
      break;
    case InputFormat.ZIP: {
      const file = readSingleZipFile(buf, maxInflated);
      deviations.push(warning(DeviationCode.ZIP_CONTAINER, 'input', `the report came in a zip archive (entry ${showValue(file.name)}); RFC 8460 section 5 allows only JSON or gzip`));
      fileName = file.name;
      json = sniffFormat(file.content) === InputFormat.GZIP ? gunzip(file.content, maxInflated, 'zip') : file.content;
      break;
    }
    default:
      throw new ReportRejectedError(
        RejectReason.EMAIL_NEEDS_ASYNC,
        'input',
        'the input is an email; decodeReportBody reads JSON, gzip and zip bodies only: call extractReportInput (asynchronous) for emails',
      );
  }
  if (json.length > maxInflated) {
    throw new ReportRejectedError(RejectReason.INFLATED_TOO_LARGE, 'input', `the report has ${json.length} bytes, more than the limit of ${maxInflated} bytes (maxInflatedBytes)`);
  }
  let start = 0;
  if (hasBom(json)) {
    start = 3;
    deviations.push(info(DeviationCode.JSON_BOM, 'input', 'the JSON starts with a UTF-8 byte order mark, which I-JSON (RFC 7493) forbids; it was skipped'));
  }
  return {
    format,
    payloadFormat: format,
    text: json.toString('utf8', start),
    inflatedBytes: json.length - start,
    fileName,
    deviations,
  };
}

/**
 * Takes the report JSON out of any input: JSON, gzip, zip, or a whole email (RFC 5322 / MIME).
 *
 * For an email, the report part is chosen by type, then by content: parts typed
 * `application/tlsrpt+gzip`, `application/tlsrpt+json` or `application/tlsrpt` first, then
 * `application/gzip`, `application/json`, `application/zip`, `application/octet-stream`, then any
 * other attachment named `*.json`, `*.gz` or `*.zip`; the first whose bytes decode to a JSON
 * object wins. Nested messages (`message/rfc822`, forwarded reports) are searched too. The
 * `TLS-Report-Domain` and `TLS-Report-Submitter` headers and the Subject are returned in
 * `email`; missing ones are deviations.
 *
 * @param bytes the input
 * @param options caps and labels
 * @throws ReportRejectedError when the input holds no report
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-5.3
 */
export async function extractReportInput(input: Uint8Array, givenOptions: ExtractOptions = {}): Promise<ExtractedReport> {
  const { maxInput, maxInflated } = limits(givenOptions);
  checkInputSize(input, maxInput);
  const { bytes, options } = contentDecoded(input, givenOptions, maxInflated);
  if (sniffFormat(bytes) !== InputFormat.EMAIL) return decodeReportBody(bytes, options);
  const result = await extractFromEmail(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), options);
  const label = labelledFormat(options.contentType, options.fileName);
  if (label && label.format !== InputFormat.EMAIL) {
    const mismatch = warning(DeviationCode.LABEL_MISMATCH, 'input', `the ${label.label} says ${label.format}, but the bytes are an email; the bytes were read as an email`);
    return { ...result, deviations: [mismatch, ...result.deviations] };
  }
  return result;
}

const PART_RANK: ReadonlyArray<RegExp> = [
  /^application\/tlsrpt(\+gzip|\+json)?$/,
  /^application\/((x-)?gzip|json|(x-)?zip(-compressed)?|octet-stream)$|^text\/json$/,
];

function partRank(contentType: string, fileName: string | undefined): number {
  const i = PART_RANK.findIndex((r) => r.test(contentType));
  if (i >= 0) return i;
  if (fileName && /\.(json|gz|zip)$/i.test(fileName)) return PART_RANK.length;
  return -1;
}

function headerText(mail: ParsedMail, name: string): string | undefined {
  const v: HeaderValue | undefined = mail.headers.get(name);
  const s = Array.isArray(v) ? v[0] : v;
  if (typeof s !== 'string') return undefined;
  const t = s.trim();
  return t === '' ? undefined : t;
}

function mediaType(v: HeaderValue | undefined): { value: string; params: Record<string, string> } {
  if (v && typeof v === 'object' && 'value' in v && typeof v.value === 'string') {
    return { value: v.value.toLowerCase(), params: (v as { params?: Record<string, string> }).params ?? {} };
  }
  if (typeof v === 'string') return { value: v.split(';')[0].trim().toLowerCase(), params: {} };
  return { value: 'text/plain', params: {} };
}

/**
 * The rejection of an email the MIME parser refused. Its size limits (`EMAXLEN`: more than
 * 1000 MIME parts, or a header over its cap) are `EMAIL_TOO_COMPLEX`: a report email has two or
 * three parts, and such a message is not a broken one. Anything else is `EMAIL_INVALID`.
 */
function emailParseError(err: unknown): ReportRejectedError {
  const e = err as { code?: string; message?: string };
  const said = showValue(String(e.message ?? err)).slice(1, -1);
  if (e.code === 'EMAXLEN') {
    return new ReportRejectedError(
      RejectReason.EMAIL_TOO_COMPLEX,
      'email',
      `the email is too complex to read (${said}): a TLS report email has a text part and one report part (RFC 8460 section 5.3); the raw message was kept`,
    );
  }
  return new ReportRejectedError(RejectReason.EMAIL_INVALID, 'email', `the email cannot be parsed as MIME: ${said}`);
}

/** How deep forwarded messages (`message/rfc822` parts) are searched. */
const MAX_EMAIL_NESTING = 3;

async function extractFromEmail(buf: Buffer, options: ExtractOptions, depth = 0): Promise<ExtractedReport> {
  let mail: ParsedMail;
  try {
    // Loaded on first use: importing the library (for example to synthesize the constructs) does
    // not pay for the MIME parser.
    const { simpleParser } = await import('mailparser');
    mail = await simpleParser(buf, {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      skipTextLinks: true,
      checksumAlgo: false,
    });
  } catch (err) {
    throw emailParseError(err);
  }
  const deviations: Finding[] = [];
  const root = mediaType(mail.headers.get('content-type'));
  if (root.value !== 'multipart/report' || (root.params['report-type'] ?? '').toLowerCase() !== 'tlsrpt') {
    deviations.push(
      info(
        DeviationCode.EMAIL_NOT_MULTIPART_REPORT,
        'email',
        `the email is ${root.value}${root.params['report-type'] ? `; report-type=${root.params['report-type']}` : ''}, not multipart/report; report-type="tlsrpt" (RFC 8460 section 5.3)`,
      ),
    );
  }
  const reportDomain = headerText(mail, 'tls-report-domain')?.toLowerCase();
  const reportSubmitter = headerText(mail, 'tls-report-submitter')?.toLowerCase();
  const missing = [reportDomain === undefined ? 'TLS-Report-Domain' : '', reportSubmitter === undefined ? 'TLS-Report-Submitter' : ''].filter((h) => h !== '');
  if (missing.length > 0) {
    deviations.push(warning(DeviationCode.EMAIL_HEADER_MISSING, 'email', `the email has no ${missing.join(' and no ')} header, which RFC 8460 section 5.3 requires`));
  }

  const candidates = mail.attachments
    .map((a: Attachment, index: number) => {
      const declared = mediaType(a.headers.get('content-type')).value;
      return { a, declared, rank: partRank(declared, a.filename), index };
    })
    .filter((c) => c.rank >= 0)
    .sort((x, y) => x.rank - y.rank || x.index - y.index);

  let found: { extracted: ExtractedReport; declared: string; fileName?: string } | undefined;
  // A part that decodes but does not hold a JSON object: used when nothing better turns up, so the
  // normaliser names the problem (not JSON, not an object) instead of "no report part".
  let notAnObject: typeof found;
  let firstError: ReportRejectedError | undefined;
  let others = 0;
  for (const c of candidates) {
    if (found) {
      const f = sniffFormat(c.a.content);
      if (f === InputFormat.JSON || f === InputFormat.GZIP || f === InputFormat.ZIP) others++;
      continue;
    }
    try {
      const extracted = decodeReportBody(c.a.content, { ...options, contentType: c.declared, fileName: c.a.filename });
      if (/^\s*\{/.test(extracted.text.slice(0, 256))) {
        found = { extracted, declared: c.declared, fileName: c.a.filename };
      } else {
        notAnObject ??= { extracted, declared: c.declared, fileName: c.a.filename };
      }
    } catch (err) {
      if (!isReportRejectedError(err)) throw err;
      firstError ??= err;
    }
  }
  if (!found && depth < MAX_EMAIL_NESTING) {
    for (const a of mail.attachments) {
      if (mediaType(a.headers.get('content-type')).value !== 'message/rfc822') continue;
      try {
        const inner = await extractFromEmail(a.content, options, depth + 1);
        const forwarded = info(
          DeviationCode.EMAIL_FORWARDED,
          'email',
          `the report came inside a forwarded message (message/rfc822 in ${root.value}); the inner message's headers were used`,
        );
        return { ...inner, deviations: [forwarded, ...inner.deviations] };
      } catch (err) {
        if (!isReportRejectedError(err)) throw err;
        if (err.reason !== RejectReason.EMAIL_NO_REPORT_PART) firstError ??= err;
      }
    }
  }
  found ??= notAnObject;
  if (!found) {
    if (firstError) {
      throw new ReportRejectedError(firstError.reason, `email ${firstError.field}`, `the email's report part cannot be read: ${firstError.message}`);
    }
    const attachments = mail.attachments.map((a) => mediaType(a.headers.get('content-type')).value + (a.filename ? ` ${showValue(a.filename)}` : ''));
    throw new ReportRejectedError(
      RejectReason.EMAIL_NO_REPORT_PART,
      'email',
      `the email (subject ${showValue(mail.subject ?? '')}) has no report part: it is ${root.value} with ${attachments.length === 0 ? 'no attachment' : `the attachment(s) ${attachments.join(', ')}`}; ` +
        'a TLS report email carries an application/tlsrpt+gzip or application/tlsrpt+json part (RFC 8460 section 5.3)',
    );
  }
  if (!/^application\/tlsrpt\+(gzip|json)$/.test(found.declared)) {
    deviations.push(
      info(DeviationCode.EMAIL_PART_TYPE, 'email', `the report part is typed ${found.declared}, not application/tlsrpt+gzip or application/tlsrpt+json (RFC 8460 section 5.3)`),
    );
  }
  if (others > 0) {
    deviations.push(
      warning(DeviationCode.EMAIL_SEVERAL_REPORT_PARTS, 'email', `the email has ${others + 1} parts that could hold a report; the first (${found.declared}) was read`),
    );
  }
  const fromAddress = mail.from?.value?.[0]?.address;
  const envelope: EmailEnvelope = {
    subject: mail.subject,
    reportDomain,
    reportSubmitter,
    from: fromAddress,
    messageId: mail.messageId,
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : undefined,
    contentType: root.value,
    reportPartContentType: found.declared,
    reportPartFileName: found.fileName,
  };
  return {
    format: InputFormat.EMAIL,
    payloadFormat: found.extracted.payloadFormat,
    text: found.extracted.text,
    inflatedBytes: found.extracted.inflatedBytes,
    fileName: found.extracted.fileName,
    email: envelope,
    deviations: [...deviations, ...found.extracted.deviations],
  };
}
