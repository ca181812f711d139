// A temporary copy of what jsii reads (the sources, the package metadata without lifecycle
// scripts, the configs), so the jsii tools never write into the working tree's dist/ or .jsii.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');

/** The environment of the jsii tools: without their Node-version banners. */
export const JSII_ENV = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '1', JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' };

/** The outcome of a command: its exit status and its stdout and stderr together. */
export interface Run {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a script of node_modules (for example `jsii/bin/jsii`) with Node in `cwd`. */
export function runTool(cwd: string, script: string, args: string[], timeoutMs = 240_000): Run {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', script), ...args], { cwd, env: JSII_ENV, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}${r.error ? `\n${r.error.message}` : ''}` };
}

/**
 * Copies the package into a new temporary folder (node_modules linked, not copied).
 *
 * @param prefix the folder name's prefix
 * @param extra more top-level paths to copy (for example `rosetta`)
 * @param readme a rewrite of the README.md of the copy
 */
export function copyPackage(prefix: string, extra: string[] = [], readme: (text: string) => string = (t) => t): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const f of ['lib', 'assets', 'tsconfig.json', 'tsconfig.jsii.json', 'LICENSE', ...extra]) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  writeFileSync(join(dir, 'README.md'), readme(readFileSync(join(ROOT, 'README.md'), 'utf8')));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  pkg.scripts = {};
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Builds the copy in `dir` with jsii (writes `dir/.jsii`). */
export function buildJsii(dir: string): Run {
  return runTool(dir, 'jsii/bin/jsii', ['--silence-warnings', 'reserved-word', '--silence-warnings', 'missing-dev-dependency']);
}
