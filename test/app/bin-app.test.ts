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

  test('stack groups "Main" and "main": one line naming both, not CDK\'s "There is already a Construct"', () => {
    const broken = JSON.parse(JSON.stringify(shipped));
    broken.mtaSts.domains['example.com'].stack = 'Main';
    broken.mtaSts.domains['dev.example.com'].stack = 'main';
    broken.mtaSts.stages.prod.domains['dev.example.com'] = {};
    const r = runApp({ ...broken, stage: 'prod' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^cdk-mta-sts: mtaSts.stages.prod: stack group "Main" \(example.com\) and stack group "main" \(dev.example.com\) would make the same stack MtaStsProdMain .*\n$/);
    expect(r.stderr).not.toMatch(/There is already a Construct|\n\s+at /);
  });

  test('45 domains in one stack group: the group, the count and the fix, not CDK\'s TooManyResourcesInStack', () => {
    const many = JSON.parse(JSON.stringify(shipped));
    for (let i = 0; i < 45; i++) {
      many.mtaSts.domains[`d${i}.example.com`] = { hostedZoneId: 'Z0PRD0EXAMPLE0ZONE', hostedZoneName: 'example.com', mx: ['mx1.example.com'], tlsRpt: ['mailto:tlsrpt@example.com'], stack: 'Bulk' };
    }
    many.mtaSts.stages.all = { account: '333333333333', region: 'us-east-1', mode: 'testing' };
    const r = runApp({ ...many, stage: 'all' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^cdk-mta-sts: mtaSts.stages.all: stack group "Bulk" has 45 domains, which make about 506 resources in stack MtaStsAllBulk, more than the 500 CloudFormation allows in a stack: move domains of this group to another one with their "stack" key in mtaSts.domains \(the first 44 fit in one stack\)\n$/);
    expect(r.stderr).not.toMatch(/TooManyResourcesInStack|\n\s+at /);
  });
});
