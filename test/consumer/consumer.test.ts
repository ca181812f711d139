// The consumer path, end to end and offline: the package as `npm pack` makes it, a project made
// by `mta-sts init`, then `tsc`, `cdk synth` and `mta-sts policy` there. The project's other
// dependencies (aws-cdk-lib, constructs, aws-cdk, tsx, typescript) are links into this
// checkout's node_modules; cdk-mta-sts itself is the extracted tarball, so anything it needs and
// does not ship (or bundle) fails here.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const ownPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const LINKED = ['aws-cdk-lib', 'constructs', 'aws-cdk', 'tsx', 'typescript', '@types/node'];

function sh(cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `npm pack` of the working tree (built by `npm test`), then `mta-sts init` and the install. */
function makeConsumer(): { dir: string; app: string; tarball: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mta-sts-consumer-'));
  const pack = sh(ROOT, 'npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir]);
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const tarball = join(dir, pack.stdout.trim().split('\n').pop()!);
  const app = join(dir, 'app');
  const init = sh(ROOT, process.execPath, [join(ROOT, 'dist', 'bin', 'mta-sts.js'), 'init', app]);
  if (init.status !== 0) throw new Error(`mta-sts init failed: ${init.stderr}`);
  const modules = join(app, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  for (const name of LINKED) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
  if (sh(dir, 'tar', ['-xzf', tarball]).status !== 0) throw new Error('cannot extract the tarball');
  renameSync(join(dir, 'package'), join(modules, 'cdk-mta-sts'));
  mkdirSync(join(modules, '.bin'));
  const bins: Record<string, string> = { 'mta-sts': '../cdk-mta-sts/dist/bin/mta-sts.js', cdk: '../aws-cdk/bin/cdk', tsx: '../tsx/dist/cli.mjs', tsc: '../typescript/bin/tsc' };
  for (const [bin, target] of Object.entries(bins)) symlinkSync(target, join(modules, '.bin', bin));
  chmodSync(join(modules, 'cdk-mta-sts', 'dist', 'bin', 'mta-sts.js'), 0o755);
  return { dir, app, tarball };
}

describe('a new project from the packed tarball', () => {
  let c: ReturnType<typeof makeConsumer>;
  const bin = (name: string) => join(c.app, 'node_modules', '.bin', name);
  const PATH = () => `${join(c.app, 'node_modules', '.bin')}:${process.env.PATH}`;
  beforeAll(() => {
    c = makeConsumer();
  }, 120_000);

  test('mta-sts init wrote the project, pinning exactly what this release is tested with', () => {
    const pkg = JSON.parse(readFileSync(join(c.app, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual({ 'aws-cdk-lib': ownPackage.devDependencies['aws-cdk-lib'], constructs: ownPackage.devDependencies.constructs, 'cdk-mta-sts': ownPackage.version });
    expect(pkg.devDependencies['aws-cdk']).toBe(ownPackage.devDependencies['aws-cdk']);
    const cdk = JSON.parse(readFileSync(join(c.app, 'cdk.json'), 'utf8'));
    expect(cdk.context.mtaSts.stages[cdk.context.mtaSts.defaultStage].mode).toBe('testing');
    expect(readdirSync(c.app).sort()).toEqual(['.gitignore', 'README.md', 'bin', 'cdk.json', 'node_modules', 'package.json', 'tsconfig.json']);
  });

  test('the package has no runtime dependency of its own: zod is bundled into dist/lib/private/zod.js', () => {
    const shipped = JSON.parse(readFileSync(join(c.app, 'node_modules', 'cdk-mta-sts', 'package.json'), 'utf8'));
    expect([shipped.dependencies, shipped.bundledDependencies]).toEqual([undefined, undefined]);
    expect(existsSync(join(c.app, 'node_modules', 'cdk-mta-sts', 'node_modules'))).toBe(false);
    const zod = readFileSync(join(c.app, 'node_modules', 'cdk-mta-sts', 'dist', 'lib', 'private', 'zod.js'), 'utf8');
    expect(zod).not.toMatch(/require\(["']zod/);
    expect(existsSync(join(c.app, 'node_modules', 'cdk-mta-sts', 'LICENSE'))).toBe(true);
  });

  test('the compiled CLI, checker, plan and handler sources stay out of the package (the CLI and the handlers ship bundled)', () => {
    const lib = join(c.app, 'node_modules', 'cdk-mta-sts', 'dist', 'lib');
    expect(['cli', 'check', 'handlers', 'plan', 'net'].filter((d) => existsSync(join(lib, d)))).toEqual([]);
    expect(existsSync(join(lib, 'constructs', 'mta-sts.js'))).toBe(true);
    expect(existsSync(join(c.app, 'node_modules', 'cdk-mta-sts', 'dist', 'bin', 'mta-sts.js'))).toBe(true);
  });

  test('the scaffolded bin/app.ts type-checks against the published types', () => {
    const r = sh(c.app, process.execPath, [bin('tsc'), '-p', '.']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('npx cdk synth synthesizes the default stage, offline, with its stack outputs', () => {
    const r = sh(c.app, process.execPath, [bin('cdk'), 'synth', '-q'], { PATH: PATH(), CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const template = JSON.parse(readFileSync(join(c.app, 'cdk.out', 'MtaStsProdExampleCom.template.json'), 'utf8'));
    expect(Object.values(template.Resources).map((x) => (x as { Type: string }).Type)).toContain('AWS::CloudFront::Distribution');
  });

  test('npx mta-sts policy --json reads the project cdk.json and prints the testing policy', () => {
    const r = sh(c.app, bin('mta-sts'), ['policy', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [domain] = JSON.parse(r.stdout);
    expect(domain).toMatchObject({ domain: 'example.com', stage: 'prod', mode: 'testing' });
    expect(domain.policyText).toBe('version: STSv1\r\nmode: testing\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 86400\r\n');
  });

  test('npx mta-sts --version prints the package version', () => {
    const r = sh(c.app, bin('mta-sts'), ['--version']);
    expect(r.stdout).toBe(`${ownPackage.version}\n`);
  });

  test('cdk-mta-sts/core loads from the project (the bundled core) with its free functions', () => {
    const r = sh(c.app, process.execPath, ['-e', "const c = require('cdk-mta-sts/core'); console.log(typeof c.parsePolicy, typeof c.renderMtaStsRecord, typeof require('cdk-mta-sts').MtaSts)"]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function');
  });
});
