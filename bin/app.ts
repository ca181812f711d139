#!/usr/bin/env node
// The CDK app: builds the stacks of one stage of the `mtaSts` configuration in cdk.json.
// Select the stage with `cdk synth -c stage=NAME` (default: the config's defaultStage).
import { App } from 'aws-cdk-lib';
import { buildStage } from '../lib/app/build-app';
import { CONFIG_CONTEXT_KEY, parseConfig, resolveStage } from '../lib/config/stage-config';

const app = new App();
try {
  const config = parseConfig(app.node.tryGetContext(CONFIG_CONTEXT_KEY));
  buildStage(app, resolveStage(config, app.node.tryGetContext('stage')));
} catch (e) {
  // Bad configuration is a message for a person, not a stack trace.
  process.stderr.write(`cdk-mta-sts: ${(e as Error).message}\n`);
  process.exit(1);
}
app.synth();
