// Benchmark: the policy and TXT parsers on adversarial white space stay linear.
//
// Each input holds one long run of tabs and spaces that is NOT at the end of its line or next to
// a separator: the shape that made the old regexes (/^[ \t]+|[ \t]+$/, /[ \t]*;[ \t]*/,
// /[ \t]*,[ \t]*/) rescan the run from every position in it (100 000 tabs: 32 s). Inputs of
// 0.25, 0.5 and 1 MB go through each parser side by side; linear time doubles per doubling
// (ratio ≈ 2), quadratic quadruples (≈ 4). The old regexes are timed too, on 4, 8 and 16 KB
// only (at 1 MB they would run for an hour).
import { parsePolicy } from '../lib/policy/policy-parse';
import { parseMtaStsRecords, parseTlsRptRecords } from '../lib/policy/records';

const MB = 1024 * 1024;
const ROUNDS = 5;

function wsp(bytes: number): string {
  return ' \t'.repeat(Math.ceil(bytes / 2)).slice(0, bytes);
}

interface Parser {
  readonly name: string;
  readonly input: (bytes: number) => string;
  readonly run: (input: string) => unknown;
  /** Checks the result, so the benchmark times a parse that worked. */
  readonly check: (result: unknown) => boolean;
}

const PARSERS: Parser[] = [
  {
    name: 'policy body (mx: <WSP>x)',
    input: (n) => `version: STSv1\r\nmode: testing\r\nmx:${wsp(n)}x.example.com\r\nmax_age: 86400\r\n`,
    run: parsePolicy,
    check: (r) => (r as ReturnType<typeof parsePolicy>).mx[0] === 'x.example.com',
  },
  {
    name: '_mta-sts TXT (id=a<WSP>x;)',
    input: (n) => `v=STSv1; id=a${wsp(n)}x;`,
    run: (t) => parseMtaStsRecords([[t]]),
    check: (r) => (r as ReturnType<typeof parseMtaStsRecords>).findings.some((f) => f.code === 'txt-field-malformed'),
  },
  {
    name: '_smtp._tls TXT rua list (<WSP>x)',
    input: (n) => `v=TLSRPTv1; rua=mailto:a@example.com${wsp(n)}x,mailto:b@example.com`,
    run: (t) => parseTlsRptRecords([[t]]),
    check: (r) => (r as ReturnType<typeof parseTlsRptRecords>).findings.length > 0,
  },
];

/** The regexes the parsers used before, on the same inputs. */
const OLD: { name: string; run: (input: string) => unknown }[] = [
  { name: 'old /^[ \\t]+|[ \\t]+$/g', run: (t) => t.replace(/^[ \t]+|[ \t]+$/g, '') },
  { name: 'old /[ \\t]*;[ \\t]*/', run: (t) => t.split(/[ \t]*;[ \t]*/) },
  { name: 'old /[ \\t]*,[ \\t]*/g', run: (t) => t.replace(/[ \t]*,[ \t]*/g, ',') },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeMs(fn: () => unknown, rounds: number): number {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

function row(name: string, sizes: number[], run: (bytes: number) => number): void {
  const ms = sizes.map(run);
  const cells = sizes.map((b, i) => `${(b / MB).toFixed(b < 0.1 * MB ? 4 : 2)} MB ${ms[i].toFixed(2).padStart(8)} ms (${(ms[i] / (b / MB)).toFixed(1).padStart(7)} ms/MB)`);
  const ratios = ms.slice(1).map((m, i) => (m / ms[i]).toFixed(2)).join(', ');
  console.log(`  ${name.padEnd(34)} ${cells.join('  ')}  ratio per doubling ${ratios}`);
}

const sizes = [0.25 * MB, 0.5 * MB, 1 * MB];
console.log(`\nAdversarial white space through each parser, median of ${ROUNDS} rounds (linear: ratio ≈ 2 per doubling):`);
for (const p of PARSERS) {
  const warm = p.input(64 * 1024);
  for (let i = 0; i < 20; i++) p.run(warm);
  row(p.name, sizes, (bytes) => {
    const input = p.input(bytes);
    if (!p.check(p.run(input))) throw new Error(`${p.name}: unexpected result on ${bytes} bytes`);
    return timeMs(() => p.run(input), ROUNDS);
  });
}

const small = [4 * 1024, 8 * 1024, 16 * 1024];
console.log('\nThe old regexes on the same shape, 4 to 16 KB (quadratic: ratio ≈ 4 per doubling):');
for (const [i, o] of OLD.entries()) {
  const input = PARSERS[i].input;
  row(o.name, small, (bytes) => {
    const text = input(bytes);
    return timeMs(() => o.run(text), 3);
  });
}
