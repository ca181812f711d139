// The README's Python example, run: the package jsii-pacmak generates is installed offline
// (pip --no-index, into a temporary folder) and the README's ```python block synthesizes with the
// jsii Python runtime. Needs an interpreter where `import jsii, aws_cdk` works (MTA_STS_PYTHON,
// default python3); where there is none, the suite is skipped and says why and how to get one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildJsii, copyPackage, JSII_ENV, ROOT, Run, runTool } from './jsii-copy';

const PYTHON = process.env.MTA_STS_PYTHON ?? 'python3';

function runPython(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Run {
  const r = spawnSync(PYTHON, args, { cwd: options.cwd, env: options.env ?? JSII_ENV, encoding: 'utf8', timeout: options.timeoutMs ?? 30_000 });
  return { status: r.status, output: `${r.stdout ?? ''}\n${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

const GET_IT =
  'To run it: `python3 -m pip install "jsii>=1.140,<2" aws-cdk-lib constructs publication typeguard wheel` on a machine that reaches PyPI ' +
  '(or point MTA_STS_PYTHON at an interpreter that has them), then `npx jest test/consumer/python.test.ts`';

/** Why the smoke test cannot run here, or undefined when the jsii Python runtime is importable. */
function missingRuntime(): string | undefined {
  const probe = runPython(['-c', 'import jsii, aws_cdk, constructs']);
  if (probe.status !== 0) {
    const why = /No module named '?([\w.]+)'?/.exec(probe.output)?.[1] ?? probe.output.trim().split('\n').pop();
    return `${PYTHON} cannot import the jsii Python runtime (${why ? `no module ${why}` : 'no interpreter'}): jsii, aws-cdk-lib and constructs come from PyPI only (Debian packages none of them, and the CI machine cannot reach PyPI). ${GET_IT}`;
  }
  // pip builds the generated package (setup.py) without fetching anything: setuptools must make wheels.
  const build = runPython(['-c', "import importlib.util as u, sys; sys.exit(0 if u.find_spec('wheel') or u.find_spec('setuptools.command.bdist_wheel') else 1)"]);
  return build.status === 0 ? undefined : `${PYTHON} has the jsii runtime but cannot build a wheel offline (no wheel package, setuptools before 70.1). ${GET_IT}`;
}

/** The README's first ```python block. */
function readmePython(readme: string): string {
  const block = /^```python\n([\s\S]*?)\n```$/m.exec(readme);
  if (!block) throw new Error('README.md has no ```python block');
  return block[1];
}

const missing = missingRuntime();
if (missing) {
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED: the Python smoke test of the README example: ${missing}`);
}
const describePython = missing ? describe.skip : describe;

describePython('Python (jsii runtime)', () => {
  let work: string;
  let install: Run;
  beforeAll(() => {
    const pkg = copyPackage('mta-sts-python-');
    const jsii = buildJsii(pkg);
    if (jsii.status !== 0) throw new Error(`jsii failed:\n${jsii.output}`);
    const out = join(pkg, 'packages');
    const pacmak = runTool(pkg, 'jsii-pacmak/bin/jsii-pacmak', ['--code-only', '--no-npmignore', '--targets', 'python', '--outdir', out]);
    if (pacmak.status !== 0) throw new Error(`jsii-pacmak failed:\n${pacmak.output}`);
    work = mkdtempSync(join(tmpdir(), 'mta-sts-python-app-'));
    // Offline and without dependencies: jsii, aws-cdk-lib and constructs are the interpreter's own.
    install = runPython(['-m', 'pip', 'install', '--no-index', '--no-deps', '--no-build-isolation', '--disable-pip-version-check', '--target', join(work, 'site'), join(out, 'python')], { timeoutMs: 240_000 });
  }, 400_000);

  test('the generated package installs offline', () => {
    expect(install.output).not.toMatch(/^ERROR/m);
    expect(install.status).toBe(0);
  });

  test("the README's Python example synthesizes the MtaSts resources", () => {
    writeFileSync(join(work, 'app.py'), readmePython(readFileSync(join(ROOT, 'README.md'), 'utf8')));
    const cdkOut = join(work, 'cdk.out');
    const run = runPython(['app.py'], { cwd: work, env: { ...JSII_ENV, PYTHONPATH: join(work, 'site'), CDK_OUTDIR: cdkOut }, timeoutMs: 240_000 });
    expect(run.output).not.toMatch(/Traceback/);
    expect(run.status).toBe(0);

    const template = JSON.parse(readFileSync(join(cdkOut, 'MailPolicy.template.json'), 'utf8'));
    const resources = Object.values(template.Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>);
    const txt = resources.filter((r) => r.Type === 'AWS::Route53::RecordSet' && r.Properties?.Type === 'TXT').map((r) => [r.Properties!.Name, JSON.stringify(r.Properties!.ResourceRecords)]);
    expect(txt).toEqual(
      expect.arrayContaining([
        ['_mta-sts.example.com.', expect.stringMatching(/v=STSv1; id=[0-9a-f]{32}/)],
        ['_smtp._tls.example.com.', expect.stringContaining('v=TLSRPTv1; rua=mailto:tlsrpt@example.com')],
      ]),
    );
    const distribution = resources.find((r) => r.Type === 'AWS::CloudFront::Distribution');
    expect(JSON.stringify(distribution?.Properties)).toContain('mta-sts.example.com');
    expect(resources.map((r) => r.Type)).toEqual(expect.arrayContaining(['AWS::S3::Bucket', 'AWS::CertificateManager::Certificate', 'Custom::MtaStsPolicy']));
  }, 300_000);
});
