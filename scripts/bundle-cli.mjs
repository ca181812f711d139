// Bundles, when the package is built, the two entry points whose libraries are not the
// constructs' (so the package's runtime dependencies stay what the constructs need), and zod:
//   dist/bin/mta-sts.js   the CLI, with commander, the AWS SDK clients and the report core inside
//   dist/core/index.js    the pure core (`cdk-mta-sts/core`), with mailparser, mailauth, tldts and
//                         fflate inside; its types are tsc's dist/lib/core.d.ts
//   dist/lib/private/zod.js  zod, for the stage config's schema (see lib/private/zod.ts)
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
// zod, inside the package (see lib/private/zod.ts): replaces the compiled re-export. Run again
// after jsii, which compiles dist/lib anew (package.json's prepack).
await build({ ...common, stdin: { contents: "export { z } from 'zod';", resolveDir: root, loader: 'ts' }, outfile: join(root, 'dist', 'lib', 'private', 'zod.js'), minify: true });
console.log('bundled the CLI (dist/bin/mta-sts.js), the core (dist/core/index.js) and zod (dist/lib/private/zod.js)');
