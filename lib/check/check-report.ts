import { Finding, Severity } from '../policy/findings';
import { MtaStsMode } from '../policy/mode';
import { safeJson } from '../reports/untrusted-text';

/** The sections of a check report, in the order they are shown. */
export enum CheckSectionId {
  /** The `_mta-sts` record and the domain's MX records. */
  DNS = 'dns',
  /** The policy fetched over HTTPS, the policy host's certificate, and the body. */
  POLICY = 'policy',
  /** Each MX host: covered by the policy, STARTTLS, certificate. */
  MX = 'mx',
  /** The `_smtp._tls` record. */
  TLS_RPT = 'tls-rpt',
}

/** The title of each section, for the text renderer. */
export const CHECK_SECTION_TITLES: Readonly<Record<CheckSectionId, string>> = {
  [CheckSectionId.DNS]: 'DNS',
  [CheckSectionId.POLICY]: 'Policy',
  [CheckSectionId.MX]: 'MX hosts',
  [CheckSectionId.TLS_RPT]: 'TLS-RPT',
};

/** One group of results: what is fine, and what is not. */
export interface CheckSection {
  /** Which section. */
  readonly id: CheckSectionId;
  /** Human-readable statements of what was checked and found fine. */
  readonly ok: string[];
  /** Errors, warnings and notes, each with a stable code. */
  readonly findings: Finding[];
}

/** What a TLS connection negotiated and which certificate it saw. */
export interface TlsDetails {
  /** The negotiated protocol, for example `TLSv1.3`. */
  readonly protocol: string;
  /** The negotiated cipher. */
  readonly cipher: string;
  /** The certificate's subject CN, if any. */
  readonly subject?: string;
  /** The issuer's CN (or O). */
  readonly issuer?: string;
  /** The subjectAltName DNS-IDs. */
  readonly dnsNames: string[];
  /** Not before, ISO 8601. */
  readonly validFrom?: string;
  /** Not after, ISO 8601. */
  readonly validTo?: string;
  /** Whole days until `validTo` (negative once expired). */
  readonly daysLeft?: number;
  /** Whether the chain verified against the trusted roots (dates included). */
  readonly chainVerified: boolean;
  /** OpenSSL's verification error code, when it failed (for example `CERT_HAS_EXPIRED`). */
  readonly verifyError?: string;
  /** Whether a SAN DNS-ID matches the expected host. */
  readonly nameMatches: boolean;
}

/** What the policy fetch saw. */
export interface PolicyFetch {
  /** The URL senders fetch. */
  readonly url: string;
  /** The address connected to, if any. */
  readonly address?: string;
  /** The HTTP status, if a response came. */
  readonly status?: number;
  /** The Location header of a redirect. */
  readonly location?: string;
  /** The Content-Type header, if any. */
  readonly contentType?: string;
  /** Bytes of body read. */
  readonly bytes?: number;
  /** Time from connect to the end of the body (or the failure), in milliseconds. */
  readonly elapsedMs: number;
  /** The TLS connection. */
  readonly tls?: TlsDetails;
  /** The body as decoded (only when read completely). */
  readonly text?: string;
}

/** The policy as the checker read it. */
export interface PolicySummary {
  /** The mode, when valid. */
  readonly mode?: MtaStsMode;
  /** The `mx` values as written. */
  readonly mx: string[];
  /** `max_age`, when valid. */
  readonly maxAgeSeconds?: number;
}

/** How far an SMTP probe got. */
export enum SmtpStage {
  /** Looking up the host's addresses. */
  RESOLVE = 'resolve',
  /** Opening the TCP connection. */
  CONNECT = 'connect',
  /** Waiting for the 220 greeting. */
  BANNER = 'banner',
  /** Waiting for the EHLO reply. */
  EHLO = 'ehlo',
  /** Waiting for the reply to STARTTLS. */
  STARTTLS = 'starttls',
  /** In the TLS handshake. */
  TLS_HANDSHAKE = 'tls-handshake',
  /** Finished: TLS was established and checked. */
  DONE = 'done',
}

/** What one MX host probe saw. */
export interface MxProbe {
  /** The MX host name (lower case, no trailing dot). */
  readonly host: string;
  /** The MX preference, when known. */
  readonly priority?: number;
  /** Whether a pattern of the policy covers the host (undefined when there is no policy). */
  readonly covered?: boolean;
  /** The host's addresses. */
  readonly addresses: string[];
  /** The address and port connected to. */
  readonly connectedTo?: string;
  /** The 220 greeting, first line. */
  readonly banner?: string;
  /** Whether EHLO offered STARTTLS (undefined when EHLO was not reached). */
  readonly starttls?: boolean;
  /** The TLS connection, when STARTTLS succeeded. */
  readonly tls?: TlsDetails;
  /** The last stage reached. */
  readonly stage: SmtpStage;
  /** Time the probe took, in milliseconds. */
  readonly elapsedMs: number;
}

/** The result of `checkDomain`: everything a sending MTA would see for the domain. */
export interface CheckReport {
  /** The domain checked (lower-case A-labels). */
  readonly domain: string;
  /** When the check started, ISO 8601. */
  readonly checkedAt: string;
  /** How long the check took, in milliseconds. */
  readonly durationMs: number;
  /**
   * The resolver every lookup went through (`--dns-server`, or the system's with its servers).
   * @default - not recorded
   */
  readonly resolver?: string;
  /** The `_mta-sts` record selected, if exactly one. */
  readonly mtaStsRecord?: string;
  /** Its policy id, when valid. */
  readonly policyId?: string;
  /** The `_smtp._tls` record selected, if exactly one. */
  readonly tlsRptRecord?: string;
  /** Its rua URIs. */
  readonly rua: string[];
  /** The domain's MX host names, by preference. */
  readonly mxHosts: string[];
  /** The policy fetch, when it was attempted. */
  readonly fetch?: PolicyFetch;
  /** The policy as parsed, when a body was read. */
  readonly policy?: PolicySummary;
  /** One probe per MX host. */
  readonly mx: MxProbe[];
  /** The sections, in the order `CheckSectionId` lists them. */
  readonly sections: CheckSection[];
}

/** Every finding of the report, section by section. */
export function reportFindings(report: CheckReport): Finding[] {
  return report.sections.flatMap((s) => s.findings);
}

/** How many findings of `severity` the report holds. */
export function countFindings(report: CheckReport, severity: Severity): number {
  return reportFindings(report).filter((f) => f.severity === severity).length;
}

/** The exit codes of `mta-sts check`. */
export enum CheckExitCode {
  /** No error (and, with `--strict`, no warning). */
  OK = 0,
  /** Warnings only, with `--strict`. */
  WARNINGS = 1,
  /** At least one error. */
  ERRORS = 2,
  /** DNS cannot resolve at all here (no working resolver): the domain was not checked. */
  DNS_UNUSABLE = 3,
}

/** The finding code that says DNS cannot resolve at all, so nothing was checked. */
export const DNS_UNUSABLE_CODE = 'dns-unusable';

/** The exit code for `report`: 3 when DNS cannot resolve at all, 2 on any error, 1 on warnings when `strict`, else 0. */
export function checkExitCode(report: CheckReport, strict: boolean): CheckExitCode {
  if (reportFindings(report).some((f) => f.code === DNS_UNUSABLE_CODE)) return CheckExitCode.DNS_UNUSABLE;
  if (countFindings(report, Severity.ERROR) > 0) return CheckExitCode.ERRORS;
  if (strict && countFindings(report, Severity.WARNING) > 0) return CheckExitCode.WARNINGS;
  return CheckExitCode.OK;
}

const LABELS: Readonly<Record<Severity, string>> = {
  [Severity.ERROR]: 'error',
  [Severity.WARNING]: 'warn ',
  [Severity.INFO]: 'info ',
};

/**
 * Renders the report as text: one block per section, `ok` lines first, then the findings
 * (errors, then warnings, then notes), each with its code; a summary line at the end.
 */
export function renderCheckText(report: CheckReport): string {
  const order = [Severity.ERROR, Severity.WARNING, Severity.INFO];
  const resolver = report.resolver === undefined ? '' : `, resolver ${report.resolver}`;
  const lines: string[] = [`MTA-STS check of ${report.domain} (${report.checkedAt}, ${(report.durationMs / 1000).toFixed(1)} s${resolver})`];
  for (const section of report.sections) {
    lines.push('', CHECK_SECTION_TITLES[section.id]);
    for (const ok of section.ok) lines.push(`  ok    ${ok}`);
    const sorted = [...section.findings].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
    for (const f of sorted) lines.push(`  ${LABELS[f.severity]} ${f.message} [${f.code}]`);
  }
  const errors = countFindings(report, Severity.ERROR);
  const warnings = countFindings(report, Severity.WARNING);
  const unusable = reportFindings(report).some((f) => f.code === DNS_UNUSABLE_CODE);
  const verdict = unusable ? 'DNS does not work here, so the domain was not checked' : errors > 0 ? 'senders will not apply this policy as intended' : warnings > 0 ? 'valid, with risks named above' : 'all good';
  lines.push('', `${errors} error(s), ${warnings} warning(s): ${verdict}`);
  return lines.join('\n') + '\n';
}

/** Renders the report as JSON (two-space indented, one trailing newline). */
export function renderCheckJson(report: CheckReport): string {
  return safeJson(report, 2) + '\n';
}
