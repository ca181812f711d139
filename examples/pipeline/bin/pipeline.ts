#!/usr/bin/env node
// The pipeline app: `npx cdk deploy` once deploys the pipeline stack; from then on, every push
// to the branch runs it (the pipeline updates itself, then the testing stage, the gate, enforce).
import { App } from 'aws-cdk-lib';
import { MtaStsPipelineStack, PipelineContext } from '../lib/mta-sts-pipeline-stack';

const app = new App();
const env = app.node.getContext('pipeline') as PipelineContext & { account: string; region: string };
new MtaStsPipelineStack(app, 'MtaStsPipeline', { env: { account: env.account, region: env.region } });
app.synth();
