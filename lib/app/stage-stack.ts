import { Stack, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ResolvedStage } from '../config/stage-config';
import { CERTIFICATE_REGION } from '../config/stage-stacks';

/**
 * A stack of the stage, tagged `cdk-mta-sts:stage`: in the stage's account and region, or in
 * us-east-1 for certificates (`certificates`, which always take cross-region references).
 * `crossRegionReferences` is on for a stack that reads certificates from a us-east-1 stack.
 */
export function stageStack(app: Construct, stage: ResolvedStage, id: string, description: string, options: { certificates?: boolean; crossRegionReferences?: boolean } = {}): Stack {
  const stack = new Stack(app, id, {
    env: { account: stage.account, region: options.certificates ? CERTIFICATE_REGION : stage.region },
    crossRegionReferences: options.certificates ? true : options.crossRegionReferences,
    description: `cdk-mta-sts: ${description} (stage ${stage.name})`,
  });
  Tags.of(stack).add('cdk-mta-sts:stage', stage.name);
  return stack;
}
