// The size of each Lambda bundle built by `npm run build` (assets/<handler>/index.js), raw and
// gzipped (what Lambda stores), against Lambda's 50 MB zipped / 250 MB unzipped limits.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const assets = join(__dirname, '..', 'assets');
if (!existsSync(assets)) {
  console.log('no assets/ folder: run `npm run build` first');
  process.exit(1);
}
console.log('Lambda bundles (esbuild, minified, @aws-sdk/* from the runtime):');
for (const name of readdirSync(assets).sort()) {
  const code = readFileSync(join(assets, name, 'index.js'));
  const gz = gzipSync(code, { level: 9 }).length;
  console.log(`  ${name.padEnd(26)} ${(code.length / 1024).toFixed(1).padStart(8)} KiB   gzip ${(gz / 1024).toFixed(1).padStart(7)} KiB   (${((gz / (50 * 1024 * 1024)) * 100).toFixed(2)}% of the 50 MB zipped limit)`);
}
