import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../lib/cli/program';
import '../../lib/cli/reports-command';
import { httpsUnauthenticated, normalizeReportValue, reportCopyId, rollupKey, rollupsOf } from '../../lib/reports';
import { TestDnsServer } from '../check/servers/dns-server';
import { DkimLab, reportEmailFrom, verifiedBy } from './dkim';
import { addDay, body, gzipJson, jsonBytes, reportEmail, reportJson, ReportSpec } from './helpers';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(...argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const MX = ['mx1.example.com', 'mx2.example.com'];
const SHIPPED_CONFIG = path.join(__dirname, '..', '..', 'cdk.json');
const NOW = '2026-12-01T10:00:00Z';
const DAYS = Array.from({ length: 14 }, (_, i) => addDay('2026-11-15', i));
const spec = (day: string, extra: Partial<ReportSpec> = {}): ReportSpec => ({ day, mx: MX, success: 200, ...extra });

// DKIM keys made for the run, served by a DNS server on 127.0.0.1 (what `--dns-server` points at).
const lab = new DkimLab();
let dns: TestDnsServer;
let DNS: string[];
beforeAll(async () => {
  lab.key('google.com', 'tlsrpt', 'rsa');
  lab.key('microsoft.com', 'selector1', 'ed25519');
  dns = await new TestDnsServer('127.0.0.1').start();
  DNS = ['--dns-server', `127.0.0.1:${dns.port}`];
});
afterAll(() => dns.stop());
/** Publishes every key record the lab holds on the DNS server. */
function serveKeys(): void {
  for (const [name, text] of lab.records()) {
    const strings: string[] = [];
    for (let i = 0; i < text.length; i += 255) strings.push(text.slice(i, i + 255));
    dns.set(name, { TXT: [strings] });
  }
}

/** A report email signed by `domain` (From tlsrpt@<domain>). */
function signedEmail(report: unknown, domain: string, selector: string): Promise<Buffer> {
  const raw = reportEmail(report).toString('latin1').replace(/^From: .*$/m, `From: TLS reporter <tlsrpt@${domain}>`);
  return lab.sign(Buffer.from(raw, 'latin1'), { domain, selector, type: selector === 'selector1' ? 'ed25519' : 'rsa' });
}
void reportEmailFrom;

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mta-sts-reports-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function write(rel: string, bytes: Buffer): string {
  const p = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, bytes);
  return p;
}

/** Two DKIM-signed reporters every day (Microsoft listing tlsa and sts for the same sessions). */
async function writeCleanHistory(dir = 'in'): Promise<void> {
  serveKeys();
  for (const day of DAYS) {
    write(`${dir}/${day}/google.eml`, await signedEmail(reportJson(spec(day)), 'google.com', 'tlsrpt'));
    const microsoft = reportJson({ day, org: 'Microsoft Corporation', policies: [{ type: 'tlsa', success: 100 }, { type: 'sts', mx: MX, success: 100 }] });
    write(`${dir}/${day}/microsoft.eml`, await signedEmail(microsoft, 'microsoft.com', 'selector1'));
  }
}

describe('mta-sts reports summarize', () => {
  test('a table per domain and day; duplicates counted once; rejected files listed, exit 1', async () => {
    write('a/google.json.gz', gzipJson(reportJson(spec('2026-11-20', { details: [{ type: 'certificate-expired', count: 12, mx: 'mx2.example.com' }] }))));
    write('a/copy-of-google.json', jsonBytes(reportJson(spec('2026-11-20', { details: [{ type: 'certificate-expired', count: 12, mx: 'mx2.example.com' }] }))));
    serveKeys();
    write('b/microsoft.eml', await signedEmail(reportJson({ day: '2026-11-20', org: 'Microsoft Corporation', policies: [{ type: 'tlsa', success: 4 }, { type: 'sts', success: 4 }] }), 'microsoft.com', 'selector1'));
    write('b/other-domain.json', jsonBytes(reportJson(spec('2026-11-21', { domain: 'example.net', success: 7 }))));
    write('b/truncated.json.gz', gzipJson(reportJson(spec('2026-11-22'))).subarray(0, 40));
    write('.hidden.json', Buffer.from('ignored'));
    const r = await run('reports', 'summarize', path.join(tmp, 'a'), path.join(tmp, 'b'), ...DNS);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      [
        'example.com',
        '  day         reports  verified             reporters  successful  failed  failures',
        '  2026-11-20        2  1/2 (microsoft.com)          2         204      12  certificate-expired on mx2.example.com: 12',
        '',
        'example.net',
        '  day         reports  verified  reporters  successful  failed  failures',
        '  2026-11-21        1  0/1               1           7       0',
        '',
        '5 file(s): 4 report(s), 1 duplicate(s) counted once, 1 rejected; authentication: 3 file-unauthenticated, 1 verified',
        '',
      ].join('\n'),
    );
    expect(r.err).toMatch(/^rejected .*truncated\.json\.gz: gzip-truncated: the gzip data \(40 bytes\) ends before its end marker/);
  });

  test('a 100 000-level nested file among 24 good ones is listed with its reason; the others are all counted', async () => {
    for (let i = 0; i < 24; i++) write(`mix/${String(i).padStart(2, '0')}.json`, jsonBytes(reportJson(spec('2026-11-20', { id: `ok-${i}`, success: 1 }))));
    const deep = JSON.stringify(reportJson(spec('2026-11-20', { id: 'deep' }))).replace('"Google Inc."', `${'['.repeat(100_000)}1${']'.repeat(100_000)}`);
    write('mix/deep.json', Buffer.from(deep));
    const r = await run('reports', 'summarize', path.join(tmp, 'mix'), '--json');
    expect(r.err).not.toMatch(/Maximum call stack/);
    const out = JSON.parse(r.out) as { files: number; reports: number; rejected: { path: string; reason: string }[]; domains: { days: { day: string; reports: number; successfulSessions: number }[] }[] };
    // The deep file is a report with a deviation (or a rejection); either way it is accounted for, and the 24 are all there.
    expect(out.files).toBe(25);
    expect(out.reports + out.rejected.length).toBe(25);
    expect(out.domains[0].days.find((d) => d.day === '2026-11-20')!.successfulSessions).toBeGreaterThanOrEqual(24);
    expect(r.code).toBe(out.rejected.length > 0 ? 1 : 0);
  });

  test('--json', async () => {
    write('r.json', jsonBytes(reportJson(spec('2026-11-20'))));
    const r = await run('reports', 'summarize', tmp, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { files: number; reports: number; domains: { domain: string; days: { day: string; successfulSessions: number }[] }[] };
    expect(out).toMatchObject({ files: 1, reports: 1, duplicates: 0, rejected: [], authentication: { 'file-unauthenticated': 1 } });
    expect(out.domains).toEqual([{ domain: 'example.com', days: [expect.objectContaining({ day: '2026-11-20', successfulSessions: 200, reporters: ['Google Inc.'] })] }]);
  });

  test('--progress prints every 500 files to stderr', async () => {
    for (let i = 0; i < 500; i++) write(`many/${String(i).padStart(3, '0')}.json`, jsonBytes(reportJson(spec('2026-11-20', { id: `r${i}`, success: 1 }))));
    const r = await run('reports', 'summarize', path.join(tmp, 'many'), '--progress');
    expect(r.code).toBe(0);
    expect(r.err).toBe('… 500 of 500 files read\n500 files read\n');
    expect(r.out).toContain('  2026-11-20      500  0/500             1         500       0');
  });

  test('a path that does not exist is a usage error (exit 2)', async () => {
    const r = await run('reports', 'summarize', path.join(tmp, 'nope'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^mta-sts: ".*nope" cannot be read \(ENOENT\): give report files or directories\n$/);
  });

  test('an empty directory is a usage error (exit 2)', async () => {
    const r = await run('reports', 'summarize', tmp);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no files found in/);
  });
});

describe('mta-sts readiness --dir', () => {
  const base = ['readiness', '--domain', 'example.com', '--expect-mx', MX.join(','), '--now', NOW];

  test('clean signed history: exit 0, and the summary first, naming the verified reporters', async () => {
    await writeCleanHistory();
    const r = await run(...base, '--dir', path.join(tmp, 'in'), ...DNS);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('example.com: ready for enforce (14 clean days; 2 verified reporters: google.com, microsoft.com; 4200 sessions)');
    expect(r.out).toContain('  verified  google.com, microsoft.com; 0 unverified report(s) not counted');
    expect(r.out).toContain('  2026-11-15        2           0          2         300       0  clean');
    expect(r.out).toContain('  2026-11-29        0           0          0           0       0  pending');
  });

  test('without --expect-mx the mx patterns come from the stage config (the shipped prod stage)', async () => {
    await writeCleanHistory();
    const r = await run('readiness', '--domain', 'example.com', '--now', NOW, '--config', SHIPPED_CONFIG, '--stage', 'prod', '--dir', path.join(tmp, 'in'), ...DNS);
    expect(r.out.split('\n')[0]).toBe('example.com: ready for enforce (14 clean days; 2 verified reporters: google.com, microsoft.com; 4200 sessions)');
    expect(r.code).toBe(0);
  });

  test('dirty history: exit 1 with the blockers', async () => {
    await writeCleanHistory();
    write('in/2026-11-20/google.eml', await signedEmail(reportJson(spec('2026-11-20', { details: [{ type: 'certificate-expired', count: 12, mx: 'mx2.example.com' }] })), 'google.com', 'tlsrpt'));
    const r = await run(...base, '--dir', path.join(tmp, 'in'), ...DNS);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('example.com: not ready: 12 certificate-expired sessions on mx2.example.com since 2026-11-20');
    expect(r.out).toContain('    - failed-sessions: 2026-11-20: 12 certificate-expired sessions on mx2.example.com, reported by google.com');
  });

  test('the same reports unsigned (bare files) are not evidence: not ready, unless --trust-unauthenticated-files', async () => {
    for (const day of DAYS) {
      write(`bare/${day}/google.json.gz`, gzipJson(reportJson(spec(day))));
      write(`bare/${day}/microsoft.json`, jsonBytes(reportJson(spec(day, { org: 'Microsoft Corporation', success: 100 }))));
    }
    const r = await run(...base, '--dir', path.join(tmp, 'bare'));
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('example.com: not ready: no reports for 14 of 14 days (first 2026-11-15) (+15 more blockers)');
    const trusted = await run(...base, '--dir', path.join(tmp, 'bare'), '--trust-unauthenticated-files');
    expect(trusted.code).toBe(0);
    expect(trusted.out.split('\n')[0]).toBe('example.com: ready for enforce (14 clean days; 2 reporters: "google inc." (unauthenticated, trusted by option), "microsoft corporation" (unauthenticated, trusted by option); 4200 sessions)');
    expect(trusted.out).toContain('  trusted   unauthenticated bare files (--trust-unauthenticated-files) counted as evidence: anyone could have sent them');
  });

  test('forged files (15 back-dated reports of a million sessions, two spellings of "google inc") never make a domain ready', async () => {
    for (const [i, day] of [...DAYS, '2026-11-29'].entries()) write(`forged/${i}.json`, jsonBytes(reportJson(spec(day, { org: i % 2 ? 'google inc' : 'Google Inc', success: 1_000_000 }))));
    const r = await run(...base, '--dir', path.join(tmp, 'forged'), '--json');
    expect(r.code).toBe(1);
    const v = JSON.parse(r.out) as { ready: boolean; reporters: string[]; successfulSessions: number; unverifiedReports: number; reports: { authentication: { status: string } }[] };
    expect([v.ready, v.reporters, v.successfulSessions, v.unverifiedReports]).toEqual([false, [], 0, 15]);
    expect(new Set(v.reports.map((x) => x.authentication.status))).toEqual(new Set(['file-unauthenticated']));
  });

  test('a forged unsigned copy of a signed report cannot hide its failure: the signed one counts', async () => {
    await writeCleanHistory();
    const failing = reportJson(spec('2026-11-20', { details: [{ type: 'certificate-expired', count: 37, mx: 'mx2.example.com' }] }));
    write('in/2026-11-20/google.eml', await signedEmail(failing, 'google.com', 'tlsrpt'));
    write('in/2026-11-20/a-forged-copy.json', jsonBytes(reportJson(spec('2026-11-20', { success: 1_000_000 }))));
    const r = await run(...base, '--dir', path.join(tmp, 'in'), ...DNS);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('example.com: not ready: 37 certificate-expired sessions on mx2.example.com since 2026-11-20');
    expect(r.out).toMatch(/warnings:\n    - conflicting-copies: 2026-11-20: report .* has 2 copies that differ \(verified by google\.com: 200 ok, 37 failed; file-unauthenticated: 1000000 ok, 0 failed\); the counted copy outranks the others/);
  });

  test('without a reachable key server the signed emails are unverified (dkim-temperror), and not counted', async () => {
    await writeCleanHistory();
    const r = await run(...base, '--dir', path.join(tmp, 'in'), '--dns-server', '127.0.0.1:9', '--json');
    expect(r.code).toBe(1);
    const v = JSON.parse(r.out) as { reports: { authentication: { status: string } }[] };
    expect(new Set(v.reports.map((x) => x.authentication.status))).toEqual(new Set(['dkim-temperror']));
  }, 120_000);

  test('--unverified-failures warn: an unverified failure report is a warning', async () => {
    await writeCleanHistory();
    write('in/2026-11-21/stranger.json', jsonBytes(reportJson(spec('2026-11-21', { org: 'Stranger', success: 0, details: [{ type: 'validation-failure', count: 3, mx: 'mx1.example.com' }] }))));
    const blocked = await run(...base, '--dir', path.join(tmp, 'in'), ...DNS);
    expect(blocked.code).toBe(1);
    expect(blocked.out).toContain('    - failed-sessions (unverified): 2026-11-21: 3 validation-failure sessions on mx1.example.com, reported by unverified source(s) "stranger"');
    const warned = await run(...base, '--dir', path.join(tmp, 'in'), ...DNS, '--unverified-failures', 'warn');
    expect(warned.code).toBe(0);
    expect(warned.out).toContain('  warnings:\n    - failed-sessions (unverified): 2026-11-21');
    const bad = await run(...base, '--dir', path.join(tmp, 'in'), '--unverified-failures', 'ignore');
    expect([bad.code, bad.err]).toEqual([2, 'mta-sts: `--unverified-failures` must be block or warn, got "ignore"\n']);
  });

  test('--known-reporters: only reports signed by those domains count', async () => {
    await writeCleanHistory();
    expect((await run(...base, '--dir', path.join(tmp, 'in'), ...DNS, '--known-reporters', 'google.com, microsoft.com')).code).toBe(0);
    const r = await run(...base, '--dir', path.join(tmp, 'in'), ...DNS, '--known-reporters', 'google.com');
    expect(r.code).toBe(1);
    expect(r.out).toContain('only 1 verified reporter(s) (google.com) sent reports over the counted days; at least 2 are needed (14 unverified reports are not counted)');
  });

  test('reporter-controlled text cannot rewrite the terminal: CR/LF, ANSI/OSC and bidi are escaped in text and JSON', async () => {
    const evil = 'Evil\r\nfake: ready for enforce\u001b]0;owned\u0007\u001b[2J\u202eesrever';
    write('evil/r.json', jsonBytes(reportJson(spec('2026-11-21', { org: evil, success: 0, details: [{ type: 'validation-failure\u202e', count: 1, mx: 'mx1.example.com' }] }))));
    for (const json of [false, true]) {
      const r = await run(...base, '--dir', path.join(tmp, 'evil'), ...(json ? ['--json'] : []));
      expect(r.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
      if (json) expect((JSON.parse(r.out) as { reports: { organization: string }[] }).reports[0].organization).toBe(evil);
      else expect(r.out).not.toMatch(/^fake: ready/m);
    }
    const s = await run('reports', 'summarize', path.join(tmp, 'evil'));
    expect(s.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
  });

  test('a bad --dns-server is a usage error', async () => {
    await writeCleanHistory();
    const r = await run(...base, '--dir', path.join(tmp, 'in'), '--dns-server', 'dns.example');
    expect([r.code, r.err]).toEqual([2, 'mta-sts: `--dns-server` must be an IP address with an optional port (127.0.0.1, 127.0.0.1:5353, [::1]:53), got "dns.example"\n']);
  });

  test('--json prints the verdict', async () => {
    await writeCleanHistory();
    const r = await run(...base, '--dir', path.join(tmp, 'in'), '--json', '--min-reporters', '3', ...DNS);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.out) as { ready: boolean; blockers: { code: string }[]; thresholds: { minReporters: number } };
    expect(v.ready).toBe(false);
    expect(v.thresholds.minReporters).toBe(3);
    expect(v.blockers.map((b) => b.code)).toEqual(['too-few-reporters']);
  });

  test('reads stored rollup files too (a synced copy of the store), as unauthenticated files whatever they record', async () => {
    for (const day of DAYS) {
      for (const org of ['Google Inc.', 'Microsoft Corporation']) {
        const rollups = rollupsOf(normalizeReportValue(reportJson(spec(day, { org }))), verifiedBy(org === 'Google Inc.' ? 'google.com' : 'microsoft.com'));
        const [r] = rollups;
        write(rollupKey(r.domain, r.day, r.contributions[0].idempotencyKey, reportCopyId(rollups)), jsonBytes(r));
      }
    }
    const r = await run(...base, '--dir', path.join(tmp, 'rollups'), '--json');
    expect(r.code).toBe(1);
    const v = JSON.parse(r.out) as { reports: { authentication: { status: string; detail: string } }[] };
    expect(v.reports[0].authentication).toEqual(expect.objectContaining({ status: 'file-unauthenticated', detail: expect.stringMatching(/^a rollup file \(recorded: verified by (google|microsoft)\.com\) read from disk/) }));
    const trusted = await run(...base, '--dir', path.join(tmp, 'rollups'), '--trust-unauthenticated-files');
    expect(trusted.out.split('\n')[0]).toMatch(/^example\.com: ready for enforce \(14 clean days; 2 reporters: .*; 5600 sessions\)$/);
    expect(trusted.code).toBe(0);
  });

  test('a broken rollup file stops the verdict (exit 2): it could hide failures', async () => {
    await writeCleanHistory();
    write('in/broken-rollup.json', Buffer.from('{"schemaVersion":1,"domain":"example.com","day":"2026-11-20","contributions":"x"}'));
    const r = await run(...base, '--dir', path.join(tmp, 'in'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('rollup-invalid: a rollup file, but `contributions` must be an array, got "x"');
    expect(r.err).toContain('mta-sts: 1 rollup or report file(s) cannot be used (listed above); a verdict without them could miss failures');
  });

  test.each<[string, string[], RegExp]>([
    ['no --expect-mx and a domain not in the stage', ['readiness', '--domain', 'example.com', '--now', NOW, '--config', SHIPPED_CONFIG, '--dir', '.'], /--domain "example.com" is not in stage "dev" \(its domains: dev.example.com\); give --stage, or --expect-mx/],
    ['an unknown stage', ['readiness', '--domain', 'example.com', '--now', NOW, '--config', SHIPPED_CONFIG, '--stage', 'qa', '--dir', '.'], /stage "qa" is not in mtaSts.stages/],
    ['both --dir and --bucket', [...base, '--dir', '.', '--bucket', 'b'], /give exactly one of `--dir <dir>`/],
    ['neither --dir nor --bucket', base, /give exactly one of `--dir <dir>`/],
    ['a bad --days', [...base, '--dir', '.', '--days', 'two'], /`--days` must be a whole number, at least 1, got "two"/],
    ['a bad --expect-mode', [...base, '--dir', '.', '--expect-mode', 'Enforce'], /`--expect-mode` must be enforce, testing or none, got "Enforce"/],
    ['a bad --now', [...base, '--dir', '.', '--now', 'tomorrow'], /`--now` must be an ISO 8601 date-time/],
    ['a bad --expect-mx', ['readiness', '--domain', 'example.com', '--expect-mx', '*.com', '--now', NOW, '--dir', '.'], /`--expect-mx` "\*\.com" is too broad/],
  ])('usage error: %s (exit 2)', async (_, argv, message) => {
    await writeCleanHistory();
    const r = await run(...argv.map((a) => (a === '.' ? path.join(tmp, 'in') : a)));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('mta-sts readiness --bucket', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const base = ['readiness', '--domain', 'example.com', '--expect-mx', MX.join(','), '--now', NOW, '--bucket', 'reports', '--prefix', 'tlsrpt/', '--region', 'eu-west-1'];

  function store(failDay?: string): Map<string, string> {
    const objects = new Map<string, string>();
    for (const day of ['2026-11-01', ...DAYS]) {
      for (const org of ['Google Inc.', 'Microsoft Corporation']) {
        const details = day === failDay && org === 'Google Inc.' ? [{ type: 'starttls-not-supported', count: 4, mx: 'mx1.example.com' }] : [];
        // What the processor stores: the DKIM result of the email it received.
        const rollups = rollupsOf(normalizeReportValue(reportJson(spec(day, { org, details }))), verifiedBy(org === 'Google Inc.' ? 'google.com' : 'microsoft.com'));
        const [r] = rollups;
        objects.set(`tlsrpt/${rollupKey(r.domain, r.day, r.contributions[0].idempotencyKey, reportCopyId(rollups))}`, JSON.stringify(r));
      }
    }
    s3.on(ListObjectsV2Command, { Bucket: 'reports', Prefix: 'tlsrpt/rollups/domain=example.com/' }).resolves({ Contents: [...objects.keys()].map((Key) => ({ Key })) });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: body(objects.get(input.Key)!) }));
    return objects;
  }

  test('ready from the store; only the window is fetched', async () => {
    store();
    const r = await run(...base);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('example.com: ready for enforce (14 clean days; 2 verified reporters: google.com, microsoft.com; 5600 sessions)');
    const rollupReads = s3.commandCalls(GetObjectCommand).filter((c) => String(c.args[0].input.Key).startsWith('tlsrpt/rollups/'));
    expect(rollupReads).toHaveLength(28); // not 2026-11-01
    // …and the collector's configuration (does it trust HTTPS reports?), at the bucket root.
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toContain('config/tls-rpt-collector.json');
  });

  test('HTTPS copies in the store count only when the collector was deployed with trustHttpsReports (or --trust-https)', async () => {
    const objects = new Map<string, string>();
    for (const day of DAYS) {
      for (const org of ['Google Inc.', 'Mail.Ru']) {
        const rollups = rollupsOf(normalizeReportValue(reportJson(spec(day, { org }))), org === 'Google Inc.' ? verifiedBy('google.com') : httpsUnauthenticated());
        objects.set(`tlsrpt/${rollupKey(rollups[0].domain, day, rollups[0].contributions[0].idempotencyKey, reportCopyId(rollups))}`, JSON.stringify(rollups[0]));
      }
    }
    const config = (trustHttps: boolean) => JSON.stringify({ version: 1, domains: [], reporters: [], ...(trustHttps ? { trustHttps } : {}) });
    s3.on(ListObjectsV2Command).resolves({ Contents: [...objects.keys()].map((Key) => ({ Key })) });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: body(objects.get(input.Key)!) }));
    s3.on(GetObjectCommand, { Key: 'config/tls-rpt-collector.json' }).resolves({ Body: body(config(false)) });
    expect((await run(...base)).code).toBe(1);
    expect((await run(...base, '--trust-https')).code).toBe(0);
    s3.on(GetObjectCommand, { Key: 'config/tls-rpt-collector.json' }).resolves({ Body: body(config(true)) });
    const r = await run(...base);
    expect(r.code).toBe(0);
    expect(r.err).toBe('HTTPS reports count as evidence: the collector of s3://reports was deployed with trustHttpsReports\n');
    expect(r.out.split('\n')[0]).toBe('example.com: ready for enforce (14 clean days; 2 reporters: "mail.ru" (unauthenticated, trusted by option), google.com; 5600 sessions)');
    // A configuration that cannot be read trusts nothing.
    s3.on(GetObjectCommand, { Key: 'config/tls-rpt-collector.json' }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    expect((await run(...base)).code).toBe(1);
  });

  test('not ready from the store (exit 1)', async () => {
    store('2026-11-27');
    const r = await run(...base);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('example.com: not ready: 4 starttls-not-supported sessions on mx1.example.com since 2026-11-27');
  });

  test('--progress reports the objects read', async () => {
    store();
    const r = await run(...base, '--progress');
    expect(r.err).toBe('… 28 of 28 objects read\n');
  });

  test('an unreadable store is an input error (exit 2)', async () => {
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' }));
    const r = await run(...base);
    expect(r.code).toBe(2);
    expect(r.err).toBe('mta-sts: cannot read the report store s3://reports/tlsrpt/: NoSuchBucket: The specified bucket does not exist\n');
  });

  test('a rollup object S3 will not give is an input error (exit 2)', async () => {
    const objects = store();
    const bad = [...objects.keys()][5];
    s3.on(GetObjectCommand, { Key: bad }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const r = await run(...base);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`unreadable s3://reports/${bad}: Access Denied`);
    expect(r.err).toContain('mta-sts: 1 rollup object(s) in s3://reports cannot be read (listed above); a verdict without them could miss failures');
  });

  test('a stored object that is not a rollup blocks its own day only: it cannot jam the gate once the day leaves the window', async () => {
    const objects = store();
    const bad = [...objects.keys()].find((k) => k.includes('day=2026-11-20/'))!;
    s3.on(GetObjectCommand, { Key: bad }).resolves({ Body: body('{"schemaVersion":1,"domain":"example.com","day":"2026-11-20","contributions":[{"successfulSessions":18014398509481984}]}') });
    const r = await run(...base);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`invalid s3://reports/${bad}: `);
    expect(r.out.split('\n')[0]).toMatch(/^example\.com: not ready: 2026-11-20: the stored rollup "s3:\/\/reports\/tlsrpt\/rollups\/domain=example\.com\/day=2026-11-20\/.*" cannot be read \(.*\); it could hold failures$/);
    // Three weeks later the day is out of the window and the object no longer matters.
    const later = await run(...base.map((a) => (a === NOW ? '2026-12-22T10:00:00Z' : a)));
    expect(later.out).not.toContain('rollup-invalid');
  });

  describe('--stage without --bucket: the report bucket from the collector stack outputs', () => {
    const cfn = mockClient(CloudFormationClient);
    beforeEach(() => cfn.reset());
    const byStage = (stage: string) => run('readiness', '--domain', 'example.com', '--stage', stage, '--config', SHIPPED_CONFIG, '--now', NOW, '--prefix', 'tlsrpt/');

    test('the stage collector stack names the bucket; the verdict reads it', async () => {
      store();
      cfn.on(DescribeStacksCommand, { StackName: 'MtaStsProdCollector' }).resolves({
        Stacks: [{ StackName: 'MtaStsProdCollector', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputValue: 'reports', Description: 'cdk-mta-sts: TLS-RPT report bucket (MtaStsProdCollector/TlsRptCollector)' }] }],
      });
      const r = await byStage('prod');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toEqual(['MtaStsProdCollector']);
      expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Bucket)).toEqual(['reports']);
    });

    test('a stage without a collector, or a stack not deployed: one line naming the fix, nothing read from S3', async () => {
      const dev = await run('readiness', '--domain', 'dev.example.com', '--stage', 'dev', '--config', SHIPPED_CONFIG, '--now', NOW);
      expect(dev.code).toBe(2);
      expect(dev.err).toBe('mta-sts: stage "dev" has no collector in cdk.json, so there is no report bucket to find; pass --bucket\n');
      cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id MtaStsProdCollector does not exist'), { name: 'ValidationError' }));
      const prod = await byStage('prod');
      expect(prod.code).toBe(2);
      expect(prod.err).toMatch(/^mta-sts: cannot read the outputs of stack MtaStsProdCollector in eu-west-1 \(account 222222222222\): ValidationError: .*or pass --bucket\n$/);
      expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    });
  });
});
