import { RejectReason, ReportRejectedError } from '../errors';
import { showValue } from '../untrusted-text';

// The content codings the report core undoes (RFC 9110 section 8.4): a module without
// dependencies, so the HTTPS ingest checks the header with the same rule without bundling the
// report parser.

/** The most content codings one body may list (`Content-Encoding: gzip, br` is two). */
export const MAX_CONTENT_CODINGS = 4;

/** The codings undone; `identity` is dropped before. */
const CONTENT_CODINGS: ReadonlySet<string> = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/** The content codings of a `Content-Encoding` value, lower case, `identity` left out, in the order applied. */
export function contentCodings(contentEncoding: string): string[] {
  const codings = contentEncoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  const bad = codings.find((c) => !CONTENT_CODINGS.has(c));
  if (bad !== undefined || codings.length > MAX_CONTENT_CODINGS) {
    throw new ReportRejectedError(
      RejectReason.CONTENT_ENCODING_INVALID,
      'content-encoding',
      `the Content-Encoding ${showValue(contentEncoding)} ${bad !== undefined ? `has the coding ${showValue(bad)}, which` : `lists more than ${MAX_CONTENT_CODINGS} codings, which`} the collector does not decode: send the report as is, or with Content-Encoding gzip, deflate or br`,
    );
  }
  return codings;
}
