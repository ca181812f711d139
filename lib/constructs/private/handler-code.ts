import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The bundled code of handler `name` (built into `assets/<name>/` by `npm run build`). Found by
 * walking up from this file, so it works from the TypeScript sources and from `dist/`.
 */
export function handlerCode(name: string): lambda.Code {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'assets', name);
    if (existsSync(join(candidate, 'index.js'))) return lambda.Code.fromAsset(candidate);
    dir = dirname(dir);
  }
  throw new Error(`the bundled handler "${name}" is missing: run \`npm run build\` in cdk-mta-sts first`);
}
