// Benchmark of the TLS-RPT report core: parse + normalise + aggregate, against the floor of
// plain zlib.gunzipSync + JSON.parse of the same bytes. Both run alternately in one process on
// one in-memory corpus (many small gzip reports, and one ~20 MB report), so machine noise hits
// both alike. Peak memory on the 20 MB report is measured in fresh child processes (peak RSS
// from the kernel, heap after a forced GC), one for each candidate.
//
// Run: node scripts/bench.mjs reports
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as zlib from 'node:zlib';
import { normalizeReport, parseReportBody, ReportAggregator } from '../lib/reports';

const SMALL_REPORTS = 3000;
const BIG_TARGET_BYTES = 20 * 1024 * 1024;
const ROUNDS_SMALL = 12;
const ROUNDS_BIG = 6;
const RATIO_TARGET = 0.5;
const PEAK_TARGET_MB = 256;

const RESULT_TYPES = ['certificate-expired', 'starttls-not-supported', 'validation-failure', 'certificate-host-mismatch', 'sts-policy-fetch-error', 'dane-required'];
const ORGS = ['Google Inc.', 'Microsoft Corporation', 'Mail.ru', 'Yahoo', 'Comcast', 'Proton AG'];

/** A deterministic pseudo-random sequence (mulberry32), so every run measures the same corpus. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function detail(r: () => number, i: number): object {
  return {
    'result-type': RESULT_TYPES[Math.floor(r() * RESULT_TYPES.length)],
    'sending-mta-ip': `198.51.${i % 256}.${Math.floor(r() * 256)}`,
    'receiving-mx-hostname': `mx${Math.floor(r() * 4)}.example${i % 50}.com`,
    'receiving-ip': `203.0.113.${Math.floor(r() * 256)}`,
    'failed-session-count': 1 + Math.floor(r() * 20),
    'failure-reason-code': r() < 0.3 ? 'X509_V_ERR_CERT_HAS_EXPIRED' : undefined,
  };
}

function report(r: () => number, i: number, details: number): object {
  const day = new Date(Date.UTC(2026, 10, 1) + (i % 28) * 86_400_000).toISOString().slice(0, 10);
  const org = ORGS[i % ORGS.length];
  const domain = `example${i % 50}.com`;
  const fd = Array.from({ length: details }, (_, k) => detail(r, i + k));
  const failures = fd.reduce((s, d) => s + (d as { 'failed-session-count': number })['failed-session-count'], 0);
  const sts = {
    policy: {
      'policy-type': 'sts',
      'policy-string': ['version: STSv1', 'mode: testing', `mx: mx1.${domain}`, `mx: mx2.${domain}`, 'max_age: 86400'],
      'policy-domain': domain,
      'mx-host': [`mx1.${domain}`, `mx2.${domain}`],
    },
    summary: { 'total-successful-session-count': Math.floor(r() * 5000), 'total-failure-session-count': failures },
    ...(fd.length > 0 ? { 'failure-details': fd } : {}),
  };
  const policies: object[] = [sts];
  if (org === 'Microsoft Corporation') {
    policies.push({ policy: { 'policy-type': 'tlsa', 'policy-string': ['["3 1 1 6007EEE553E85D8DF007A845D19EC343283D4E416E9A33F9EF3040C8B7C285BC"]'], 'policy-domain': domain }, summary: sts.summary });
  }
  return {
    'organization-name': org,
    'date-range': { 'start-datetime': `${day}T00:00:00Z`, 'end-datetime': `${day}T23:59:59Z` },
    'contact-info': `tlsrpt@${org.toLowerCase().replace(/\W/g, '')}.example`,
    'report-id': `${day}_${domain}_${i}`,
    policies,
  };
}

interface Corpus {
  readonly gz: Buffer[];
  readonly jsonBytes: number;
  readonly gzBytes: number;
}

function smallCorpus(): Corpus {
  const r = rng(8460);
  const gz: Buffer[] = [];
  let jsonBytes = 0;
  for (let i = 0; i < SMALL_REPORTS; i++) {
    const text = JSON.stringify(report(r, i, r() < 0.7 ? 0 : 1 + Math.floor(r() * 8)));
    jsonBytes += text.length;
    gz.push(zlib.gzipSync(text));
  }
  return { gz, jsonBytes, gzBytes: gz.reduce((s, b) => s + b.length, 0) };
}

function bigCorpus(): Corpus {
  const r = rng(8461);
  // About 190 bytes a detail: enough details to reach the target size.
  const text = JSON.stringify(report(r, 1, Math.round(BIG_TARGET_BYTES / 190)));
  const gz = zlib.gzipSync(text);
  return { gz: [gz], jsonBytes: text.length, gzBytes: gz.length };
}

type Candidate = (bytes: Buffer[]) => number;

/** The floor: decompress and parse, nothing else. */
const baseline: Candidate = (bytes) => {
  let n = 0;
  for (const b of bytes) {
    const v = JSON.parse(zlib.gunzipSync(b).toString('utf8')) as { policies: unknown[] };
    n += v.policies.length;
  }
  return n;
};

/** Ours: sniff, decompress with the cap, parse, normalise, aggregate into daily rollups (as the CLI does). */
const ours: Candidate = (bytes) => {
  const agg = new ReportAggregator();
  for (const b of bytes) agg.add(parseReportBody(b));
  return agg.rollups().length;
};

/** Wall time and CPU time (user + system, every thread of the process: GC helpers included) of one run, in seconds. */
function time(fn: () => number): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// tsx runs this file in a child process that does not inherit --expose-gc: turn it on here.
v8.setFlagsFromString('--expose-gc');
const gcFunction = vm.runInNewContext('gc') as () => void;

function gc(): void {
  gcFunction();
}

function compare(name: string, corpus: Corpus, rounds: number): number {
  const tb: { wall: number; cpu: number }[] = [];
  const to: { wall: number; cpu: number }[] = [];
  // Warm up both (JIT) on the whole corpus, untimed.
  baseline(corpus.gz);
  ours(corpus.gz);
  for (let i = 0; i < rounds; i++) {
    gc();
    // Alternate which one goes first, so neither always gets the warmer cache.
    if (i % 2 === 0) {
      tb.push(time(() => baseline(corpus.gz)));
      gc();
      to.push(time(() => ours(corpus.gz)));
    } else {
      to.push(time(() => ours(corpus.gz)));
      gc();
      tb.push(time(() => baseline(corpus.gz)));
    }
  }
  const mb = corpus.jsonBytes / 1e6;
  const n = corpus.gz.length;
  const b = median(tb.map((t) => t.wall));
  const o = median(to.map((t) => t.wall));
  const bCpu = median(tb.map((t) => t.cpu));
  const oCpu = median(to.map((t) => t.cpu));
  const line = (label: string, t: number): string =>
    `  ${label.padEnd(26)} ${(n / t).toFixed(0).padStart(8)} reports/s  ${(mb / t).toFixed(1).padStart(7)} MB/s of JSON  (median of ${rounds}: ${(t * 1000).toFixed(0)} ms)`;
  console.log(`${name}: ${n} report(s), ${mb.toFixed(1)} MB of JSON, ${(corpus.gzBytes / 1e6).toFixed(2)} MB gzip`);
  console.log(line('gunzipSync + JSON.parse', b));
  console.log(line('parse+normalise+aggregate', o));
  const ratio = b / o;
  console.log(`  ratio (ours / floor throughput): ${ratio.toFixed(2)}  target >= ${RATIO_TARGET}: ${ratio >= RATIO_TARGET ? 'met' : 'NOT MET'}`);
  // On a shared machine the wall-clock ratio moves with the load; CPU time (same runs) moves less.
  console.log(`  the same by CPU time: floor ${(bCpu * 1000).toFixed(0)} ms, ours ${(oCpu * 1000).toFixed(0)} ms, ratio ${(bCpu / oCpu).toFixed(2)}`);
  return ratio;
}

// ---- adversarial input: linear time -----------------------------------------------------

/** Reports whose one hostile field holds `n` characters of white space (tabs where a policy parser trims). */
const ADVERSARIAL: ReadonlyArray<readonly [string, (n: number) => string]> = [
  // Tabs between two letters: what made the policy parser's `[ \t]+$` trim quadratic.
  ['policy-string: one line of tabs', (n) => hostile({ 'policy-string': [`mode: x${'\t'.repeat(n)}y`] })],
  ['policy-string: 64 lines of tabs', (n) => hostile({ 'policy-string': Array.from({ length: 64 }, (_, i) => `k${i}: x${'\t'.repeat(Math.floor(n / 64))}y`) })],
  ['policy-string: one string of newlines', (n) => hostile({ 'policy-string': `mx: a${'\n'.repeat(n)}` })],
  ['mx-host: spaces', (n) => hostile({ 'mx-host': `${' '.repeat(n)}mx.example.com` })],
  ['count: a string of spaces', (n) => hostile({}, `${' '.repeat(n)}1x`)],
  ['start-datetime: spaces', (n) => hostileDate(`2026-11-20${' '.repeat(n)}x`)],
];

function hostile(policy: object, count: unknown = 1): string {
  return JSON.stringify({
    'organization-name': 'x',
    'date-range': { 'start-datetime': '2026-11-20T00:00:00Z', 'end-datetime': '2026-11-20T23:59:59Z' },
    'report-id': 'r',
    policies: [{ policy: { 'policy-type': 'sts', 'policy-domain': 'example.com', ...policy }, summary: { 'total-successful-session-count': count, 'total-failure-session-count': 0 } }],
  });
}

function hostileDate(start: string): string {
  return JSON.stringify({ 'date-range': { 'start-datetime': start }, policies: [{ policy: {} }] });
}

/** Each hostile report at 256 KiB, 512 KiB and 1 MiB: the time per MB stays flat when the normaliser is linear. */
function adversarial(): boolean {
  console.log('adversarial white space through the normaliser (median of 5; linear: the time per MB stays flat):');
  let linear = true;
  for (const [name, make] of ADVERSARIAL) {
    const perMb: number[] = [];
    const cells: string[] = [];
    for (const n of [256 * 1024, 512 * 1024, 1024 * 1024]) {
      const text = make(n);
      const ts: number[] = [];
      for (let i = 0; i < 5; i++) {
        ts.push(
          time(() => {
            try {
              normalizeReport(text);
            } catch {
              // A rejection is an outcome too: the time is what is measured.
            }
            return 0;
          }).wall,
        );
      }
      const t = median(ts);
      perMb.push((t * 1e6) / text.length);
      cells.push(`${(text.length / 1e6).toFixed(2)} MB ${(t * 1000).toFixed(1).padStart(6)} ms`);
    }
    // Quadratic would be 4x per MB from 256 KiB to 1 MiB; allow 2x for noise.
    const ok = perMb[2] <= 2 * perMb[0] + 0.5;
    linear &&= ok;
    console.log(`  ${name.padEnd(40)} ${cells.join('   ')}   ${ok ? 'linear' : 'NOT LINEAR'}`);
  }
  return linear;
}

// ---- child: peak memory on one report -------------------------------------------------------

function childMain(which: string, file: string): void {
  const bytes = fs.readFileSync(file);
  gc();
  const before = process.memoryUsage();
  const kept = which === 'ours' ? ours([bytes]) : baseline([bytes]);
  const afterWork = process.memoryUsage();
  gc();
  const peakRssKb = process.resourceUsage().maxRSS;
  console.log(JSON.stringify({ which, kept, startRss: before.rss, peakRss: peakRssKb * 1024, heapAfterWork: afterWork.heapUsed, heapBefore: before.heapUsed }));
}

function peakMemory(file: string, which: string): { startRss: number; peakRss: number; heapAfterWork: number; heapBefore: number } {
  const execArgv = process.execArgv.includes('--expose-gc') ? process.execArgv : [...process.execArgv, '--expose-gc'];
  const r = spawnSync(process.execPath, [...execArgv, __filename, '--child', which, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child ${which} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { startRss: number; peakRss: number; heapAfterWork: number; heapBefore: number };
}

function main(): void {
  const t0 = Date.now();
  console.log(`node ${process.version}, ${os.cpus().length} CPU(s), load average ${os.loadavg()[0].toFixed(1)}; a full GC before every timed run`);
  const small = smallCorpus();
  const big = bigCorpus();
  console.log(`corpus generated in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const r1 = compare('many small reports', small, ROUNDS_SMALL);
  console.log('');
  const r2 = compare('one big report', big, ROUNDS_BIG);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlsrpt-bench-'));
  try {
    const file = path.join(dir, 'big.json.gz');
    fs.writeFileSync(file, big.gz[0]);
    console.log(`\npeak memory on the ${(big.jsonBytes / 1e6).toFixed(1)} MB report (fresh child process each, peak RSS from the kernel):`);
    const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;
    let oursPeak = 0;
    for (const which of ['floor', 'ours']) {
      const m = peakMemory(file, which);
      console.log(
        `  ${(which === 'ours' ? 'parse+normalise+aggregate' : 'gunzipSync + JSON.parse').padEnd(26)} peak RSS ${mb(m.peakRss).padStart(7)} ` +
          `(RSS at start ${mb(m.startRss)}, +${mb(m.peakRss - m.startRss)} for the report); heap ${mb(m.heapBefore)} -> ${mb(m.heapAfterWork)} right after the work`,
      );
      if (which === 'ours') oursPeak = m.peakRss;
    }
    console.log(`  target peak RSS < ${PEAK_TARGET_MB} MB: ${oursPeak / 1048576 < PEAK_TARGET_MB ? 'met' : 'NOT MET'}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
  const linear = adversarial();
  console.log(
    `\nsummary: throughput ratio ${r1.toFixed(2)} (small reports), ${r2.toFixed(2)} (20 MB report); adversarial input ${linear ? 'linear' : 'NOT LINEAR'}; total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) childMain(process.argv[childAt + 1], process.argv[childAt + 2]);
else main();
