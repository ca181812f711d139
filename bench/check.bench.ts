// Benchmark: `mta-sts check` starts without loading what it does not use (first figure), and
// probes MX hosts in parallel, each with its own time budget, so a
// black-holed host costs one budget instead of delaying every host after it.
//
// Set-up, all on loopback in this process: a DNS server, an HTTPS policy host, and five MX hosts
// (four that do STARTTLS, one that accepts the connection and never greets), then the same with
// three black-holed hosts. Per-host budget 1 s.
// Candidates, alternated in each round:
//   check      checkDomain(): DNS, the policy fetch and the MX probes (in parallel)
//   parallel   probeMxHosts(): the five MX probes at once
//   serial     probeMxHost() on each host, one after the other (what a naive checker does)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkDomain } from '../lib/check/check-domain';
import { resolveCheckOptions } from '../lib/check/check-options';
import { reportFindings } from '../lib/check/check-report';
import { DnsLookup } from '../lib/check/dns-lookup';
import { MxTarget, probeMxHost, probeMxHosts } from '../lib/check/smtp-probe';
import { Lab, LabMx } from '../test/check/servers/lab';

const ROUNDS = 3;
const BUDGET_MS = 1000;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Scenario {
  readonly domain: string;
  readonly hosts: [string, LabMx][];
  readonly rounds: number;
}

async function runScenario(lab: Lab, scenario: Scenario): Promise<void> {
  const { domain, hosts, rounds } = scenario;
  lab.domain(domain, { mx: hosts });
  const options = lab.options({ smtpTimeoutMs: BUDGET_MS });
  const resolved = resolveCheckOptions(options);
  const targets: MxTarget[] = hosts.map(([host], i) => ({ host, priority: 10 * (i + 1) }));
  const silent = hosts.filter(([, m]) => m === LabMx.SILENT).map(([h]) => h);

  // Sanity: exactly the black-holed hosts time out, the others pass.
  const report = await checkDomain(domain, options);
  const timeouts = reportFindings(report).filter((f) => f.code === 'mx-timeout').map((f) => f.field);
  if (JSON.stringify(timeouts) !== JSON.stringify(silent) || reportFindings(report).some((f) => f.severity === 'error' && f.code !== 'mx-timeout')) {
    throw new Error(`unexpected set-up: ${JSON.stringify(reportFindings(report))}`);
  }

  const results: Record<'check' | 'parallel' | 'serial', number[]> = { check: [], parallel: [], serial: [] };
  for (let round = 0; round < rounds; round++) {
    const lookup = new DnsLookup(resolved);
    results.check.push(await time(() => checkDomain(domain, options)));
    results.parallel.push(await time(() => probeMxHosts(targets, lookup, resolved)));
    results.serial.push(
      await time(async () => {
        for (const t of targets) await probeMxHost(t, lookup, resolved);
      }),
    );
  }

  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0).padStart(5)).join(' ');
  const good = hosts.length - silent.length;
  console.log(`\n${hosts.length} MX hosts, ${silent.length} black-holed, per-host budget ${BUDGET_MS} ms, ${rounds} rounds (ms each round):`);
  console.log(`  check     (full checkDomain)     ${fmt(results.check)}   median ${median(results.check).toFixed(0)} ms`);
  console.log(`  parallel  (probeMxHosts)         ${fmt(results.parallel)}   median ${median(results.parallel).toFixed(0)} ms`);
  console.log(`  serial    (probeMxHost x ${hosts.length})      ${fmt(results.serial)}   median ${median(results.serial).toFixed(0)} ms`);
  const p = median(results.parallel);
  const q = median(results.serial);
  const perGood = Math.max(0, (q - silent.length * BUDGET_MS) / good);
  console.log(`  ratio parallel/serial = ${(p / q).toFixed(2)}, check/serial = ${(median(results.check) / q).toFixed(2)}`);
  console.log(
    `  meaning: parallel stays at one budget (${p.toFixed(0)} ms ≈ ${BUDGET_MS} ms); serial pays ${silent.length} budget(s) plus ${good} good ` +
      `host(s) at ~${perGood.toFixed(0)} ms each here, so ratio ≈ 1/(${silent.length} + ${good}×${perGood.toFixed(0)}/${BUDGET_MS}) = ` +
      `${(BUDGET_MS / (silent.length * BUDGET_MS + good * perGood)).toFixed(2)}.`,
  );
}

/**
 * `check` start-up, side by side: a fresh node process runs `check --help` with every command
 * module loaded (how the CLI started before: the AWS SDK, mailparser and the report core too)
 * and with only the check command's module (how it starts now); then the shipped dist/bin.
 */
function startupScenario(rounds: number): void {
  const root = join(__dirname, '..');
  if (!existsSync(join(root, 'dist', 'lib', 'cli', 'program.js'))) {
    console.log('\ncheck start-up: skipped, dist/ is not built (npm run build)');
    return;
  }
  const run = (mod: string) => `require('./dist/lib/cli/${mod}').runCli(['check', '--help'], { out() {}, err() {} })`;
  const candidates: [string, string[]][] = [
    ['every module (before)', ['-e', run('index.js')]],
    ['check module only (now)', ['-e', run('program.js')]],
    ['dist/bin/mta-sts.js check --help', [join('dist', 'bin', 'mta-sts.js'), 'check', '--help']],
    ['node -e 0 (the floor)', ['-e', '0']],
  ];
  const times = candidates.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    candidates.forEach(([, args], i) => {
      const start = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0) throw new Error(`${candidates[i][0]} failed: ${r.stderr}`);
      times[i].push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  console.log(`\ncheck start-up, a fresh node process each, ${rounds} rounds alternated (median ms):`);
  candidates.forEach(([name], i) => console.log(`  ${name.padEnd(34)} ${median(times[i]).toFixed(0).padStart(5)} ms`));
  const floor = median(times[3]);
  const [before, now] = [median(times[0]) - floor, median(times[1]) - floor];
  console.log(`  ratio now/before = ${(median(times[1]) / median(times[0])).toFixed(2)}; above the floor ${now.toFixed(0)} ms vs ${before.toFixed(0)} ms (${(now / before).toFixed(2)})`);
}

async function main(): Promise<void> {
  startupScenario(9);
  const lab = await new Lab().start();
  try {
    await runScenario(lab, {
      domain: 'bench.test',
      rounds: ROUNDS,
      hosts: [
        ['mx1.bench.test', LabMx.GOOD],
        ['mx2.bench.test', LabMx.GOOD],
        ['mx3.bench.test', LabMx.SILENT],
        ['mx4.bench.test', LabMx.GOOD],
        ['mx5.bench.test', LabMx.GOOD],
      ],
    });
    await runScenario(lab, {
      domain: 'bench3.test',
      rounds: 2,
      hosts: [
        ['mx1.bench3.test', LabMx.GOOD],
        ['mx2.bench3.test', LabMx.SILENT],
        ['mx3.bench3.test', LabMx.SILENT],
        ['mx4.bench3.test', LabMx.SILENT],
        ['mx5.bench3.test', LabMx.GOOD],
      ],
    });
    console.log(
      '\nWhat it means: a black-holed MX costs one budget per host checked one after the other, but one budget in all ' +
        'when the hosts are checked at the same time, so `mta-sts check` answers in about one per-host budget (15 s by ' +
        'default) however many MX hosts are dead; a serial checker would take that budget once per dead host, plus every ' +
        'good host in turn (hundreds of ms each over the Internet rather than the few ms of loopback).',
    );
  } finally {
    await lab.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
