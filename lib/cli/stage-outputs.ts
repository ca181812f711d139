import { CloudFormationClient, DescribeStacksCommand, Output } from '@aws-sdk/client-cloudformation';
import { ResolvedStage } from '../config/stage-config';
import { collectorStackId } from '../config/stage-stacks';
import { OUTPUT_DESCRIPTIONS } from '../constructs/private/outputs';
import { CliError } from './program';

/** How commands get a CloudFormation client for a region; tests replace it. */
export const stageOutputClients = {
  cloudFormation: (region: string): CloudFormationClient => new CloudFormationClient({ region }),
};

/** The value of the output whose description the constructs give `kind`, in `outputs`. */
export function outputValue(outputs: readonly Output[], kind: keyof typeof OUTPUT_DESCRIPTIONS): string | undefined {
  return outputs.find((o) => o.Description?.startsWith(OUTPUT_DESCRIPTIONS[kind]))?.OutputValue;
}

/**
 * The report bucket of a stage's TLS-RPT collector, from the outputs of its deployed stack
 * (`MtaSts<Stage>Collector` in the stage's account and region; needs
 * `cloudformation:DescribeStacks` on it). Refused, naming the stack and the fix, when the stage
 * has no collector, the stack is not deployed, or the output is missing.
 */
export async function stageReportBucket(stage: ResolvedStage, client: CloudFormationClient = stageOutputClients.cloudFormation(stage.region)): Promise<string> {
  const stackName = collectorStackId(stage.name);
  if (!stage.collector) throw new CliError(`stage "${stage.name}" has no collector in cdk.json, so there is no report bucket to find; pass --bucket`);
  let outputs: Output[];
  try {
    const r = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = r.Stacks?.[0]?.Outputs ?? [];
  } catch (e) {
    const err = e as { name?: string; message?: string };
    throw new CliError(`cannot read the outputs of stack ${stackName} in ${stage.region} (account ${stage.account}): ${err.name ?? 'Error'}: ${err.message ?? String(e)}; deploy the stage, check cloudformation:DescribeStacks, or pass --bucket`);
  }
  const bucket = outputValue(outputs, 'reportBucket');
  if (bucket === undefined) throw new CliError(`stack ${stackName} has no "${OUTPUT_DESCRIPTIONS.reportBucket}" output; deploy this version of the stage, or pass --bucket`);
  return bucket;
}
