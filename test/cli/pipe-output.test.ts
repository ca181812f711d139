import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../lib/cli/policy-command';
import { runCli } from '../../lib/cli/program';

// The CLI as a user runs it, its stdout piped into a slow reader: with process.exit() right after
// writing, everything past the pipe's 64 KiB buffer was lost (with exit 0).

const ROOT = join(__dirname, '..', '..');
const DOMAINS = 2500;

let dir: string;
let config: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mta-sts-pipe-'));
  config = join(dir, 'cdk.json');
  const names = Array.from({ length: DOMAINS }, (_, i) => `d${i}.example.com`);
  const mtaSts = {
    defaultStage: 'big',
    // Stack groups of 50 on a shared hosting: a dedicated stage is refused above 100 domains, and a stack a domain above 1000 IAM roles.
    domains: Object.fromEntries(names.map((n, i) => [n, { hostedZoneId: 'Z0EXAMPLE0ZONE', hostedZoneName: 'example.com', mx: [`mx1.${n}`, `*.mx.${n}`], tlsRpt: ['mailto:tlsrpt@example.com'], stack: `g${Math.floor(i / 50)}` }])),
    stages: { big: { account: '111111111111', region: 'us-east-1', mode: 'testing', hosting: 'shared', domains: Object.fromEntries(names.map((n) => [n, {}])) } },
  };
  writeFileSync(config, JSON.stringify({ app: 'true', context: { mtaSts } }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs bin/mta-sts.ts under tsx; the reader waits before it reads, so the pipe fills up. */
function spawnCli(args: string[]): Promise<{ code: number | null; out: Buffer; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'mta-sts.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 500);
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: Buffer.concat(chunks), err }));
  });
}

test('policy --json over a large config: every byte of more than 1 MB arrives through a pipe, exit 0', async () => {
  let expected = '';
  expect(await runCli(['policy', '--config', config, '--json'], { out: (s) => (expected += s), err: () => undefined })).toBe(0);
  expect(Buffer.byteLength(expected)).toBeGreaterThan(1024 * 1024);

  const r = await spawnCli(['policy', '--config', config, '--json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out.length).toBe(Buffer.byteLength(expected));
  expect(r.out.toString('utf8')).toBe(expected);
  expect(JSON.parse(r.out.toString('utf8'))).toHaveLength(DOMAINS);
}, 60_000);

test('an error still ends with its exit code and message through a pipe', async () => {
  const r = await spawnCli(['policy', '--config', join(dir, 'missing.json')]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/^mta-sts: .*missing\.json/);
}, 60_000);
