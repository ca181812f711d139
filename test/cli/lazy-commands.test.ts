import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// `check` loads only what it uses: not the AWS SDK, not the report parsers (0.3 s of CPU at
// start when every command module was loaded). The start-up time is in bench/check.bench.ts.

const ROOT = join(__dirname, '..', '..');

/** The files a fresh node process has loaded after `mta-sts <argv>` (run through tsx). */
function loadedAfter(argv: string[]): string[] {
  const script = `require('./lib/cli/program').runCli(${JSON.stringify(argv)}, { out() {}, err() {} }).then((code) => process.stdout.write(JSON.stringify({ code, files: Object.keys(require.cache) })))`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return (JSON.parse(r.stdout) as { files: string[] }).files;
}

test('check loads its own module and none of the AWS SDK, mailparser, mailauth or the reports command', () => {
  const files = loadedAfter(['check', '--help']);
  expect(files.some((f) => f.endsWith(join('lib', 'cli', 'check-command.ts')))).toBe(true);
  const heavy = files.filter((f) => /[\\/](@aws-sdk|mailparser|mailauth)[\\/]|reports-command|plan-command/.test(f));
  expect(heavy).toEqual([]);
}, 60_000);

test('top-level help loads every command, so all of them are listed', () => {
  const files = loadedAfter(['--help']);
  for (const m of ['policy-command', 'check-command', 'reports-command', 'plan-command']) {
    expect(files.some((f) => f.includes(m))).toBe(true);
  }
}, 60_000);
