// The construct API builds with jsii and jsii-pacmak generates Python, Java, .NET and Go code
// without any of those toolchains (`--code-only`). Runs in a temporary copy of the package so the
// working tree's dist/ and .jsii are left as they are.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '1', JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' };

function run(cwd: string, cmd: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', cmd), ...args], { cwd, env, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

/** A copy of what jsii reads: the sources, the package metadata (without lifecycle scripts) and the configs. */
function copyPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mta-sts-jsii-'));
  for (const f of ['lib', 'assets', 'tsconfig.json', 'tsconfig.jsii.json', 'LICENSE', 'README.md']) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  pkg.scripts = {};
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

describe('jsii', () => {
  let dir: string;
  let jsii: { status: number | null; output: string };
  beforeAll(() => {
    dir = copyPackage();
    jsii = run(dir, 'jsii/bin/jsii', ['--silence-warnings', 'reserved-word', '--silence-warnings', 'missing-dev-dependency']);
  }, 240_000);

  test('jsii compiles the construct API with no error and writes .jsii with the constructs', () => {
    expect(jsii.output).not.toMatch(/error JSII/);
    expect(jsii.status).toBe(0);
    const assembly = JSON.parse(readFileSync(join(dir, '.jsii'), 'utf8'));
    expect(Object.keys(assembly.types)).toEqual(
      expect.arrayContaining(['cdk-mta-sts.MtaSts', 'cdk-mta-sts.MtaStsProps', 'cdk-mta-sts.TlsRptCollector', 'cdk-mta-sts.MtaStsCertificate', 'cdk-mta-sts.MtaStsStages', 'cdk-mta-sts.MtaStsMode', 'cdk-mta-sts.TlsRptDestination']),
    );
    // The core's free functions are not part of it (they are TypeScript-only, at cdk-mta-sts/core).
    expect(JSON.stringify(assembly.types)).not.toMatch(/"parsePolicy"/);
  });

  test('jsii-pacmak generates Python, Java, .NET and Go code offline (--code-only)', () => {
    expect(jsii.status).toBe(0);
    const out = join(dir, 'packages');
    const r = run(dir, 'jsii-pacmak/bin/jsii-pacmak', ['--code-only', '--no-npmignore', '--targets', 'python', 'java', 'dotnet', 'go', '--outdir', out]);
    expect(r.output).not.toMatch(/\bError\b/);
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(expect.arrayContaining(['dotnet', 'go', 'java', 'python']));
    const init = readdirSync(join(out, 'python', 'src', 'cdk_mta_sts'));
    expect(init).toContain('__init__.py');
    expect(readFileSync(join(out, 'python', 'src', 'cdk_mta_sts', '__init__.py'), 'utf8')).toMatch(/class MtaSts\(/);
    expect(existsSync(join(out, 'go'))).toBe(true);
  });
});
