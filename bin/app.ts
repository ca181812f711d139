#!/usr/bin/env node
// The CDK app: the stacks of one stage of `context.mtaSts` in cdk.json (`cdk synth -c stage=NAME`).
import { MtaStsStages } from '../lib';

MtaStsStages.app().synth();
