import { CloudFormationClient, DescribeStacksCommand, Output } from '@aws-sdk/client-cloudformation';
import { ResolvedStage, StageHosting } from '../config/stage-config';
import { collectorStackId, hostingStackId } from '../config/stage-stacks';
import { OUTPUT_DESCRIPTIONS } from '../constructs/private/outputs';
import { normalizeHostname } from '../policy/domain-name';
import { CliError } from './program';

/** How commands get a CloudFormation client for a region; tests replace it. */
export const stageOutputClients = {
  cloudFormation: (region: string): CloudFormationClient => new CloudFormationClient({ region }),
};

/** The value of the output whose description the constructs give `kind`, in `outputs`. */
export function outputValue(outputs: readonly Output[], kind: keyof typeof OUTPUT_DESCRIPTIONS): string | undefined {
  return outputs.find((o) => o.Description?.startsWith(OUTPUT_DESCRIPTIONS[kind]))?.OutputValue;
}

/** The outputs of stack `stackName`; refused, naming the stack, its region and account, and `fix`, when they cannot be read. */
async function stackOutputs(stage: ResolvedStage, stackName: string, client: CloudFormationClient, fix: string): Promise<Output[]> {
  try {
    const r = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return r.Stacks?.[0]?.Outputs ?? [];
  } catch (e) {
    const err = e as { name?: string; message?: string };
    throw new CliError(`cannot read the outputs of stack ${stackName} in ${stage.region} (account ${stage.account}): ${err.name ?? 'Error'}: ${err.message ?? String(e)}; ${fix}`);
  }
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
  const outputs = await stackOutputs(stage, stackName, client, 'deploy the stage, check cloudformation:DescribeStacks, or pass --bucket');
  const bucket = outputValue(outputs, 'reportBucket');
  if (bucket === undefined) throw new CliError(`stack ${stackName} has no "${OUTPUT_DESCRIPTIONS.reportBucket}" output; deploy this version of the stage, or pass --bucket`);
  return bucket;
}

/**
 * The routing endpoint of a `"hosting": "shared"` stage (the name a domain on external DNS points
 * its `mta-sts.<domain>` CNAME at), from the outputs of its deployed hosting stack
 * (`MtaSts<Stage>Hosting` in the stage's account and region; needs `cloudformation:DescribeStacks`
 * on it). Refused, naming the stack and the fix, when the stage has no shared hosting, the stack
 * is not deployed, or the output is missing.
 */
export async function stageRoutingEndpoint(stage: ResolvedStage, client: CloudFormationClient = stageOutputClients.cloudFormation(stage.region)): Promise<string> {
  const stackName = hostingStackId(stage.name);
  if (stage.hosting !== StageHosting.SHARED) {
    throw new CliError(`stage "${stage.name}" has no shared hosting ("hosting": "shared" in cdk.json), so there is no routing endpoint to find`);
  }
  const outputs = await stackOutputs(stage, stackName, client, `deploy the hosting stack (npx cdk deploy ${stackName} -c stage=${stage.name}), check cloudformation:DescribeStacks, or pass --routing-endpoint`);
  const endpoint = outputValue(outputs, 'routingEndpoint');
  if (endpoint === undefined) throw new CliError(`stack ${stackName} has no "${OUTPUT_DESCRIPTIONS.routingEndpoint}" output; deploy this version of the stage (npx cdk deploy --all -c stage=${stage.name}), or pass --routing-endpoint`);
  return routingEndpointName(endpoint, `the "${OUTPUT_DESCRIPTIONS.routingEndpoint}" output of stack ${stackName}`);
}

/** The shared hosting's routing endpoint as a command knows it: its name, or why it is unknown. */
export interface KnownRoutingEndpoint {
  /**
   * The routing endpoint (a host name, normalised).
   * @default - unknown: `unknownBecause` says why
   */
  readonly name?: string;
  /**
   * Why the routing endpoint is unknown (no stage config, no shared hosting, the hosting stack not
   * deployed or its outputs unreadable), with the fix.
   * @default - none: `name` is known
   */
  readonly unknownBecause?: string;
}

/**
 * The routing endpoint of a stage's shared hosting, as every command finds it: `given`
 * (`--routing-endpoint`, refused when not a host name) wins; else the deployed hosting stack's
 * output (`stageRoutingEndpoint`); else no name, and the reason. Unknown is not an error here:
 * each command says the reason on stderr and goes on without it.
 *
 * @param stage the stage config (undefined for an app without one: only `given` can say it)
 * @param client reads the hosting stack (default: one for the stage's region)
 */
export async function knownRoutingEndpoint(stage: ResolvedStage | undefined, given: string | undefined, client?: CloudFormationClient): Promise<KnownRoutingEndpoint> {
  if (given !== undefined) return { name: routingEndpointName(given, '--routing-endpoint') };
  if (stage === undefined) return { unknownBecause: 'no stage config to find the hosting stack from: give --routing-endpoint' };
  try {
    return { name: await stageRoutingEndpoint(stage, client) };
  } catch (e) {
    if (e instanceof CliError) return { unknownBecause: e.message };
    throw e;
  }
}

/**
 * A routing endpoint as a host name (normalised: lower case, no trailing dot), from a stack
 * output or `--routing-endpoint`; anything else (white space, a URL, an address) is refused.
 *
 * @param field where the value comes from, for the message
 */
export function routingEndpointName(value: string, field: string): string {
  const n = normalizeHostname(value, field);
  if (n.name === undefined) throw new CliError(`${n.findings.map((f) => f.message).join('; ')} (a CloudFront routing endpoint such as d111111abcdef8.cloudfront.net)`);
  return n.name;
}
