#!/usr/bin/env node
// program, not lib/cli: runCli loads only the module of the command being run.
import { runCli } from '../lib/cli/program';

// The AWS SDK's notice about Node.js versions is for developers of the SDK's users, not for a
// person running this command (their one-line error would follow eight lines of it). It is read
// when a client is created, so setting it here, before any command runs, is enough.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}).then(
  // exitCode, never process.exit(): exiting at once would cut off output still queued for a
  // pipe (anything past 64 KiB); Node exits with this code once everything is written.
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`mta-sts: ${(e as Error).message}\n`);
    process.exitCode = 2;
  },
);
