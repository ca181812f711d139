// Bundles, when the package is built, the two entry points whose libraries are not the
// constructs' (so the package's runtime dependencies stay what the constructs need):
//   dist/bin/mta-sts.js   the CLI, with commander, the AWS SDK clients and the report core inside
//   dist/core/index.js    the pure core (`cdk-mta-sts/core`), with mailparser, mailauth, tldts and
//                         fflate inside; its types are tsc's dist/lib/core.d.ts
// aws-cdk-lib and constructs stay external (peer dependencies of the package).
import { build } from 'esbuild';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  legalComments: 'none',
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
  logLevel: 'warning',
};
await build({ ...common, entryPoints: [join(root, 'bin', 'mta-sts.ts')], outfile: join(root, 'dist', 'bin', 'mta-sts.js'), minify: true });
await build({ ...common, entryPoints: [join(root, 'lib', 'core.ts')], outfile: join(root, 'dist', 'core', 'index.js') });
console.log('bundled the CLI (dist/bin/mta-sts.js) and the core (dist/core/index.js)');
