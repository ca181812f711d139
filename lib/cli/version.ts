import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The version of this package, from its package.json: the nearest one named `cdk-mta-sts`
 * above this file (the same lookup works from the sources, from dist/ and from the bundled CLI).
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cdk-mta-sts' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here (or not JSON): look one folder up.
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
