import { decodeReportBody, extractReportInput, ExtractedReport, ExtractOptions } from './input';
import { normalizeReport, NormalizeOptions, TlsRptReport } from './report';

/** Options of `parseReport` and `parseReportBody`: the caps and labels of extraction, and the normaliser's context. */
export interface ParseReportOptions extends ExtractOptions {
  /**
   * The policy domain for entries that have none.
   * @default - the email's `TLS-Report-Domain` header, else none
   */
  readonly fallbackPolicyDomain?: string;
  /**
   * When the report was received; recorded and used to flag late reports.
   * @default - not recorded
   */
  readonly receivedAt?: Date;
}

/** The normaliser's options, built as one fixed-shape literal (object spread is slow on the hot path). */
function normalizeOptions(options: ParseReportOptions, extracted: ExtractedReport): NormalizeOptions {
  return { fallbackPolicyDomain: options.fallbackPolicyDomain, receivedAt: options.receivedAt, extracted };
}

/**
 * Reads any input (JSON, gzip, zip or a whole email) into a normalised `TlsRptReport`: the one
 * call the email collector and the CLI make.
 *
 * @param bytes the input as received
 * @param options caps, labels and context
 * @throws ReportRejectedError when the input is not a report (see `RejectReason`)
 * @see https://www.rfc-editor.org/rfc/rfc8460
 */
export async function parseReport(bytes: Uint8Array, options: ParseReportOptions = {}): Promise<TlsRptReport> {
  const extracted = await extractReportInput(bytes, options);
  return normalizeReport(extracted.text, normalizeOptions(options, extracted));
}

/**
 * Reads a JSON, gzip or zip body into a normalised `TlsRptReport`, synchronously: the call an
 * HTTPS receiver makes for an `application/tlsrpt+gzip` or `+json` POST body. Emails are refused
 * with `EMAIL_NEEDS_ASYNC` (use `parseReport`).
 *
 * @param bytes the body
 * @param options caps, labels and context
 * @throws ReportRejectedError when the body is not a report
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-5.4
 */
export function parseReportBody(bytes: Uint8Array, options: ParseReportOptions = {}): TlsRptReport {
  const extracted = decodeReportBody(bytes, options);
  return normalizeReport(extracted.text, normalizeOptions(options, extracted));
}
