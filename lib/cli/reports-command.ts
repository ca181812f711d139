import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { loadConfigFile } from '../config/load-config';
import { resolveStage } from '../config/stage-config';
import { MtaStsValidationError } from '../policy/findings';
import { modeFromString, MtaStsMode } from '../policy/mode';
import { DailyRollup, looksLikeRollup, ReportAggregator, rollupFromJson, RollupFormatError } from '../reports/aggregate';
import { authenticateReportEmail, fileUnauthenticated, ReportAuthentication } from '../reports/authentication';
import { parseDnsServer } from '../check/check-options';
import { txtResolver } from '../net/txt-resolver';
import { safeJson, safeText, terminalSafe } from '../reports/untrusted-text';
import { isReportRejectedError } from '../reports/errors';
import { extractReportInput, InputFormat } from '../reports/input';
import { assessReadiness, READINESS_DEFAULTS, ReadinessVerdict, readinessWindow, UnverifiedFailures } from '../reports/readiness';
import { normalizeReport, normalizeReportValue } from '../reports/report';
import { addCommand, CliContext, CliError } from './program';
import { canonicalHost } from '../policy/domain-name';

/** Progress is printed every this many files or objects (with `--progress`, or when stderr is a terminal). */
export const PROGRESS_EVERY = 500;

/** An input file that is not a report. */
export interface RejectedInput {
  /** The file. */
  readonly path: string;
  /** The stable reason code (`RejectReason`, or `rollup-invalid` for a broken rollup file, `read-error`, `internal-error`). */
  readonly reason: string;
  /** The message. */
  readonly message: string;
}

/** What reading files and directories gave. */
export interface LoadedInputs {
  /** The merged rollups of every report and rollup file, one per domain and day. */
  readonly rollups: DailyRollup[];
  /** Files read. */
  readonly files: number;
  /** Reports parsed (raw report files). */
  readonly reports: number;
  /** Rollup files read. */
  readonly rollupFiles: number;
  /** Reports seen more than once (same idempotency key). */
  readonly duplicates: number;
  /** Files that are not reports. */
  readonly rejected: RejectedInput[];
  /** Report files by authentication status (emails by their DKIM result; bare files are `file-unauthenticated`). */
  readonly authentication: { [status: string]: number };
}

/** Options of `loadReportFiles`. */
export interface LoadOptions {
  /**
   * Where progress lines go (stderr), one every `PROGRESS_EVERY` files.
   * @default - no progress
   */
  readonly progress?: (line: string) => void;
  /**
   * The decompression cap.
   * @default DEFAULT_MAX_INFLATED_BYTES
   */
  readonly maxInflatedBytes?: number;
  /**
   * DKIM-verifies an email file (its signed Date: is the time of receipt).
   * @default - the system resolver (`emailAuthenticator()`)
   */
  readonly authenticate?: (message: Uint8Array, dateHeader: string | undefined) => Promise<ReportAuthentication>;
}

/**
 * How the CLI verifies `.eml` files: DKIM with key lookups through `dnsServer` (or the system
 * resolver), `x=` checked against the message's signed Date.
 *
 * @param dnsServer `host[:port]` of the DNS server for key lookups
 */
export function emailAuthenticator(dnsServer?: string): (message: Uint8Array, dateHeader: string | undefined) => Promise<ReportAuthentication> {
  let server;
  try {
    server = dnsServer === undefined ? undefined : parseDnsServer(dnsServer);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const resolveTxt = txtResolver(server);
  return (message, dateHeader) => authenticateReportEmail(message, { resolveTxt, dateHeader });
}

/**
 * A rollup file read from disk carries whatever its writer recorded: its contributions are read
 * as `file-unauthenticated` (the recorded result is kept in the detail). Only rollups read from
 * the report store (`--bucket`), which the processor alone can write, keep their authentication.
 */
function asFile(rollup: DailyRollup): DailyRollup {
  const contributions = rollup.contributions.map((c) => ({
    ...c,
    authentication: fileUnauthenticated(`a rollup file (recorded: ${c.authentication.status}${c.authentication.reporterDomain ? ` by ${c.authentication.reporterDomain}` : ''})`),
  }));
  return { ...rollup, contributions };
}

async function listFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, top: boolean): Promise<void> => {
    let st;
    try {
      st = await fs.stat(p);
    } catch (e) {
      if (top) throw new CliError(`${JSON.stringify(p)} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give report files or directories`);
      return;
    }
    if (st.isDirectory()) {
      const names = (await fs.readdir(p)).filter((n) => !n.startsWith('.')).sort();
      for (const n of names) await walk(path.join(p, n), false);
    } else if (st.isFile()) {
      out.push(p);
    }
  };
  for (const p of paths) await walk(p, true);
  return out;
}

/**
 * Reads report files and directories (recursively; dot files skipped) into rollups: each file may
 * be a raw report (JSON, gzip, zip, email: sniffed) or a stored rollup JSON (as synced from the
 * report store), aggregated as they are read (the reports themselves are not kept). Files that are
 * not reports are listed in `rejected`, not thrown.
 *
 * @param paths files and directories
 * @param options progress and caps
 */
export async function loadReportFiles(paths: readonly string[], options: LoadOptions = {}): Promise<LoadedInputs> {
  const files = await listFiles(paths);
  const aggregator = new ReportAggregator();
  const rejected: RejectedInput[] = [];
  const keys = new Set<string>();
  const authentication: { [status: string]: number } = {};
  const authenticate = options.authenticate ?? emailAuthenticator();
  let reports = 0;
  let rollupFiles = 0;
  let duplicates = 0;
  let n = 0;
  for (const file of files) {
    n++;
    if (options.progress && n % PROGRESS_EVERY === 0) options.progress(`… ${n} of ${files.length} files read`);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (e) {
      rejected.push({ path: file, reason: 'read-error', message: (e as Error).message });
      continue;
    }
    try {
      const extracted = await extractReportInput(bytes, { fileName: path.basename(file), maxInflatedBytes: options.maxInflatedBytes });
      let value: unknown;
      try {
        value = JSON.parse(extracted.text);
      } catch {
        normalizeReport(extracted.text, { extracted }); // throws the NOT_JSON rejection with its message
      }
      if (looksLikeRollup(value)) {
        try {
          aggregator.addRollup(asFile(rollupFromJson(value)));
          rollupFiles++;
        } catch (e) {
          if (!(e instanceof RollupFormatError)) throw e;
          rejected.push({ path: file, reason: 'rollup-invalid', message: `a rollup file, but ${e.message}` });
        }
        continue;
      }
      const report = normalizeReportValue(value, { extracted }, extracted.text);
      const auth = extracted.format === InputFormat.EMAIL ? await authenticate(bytes, extracted.email?.date) : fileUnauthenticated();
      authentication[auth.status] = (authentication[auth.status] ?? 0) + 1;
      reports++;
      if (keys.has(report.idempotencyKey)) duplicates++;
      keys.add(report.idempotencyKey);
      aggregator.add(report, auth);
    } catch (e) {
      // One bad file never hides the others: anything it throws is listed with its reason.
      if (isReportRejectedError(e)) rejected.push({ path: file, reason: e.reason, message: e.message });
      else rejected.push({ path: file, reason: 'internal-error', message: `${(e as Error).name ?? 'Error'}: ${(e as Error).message ?? String(e)}` });
    }
  }
  if (options.progress && files.length >= PROGRESS_EVERY) options.progress(`${files.length} files read`);
  return { rollups: aggregator.rollups(), files: files.length, reports, rollupFiles, duplicates, rejected, authentication };
}

function table(rows: readonly (readonly string[])[], rightAligned: readonly boolean[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : rightAligned[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

function failureText(r: DailyRollup): string {
  const parts = r.totals.byMxHost.flatMap((h) => h.byResultType.map((t) => `${safeText(t.resultTypeRaw || '(none)', { maxLength: 64 })} on ${safeText(h.mxHost ?? '(no MX named)', { maxLength: 253 })}: ${t.failedSessions}`));
  const mismatch = r.totals.summaryMismatches.length > 0 ? [`${r.totals.summaryMismatches.length} summary/detail mismatch(es)`] : [];
  return [...parts, ...mismatch].join('; ');
}

/** Renders merged rollups as one table per domain (the text form of `reports summarize`). */
export function renderSummaryText(rollups: readonly DailyRollup[]): string {
  const byDomain = new Map<string, DailyRollup[]>();
  for (const r of rollups) byDomain.set(r.domain, [...(byDomain.get(r.domain) ?? []), r]);
  const out: string[] = [];
  for (const [domain, days] of byDomain) {
    out.push(domain);
    const rows = [
      ['day', 'reports', 'verified', 'reporters', 'successful', 'failed', 'failures'],
      ...days.map((r) => [
        r.day,
        String(r.totals.reports),
        authenticationText(r),
        String(r.totals.reporters.length),
        String(r.totals.successfulSessions),
        String(r.totals.failedSessions),
        failureText(r),
      ]),
    ];
    out.push(...table(rows, [false, true, false, true, true, true, false]).map((l) => `  ${l}`));
    out.push('');
  }
  return out.join('\n') + '\n';
}

/** The authentication column: verified reports and their signing domains, and conflicting copies. */
function authenticationText(r: DailyRollup): string {
  const t = r.totals;
  const who = t.verifiedReporters.length > 0 ? ` (${t.verifiedReporters.join(', ')})` : '';
  return `${t.verifiedReports}/${t.reports}${who}${t.conflictingCopies > 0 ? `, ${t.conflictingCopies} conflicting cop${t.conflictingCopies === 1 ? 'y' : 'ies'}` : ''}`;
}

/** Renders a verdict as text (the text form of `readiness`). */
export function renderVerdictText(v: ReadinessVerdict): string {
  const lines = [v.summary];
  const pending = v.window.pendingDays;
  lines.push(`  window    ${v.window.firstDay} … ${v.window.lastDay} counted; ${pending[0]} … ${pending[pending.length - 1]} pending (late reports)`);
  lines.push(`  expected  mode ${v.expected.mode}, mx ${v.expected.mx.join(' ')}`);
  lines.push(
    `  evidence  ${v.cleanDays}/${v.thresholds.days} clean days, ${v.reporters.length} reporter(s) (need ${v.thresholds.minReporters}), ` +
      `${v.successfulSessions + v.failedSessions} sessions (need ${v.thresholds.minSessions}), ${v.failedSessions} failed`,
  );
  lines.push(`  verified  ${v.verifiedReporters.length > 0 ? v.verifiedReporters.join(', ') : '(no verified reporter)'}; ${v.unverifiedReports} unverified report(s) not counted`);
  const trusted = [v.trust.https ? 'HTTPS reports (--trust-https, or the collector\'s trustHttpsReports)' : '', v.trust.files ? 'bare files (--trust-unauthenticated-files)' : ''].filter((x) => x !== '');
  if (trusted.length > 0) lines.push(`  trusted   unauthenticated ${trusted.join(' and ')} counted as evidence: anyone could have sent them`);
  const rows = [
    ['day', 'reports', 'unverified', 'reporters', 'successful', 'failed', 'status'],
    ...v.days.map((d) => [
      d.day,
      String(d.reports),
      String(d.unverifiedReports),
      String(d.reporters.length),
      String(d.successfulSessions),
      String(d.failedSessions),
      d.pending ? (d.failedSessions > 0 ? 'pending, failures' : 'pending') : d.reports === 0 ? 'missing' : d.clean ? 'clean' : 'blocked',
    ]),
  ];
  lines.push(...table(rows, [false, true, true, true, true, true, false]).map((l) => `  ${l}`));
  if (v.blockers.length > 0) {
    lines.push('  blockers:');
    for (const b of v.blockers) lines.push(`    - ${b.code}${b.unverified ? ' (unverified)' : ''}: ${safeText(b.message, { maxLength: 2000 })}`);
  }
  if (v.warnings.length > 0) {
    lines.push('  warnings:');
    for (const b of v.warnings) lines.push(`    - ${b.code}${b.unverified ? ' (unverified)' : ''}: ${safeText(b.message, { maxLength: 2000 })}`);
  }
  return lines.join('\n') + '\n';
}

function intOption(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw new CliError(`\`${name}\` must be a whole number, at least ${min}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function showProgress(o: { progress?: boolean }, ctx: CliContext): ((line: string) => void) | undefined {
  return o.progress === true || process.stderr.isTTY === true ? (line) => ctx.err(line + '\n') : undefined;
}

interface SummarizeOptions {
  readonly json?: boolean;
  readonly progress?: boolean;
  readonly maxInflatedBytes?: string;
  readonly dnsServer?: string;
}

const DNS_SERVER_HELP = 'the DNS server for DKIM key lookups of .eml files, host[:port] (default: the system resolver)';

/**
 * `mta-sts reports summarize <files or dirs...>`: parses report files (any format) and prints a
 * table per domain and day. Exit 0 when every file is a report, 1 when some are not (they are
 * listed on stderr), 2 on usage errors.
 */
export function registerReportsCommand(program: Command, ctx: CliContext): void {
  const reports = program.command('reports').description('Work with TLS-RPT (RFC 8460) reports');
  reports
    .command('summarize')
    .description('Parse TLS-RPT reports (JSON, gzip, zip or whole emails; files or directories) and print sessions per domain and day')
    .argument('<paths...>', 'report files or directories (searched recursively)')
    .option('--json', 'print JSON')
    .option('--progress', `print progress to stderr every ${PROGRESS_EVERY} files (default: when stderr is a terminal)`)
    .option('--max-inflated-bytes <n>', 'refuse reports that decompress to more bytes than this (default 64 MiB)')
    .option('--dns-server <host[:port]>', DNS_SERVER_HELP)
    .action(async (paths: string[], o: SummarizeOptions) => {
      const maxInflatedBytes = o.maxInflatedBytes === undefined ? undefined : intOption('--max-inflated-bytes', o.maxInflatedBytes, 0, 1);
      const loaded = await loadReportFiles(paths, { progress: showProgress(o, ctx), maxInflatedBytes, authenticate: emailAuthenticator(o.dnsServer) });
      if (loaded.files === 0) throw new CliError(`no files found in ${paths.map((p) => JSON.stringify(p)).join(', ')}`);
      const merged = loaded.rollups;
      for (const r of loaded.rejected) ctx.err(`rejected ${r.path}: ${r.reason}: ${safeText(r.message, { maxLength: 1000 })}\n`);
      if (o.json) {
        const domains = [...new Set(merged.map((r) => r.domain))].map((domain) => ({
          domain,
          days: merged.filter((r) => r.domain === domain).map((r) => ({ day: r.day, ...r.totals })),
        }));
        const out = { files: loaded.files, reports: loaded.reports, rollupFiles: loaded.rollupFiles, duplicates: loaded.duplicates, authentication: loaded.authentication, rejected: loaded.rejected, domains };
        ctx.out(safeJson(out, 2) + '\n');
      } else {
        ctx.out(merged.length > 0 ? terminalSafe(renderSummaryText(merged)) : 'no sessions to show\n');
        ctx.out(
          `${loaded.files} file(s): ${loaded.reports} report(s)` +
            (loaded.rollupFiles > 0 ? `, ${loaded.rollupFiles} rollup file(s)` : '') +
            `, ${loaded.duplicates} duplicate(s) counted once, ${loaded.rejected.length} rejected; ` +
            `authentication: ${Object.entries(loaded.authentication).sort().map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}\n`,
        );
      }
      if (loaded.rejected.length > 0) ctx.exitCode = 1;
    });
}

interface ReadinessCommandOptions {
  readonly domain: string;
  readonly expectMx?: string;
  readonly stage?: string;
  readonly config: string;
  readonly expectMode?: string;
  readonly days?: string;
  readonly graceDays?: string;
  readonly minSessions?: string;
  readonly minReporters?: string;
  readonly dir?: string;
  readonly bucket?: string;
  readonly prefix?: string;
  readonly region?: string;
  readonly now?: string;
  readonly json?: boolean;
  readonly progress?: boolean;
  readonly dnsServer?: string;
  readonly trustHttps?: boolean;
  readonly trustUnauthenticatedFiles?: boolean;
  readonly unverifiedFailures?: string;
  readonly knownReporters?: string;
}

/**
 * `mta-sts readiness --domain D [--expect-mx a,b | --stage S] (--dir DIR | --bucket B [--prefix P])`: decides
 * whether the domain is ready for `mode: enforce` (see `assessReadiness`). Exit 0 when ready,
 * 1 when not, 2 on usage or input errors (including unreadable rollup objects: a verdict without
 * them could miss failures).
 */
export function registerReadinessCommand(program: Command, ctx: CliContext): void {
  program
    .command('readiness')
    .description('Decide from TLS-RPT reports whether a domain is ready for mode enforce (exit 0 ready, 1 not ready, 2 error)')
    .requiredOption('--domain <domain>', 'the policy domain')
    .option('--expect-mx <patterns>', 'the mx patterns of the published policy, comma-separated (for example mx1.example.com,*.mail.example.com); default: the domain\'s mx in the stage config')
    .option('--stage <name>', 'take the mx patterns from this stage of the cdk.json config (default: its defaultStage)')
    .option('--config <path>', 'the cdk.json to read the stage config from', 'cdk.json')
    .option('--expect-mode <mode>', 'the mode of the published policy', MtaStsMode.TESTING)
    .option('--days <n>', 'complete UTC days that must be clean', String(READINESS_DEFAULTS.days))
    .option('--grace-days <n>', 'most recent complete days not counted yet (late reports)', String(READINESS_DEFAULTS.graceDays))
    .option('--min-sessions <n>', 'sessions needed over the counted days', String(READINESS_DEFAULTS.minSessions))
    .option('--min-reporters <n>', 'distinct reporters needed', String(READINESS_DEFAULTS.minReporters))
    .option('--dir <dir>', 'read report files or rollup files from this directory')
    .option('--bucket <bucket>', 'read the rollups from this report-store bucket')
    .option('--prefix <prefix>', 'the report store prefix inside the bucket', '')
    .option('--region <region>', 'the bucket region (default: from the AWS environment)')
    .option('--now <iso>', 'evaluate as of this instant (default: now), for reproducible runs')
    .option('--json', 'print the verdict as JSON')
    .option('--progress', `print progress to stderr every ${PROGRESS_EVERY} files or objects`)
    .option('--dns-server <host[:port]>', DNS_SERVER_HELP)
    .option('--trust-https', 'count reports received by HTTPS as evidence, though nothing authenticates them (the verdict says so)')
    .option('--trust-unauthenticated-files', 'count bare JSON/gzip/zip report files and rollup files in --dir as evidence (the verdict says so)')
    .option('--unverified-failures <block|warn>', 'what failures in unverified reports do', UnverifiedFailures.BLOCK)
    .option('--known-reporters <domains>', 'count only reports signed by these organizational domains, comma-separated (for example google.com,microsoft.com)')
    .action(async (o: ReadinessCommandOptions) => {
      if ((o.dir === undefined) === (o.bucket === undefined) && !(o.dir === undefined && o.stage !== undefined)) {
        throw new CliError('give exactly one of `--dir <dir>` (report or rollup files) and `--bucket <bucket>` (the report store), or `--stage <name>` alone (its collector\'s report store)');
      }
      const mode = modeFromString(o.expectMode ?? MtaStsMode.TESTING);
      if (mode === undefined) throw new CliError(`\`--expect-mode\` must be enforce, testing or none, got ${JSON.stringify(o.expectMode)}`);
      const now = o.now === undefined ? new Date() : new Date(o.now);
      if (Number.isNaN(now.getTime())) throw new CliError(`\`--now\` must be an ISO 8601 date-time (for example 2026-12-01T10:00:00Z), got ${JSON.stringify(o.now)}`);
      const days = intOption('--days', o.days, READINESS_DEFAULTS.days, 1);
      const graceDays = intOption('--grace-days', o.graceDays, READINESS_DEFAULTS.graceDays, 0);
      const minSessions = intOption('--min-sessions', o.minSessions, READINESS_DEFAULTS.minSessions, 0);
      const minReporters = intOption('--min-reporters', o.minReporters, READINESS_DEFAULTS.minReporters, 0);
      const domain = canonicalHost(o.domain.trim());
      const mx = o.expectMx !== undefined ? o.expectMx.split(',').map((m) => m.trim()).filter((m) => m !== '') : configuredMx(domain, o);
      const progress = showProgress(o, ctx);
      const unverifiedFailures = Object.values(UnverifiedFailures).find((x) => x === o.unverifiedFailures);
      if (unverifiedFailures === undefined) throw new CliError(`\`--unverified-failures\` must be block or warn, got ${JSON.stringify(o.unverifiedFailures)}`);

      let rollups: DailyRollup[];
      let collectorTrust = false;
      let invalidRollups: { day: string; reference: string; message: string }[] = [];
      let bucket = o.bucket;
      if (o.dir !== undefined) {
        const loaded = await loadReportFiles([o.dir], { progress, authenticate: emailAuthenticator(o.dnsServer) });
        const broken = loaded.rejected.filter((r) => r.reason === 'rollup-invalid' || r.reason === 'read-error' || r.reason === 'internal-error');
        for (const r of loaded.rejected) ctx.err(`skipped ${r.path}: ${r.reason}: ${safeText(r.message, { maxLength: 1000 })}\n`);
        if (broken.length > 0) {
          throw new CliError(`${broken.length} rollup or report file(s) cannot be used (listed above); a verdict without them could miss failures`);
        }
        rollups = loaded.rollups;
      } else {
        const window = readinessWindow(now, days, graceDays);
        // Loaded only for --bucket: the other commands do not pay for the AWS SDK.
        const { S3Client } = await import('@aws-sdk/client-s3');
        const { collectorTrustsHttps, readRollupsFromS3 } = await import('./reports-s3');
        // Without --bucket: the report bucket of the stage's collector, from its stack outputs.
        const stage = bucket === undefined ? resolveStage(loadConfigFile(o.config), o.stage) : undefined;
        if (stage) bucket = await (await import('./stage-outputs')).stageReportBucket(stage);
        const client = new S3Client(o.region ? { region: o.region } : stage ? { region: stage.region } : {});
        try {
          const read = await readRollupsFromS3(client, {
            bucket: bucket!,
            prefix: o.prefix ?? '',
            domain,
            fromDay: window.firstDay,
            toDay: window.pendingDays[window.pendingDays.length - 1],
            onProgress: progress ? (done, total) => (done % PROGRESS_EVERY === 0 || done === total ? progress(`… ${done} of ${total} objects read`) : undefined) : undefined,
          });
          for (const f of read.failed) ctx.err(`${f.invalid ? 'invalid' : 'unreadable'} s3://${bucket}/${safeText(f.key, { maxLength: 1100 })}: ${safeText(f.message, { maxLength: 1000 })}\n`);
          const unreadable = read.failed.filter((f) => !f.invalid);
          if (unreadable.length > 0) {
            throw new CliError(`${unreadable.length} rollup object(s) in s3://${bucket} cannot be read (listed above); a verdict without them could miss failures`);
          }
          // Objects that are there but are not rollups block their own day only (see the verdict).
          invalidRollups = read.failed.map((f) => ({ day: f.day, reference: `s3://${bucket}/${f.key}`, message: f.message }));
          rollups = read.rollups;
          collectorTrust = await collectorTrustsHttps(client, bucket!);
        } catch (e) {
          if (e instanceof CliError) throw e;
          throw new CliError(`cannot read the report store s3://${bucket}/${o.prefix ?? ''}: ${(e as Error).name}: ${(e as Error).message}`);
        } finally {
          client.destroy();
        }
      }

      let verdict: ReadinessVerdict;
      try {
        const trust = { https: o.trustHttps === true || collectorTrust, files: o.trustUnauthenticatedFiles === true };
        const knownReporters = o.knownReporters === undefined ? undefined : o.knownReporters.split(',').map((r) => r.trim()).filter((r) => r !== '');
        verdict = assessReadiness(rollups, { domain, now, expected: { mode, mx }, days, graceDays, minSessions, minReporters, trust, unverifiedFailures, knownReporters, invalidRollups });
      } catch (e) {
        if (e instanceof MtaStsValidationError) throw new CliError(e.message.replace(/`expected\.mx(\[\d+\])?`/g, '`--expect-mx`'));
        throw e;
      }
      if (collectorTrust && o.trustHttps !== true) ctx.err(`HTTPS reports count as evidence: the collector of s3://${bucket} was deployed with trustHttpsReports\n`);
      ctx.out(o.json ? safeJson(verdict, 2) + '\n' : terminalSafe(renderVerdictText(verdict)));
      ctx.exitCode = verdict.ready ? 0 : 1;
    });
}

/** The mx patterns the stage config publishes for `domain` (the reports must show this policy). */
function configuredMx(domain: string, o: ReadinessCommandOptions): string[] {
  const stage = resolveStage(loadConfigFile(o.config), o.stage);
  const d = stage.domains.find((x) => x.domainName === domain);
  if (!d) {
    throw new CliError(`--domain "${domain}" is not in stage "${stage.name}" (its domains: ${stage.domains.map((x) => x.domainName).join(', ')}); give --stage, or --expect-mx`);
  }
  return [...d.policy.mx];
}

addCommand(registerReportsCommand);
addCommand(registerReadinessCommand);
