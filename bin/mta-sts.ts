#!/usr/bin/env node
import { runCli } from '../lib/cli';

runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`mta-sts: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
