// Bundles each Lambda handler (lib/handlers/<name>.ts) into assets/<name>/index.js with esbuild,
// when the package is built, so that consumers' synths never bundle. @aws-sdk/* stays external:
// the Lambda Node.js runtime provides it.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'lib', 'handlers');
const names = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3));
rmSync(join(root, 'assets'), { recursive: true, force: true });
for (const name of names) {
  await build({
    entryPoints: [join(dir, `${name}.ts`)],
    outfile: join(root, 'assets', name, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  });
}
console.log(`bundled ${names.length} handler(s): ${names.join(', ') || '(none)'}`);
