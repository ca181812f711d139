// What loading the construct library loads: the package's runtime dependencies are only what the
// constructs need (aws-cdk-lib and constructs, peers; zod, which the build bundles into the package,
// through lib/private/zod.ts only). The AWS SDK is the handlers' and the CLI's
// (a devDependency, not installed in a consumer's project): a construct module that imports it,
// even for one string helper, breaks `require('cdk-mta-sts')` there and slows every synth.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const LIB = join(__dirname, '..', '..', 'lib');
const ALLOWED = /^(aws-cdk-lib(\/.*)?|constructs|zod(\/.*)?|node:.*)$/;

/** Every module specifier `file` loads at run time (type-only imports and exports left out). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
    if (m[1] === undefined) out.push(m[2]);
  }
  return out;
}

/** The package specifiers reachable from `entry` through relative imports, with the path to each. */
function reachablePackages(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string, path: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of specifiers(file)) {
      if (!s.startsWith('.')) {
        if (!packages.has(s)) packages.set(s, [...path, file]);
        continue;
      }
      const base = resolve(dirname(file), s);
      const next = [`${base}.ts`, join(base, 'index.ts')].find(existsSync);
      if (next) visit(next, [...path, file]);
    }
  };
  visit(entry, []);
  return packages;
}

describe('the construct library', () => {
  // lib/index.ts is compiled, not bundled (jsii): what it imports must be installed beside it.
  // (The pure core at cdk-mta-sts/core is bundled with its dependencies, so it is not checked here.)
  test('lib/index.ts loads only aws-cdk-lib, constructs, zod and node built-ins', () => {
    const found = reachablePackages(join(LIB, 'index.ts'));
    const bad = [...found].filter(([s]) => !ALLOWED.test(s)).map(([s, path]) => `${s} via ${[...path.map((p) => p.slice(LIB.length - 3))].join(' -> ')}`);
    expect(bad).toEqual([]);
    expect(found.has('aws-cdk-lib')).toBe(true);
    expect(found.has('zod')).toBe(true);
    // zod only through its one module, which the build replaces with a bundle.
    expect(found.get('zod')!.at(-1)).toBe(join(LIB, 'private', 'zod.ts'));
  });
});
