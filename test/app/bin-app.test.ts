import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const shipped = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context;

/** Runs bin/app.ts the way the cdk CLI does: context in CDK_CONTEXT_JSON, output dir in CDK_OUTDIR. */
function runApp(context: Record<string, unknown>) {
  const outdir = mkdtempSync(join(tmpdir(), 'mta-sts-app-'));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'bin', 'app.ts')], {
    cwd: ROOT,
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stderr: r.stderr, outdir };
}

describe('bin/app.ts', () => {
  test('synthesizes the selected stage of the shipped config', () => {
    const r = runApp({ ...shipped, stage: 'prod' });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    expect(existsSync(join(r.outdir, 'MtaStsProdExampleCom.template.json'))).toBe(true);
    expect(existsSync(join(r.outdir, 'MtaStsProdExampleComCertificates.template.json'))).toBe(true);
  });

  test('a stage not in the config: one line naming the stages, exit 1, no stack trace', () => {
    const r = runApp({ ...shipped, stage: 'qa' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('cdk-mta-sts: stage "qa" is not in mtaSts.stages; known stages: dev, prod\n');
  });

  test('a config value of the wrong type: the JSON path, the value, exit 1', () => {
    const broken = JSON.parse(JSON.stringify(shipped));
    broken.mtaSts.domains['example.com'].mx = 'mx1.example.com';
    const r = runApp(broken);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('cdk-mta-sts: mtaSts.domains["example.com"].mx: expected an array, got "mx1.example.com"\n');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
