// The one import of zod in the library, so that the build can put zod inside the package: the
// build replaces this module's compiled form, dist/lib/private/zod.js, with an esbuild bundle of
// zod (scripts/bundle-cli.mjs). Measured: zod as its ~100 files takes 55 to 170 ms of CPU to load
// on every synth, bundled and minified 25 to 35 ms; and the package then has no runtime
// dependency of its own (aws-cdk-lib and constructs are peers). Types come from zod itself.
export { z } from 'zod';
