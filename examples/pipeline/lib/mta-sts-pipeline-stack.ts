// A CDK Pipelines app that rolls MTA-STS out stage by stage: the `testing` stage deploys first,
// then a gate checks the reports and the live DNS, and only then does the `enforce` stage deploy.
import { Stack, StackProps, Stage, StageProps } from 'aws-cdk-lib';
import { PipelineType } from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodeBuildStep, CodePipeline, CodePipelineSource, ShellStep } from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { MtaStsStageResult, MtaStsStages } from 'cdk-mta-sts';

/** The `pipeline` object of the context in cdk.json. */
export interface PipelineContext {
  /** The ARN of the CodeConnections connection to the repository. */
  readonly connectionArn: string;
  /** The repository, `owner/name`. */
  readonly repository: string;
  /** The branch to deploy. */
  readonly branch: string;
  /** The report bucket of the enforce stage's TLS-RPT collector (its `ReportBucket` stack output). */
  readonly reportBucket: string;
}

/** Props of `MtaStsStage`. */
export interface MtaStsStageProps extends StageProps {
  /** The stage of `context.mtaSts` to build. */
  readonly configStage: string;
}

/** One stage of the stage config, as a CDK Pipelines `Stage`. */
export class MtaStsStage extends Stage {
  /** What `MtaStsStages.fromContext` built. */
  public readonly result: MtaStsStageResult;

  constructor(scope: Construct, id: string, props: MtaStsStageProps) {
    super(scope, id, props);
    this.result = MtaStsStages.fromContext(this, { stage: props.configStage });
  }
}

/**
 * The gate before the enforce stage, in this order: the TLS-RPT reports must show the policy
 * working for every domain of the stage (`readiness`), then the live Route 53 records must allow
 * the deploy with no warning (`plan --strict`). Any non-zero exit stops the pipeline.
 */
export function gateCommands(stage: string, domains: readonly string[], bucket: string): string[] {
  return [
    ...domains.map((d) => `npx mta-sts readiness --stage ${stage} --domain ${d} --bucket ${bucket}`),
    `npx mta-sts plan --stage ${stage} --strict`,
  ];
}

/** The pipeline: source, synth, the `testing` stage, the gate, the `enforce` stage. */
export class MtaStsPipelineStack extends Stack {
  /** The pipeline. */
  public readonly pipeline: CodePipeline;
  /** The gate step run before the enforce stage deploys. */
  public readonly gate: ShellStep;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const ctx = this.node.getContext('pipeline') as PipelineContext;
    const source = CodePipelineSource.connection(ctx.repository, ctx.branch, { connectionArn: ctx.connectionArn });
    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineType: PipelineType.V2,
      synth: new ShellStep('Synth', { input: source, commands: ['npm ci', 'npx cdk synth'] }),
    });

    const testing = new MtaStsStage(this, 'Testing', { configStage: 'testing' });
    this.pipeline.addStage(testing);

    const enforce = new MtaStsStage(this, 'Enforce', { configStage: 'enforce' });
    this.gate = new CodeBuildStep('MtaStsGate', {
      input: source,
      installCommands: ['npm ci'],
      commands: gateCommands('enforce', enforce.result.domains.map((d) => d.domainName), ctx.reportBucket),
      rolePolicyStatements: gatePermissions(this, enforce, ctx.reportBucket),
    });
    this.pipeline.addStage(enforce, { pre: [this.gate] });
  }
}

/** What the gate reads: the report store (readiness) and the stage's hosted zones (plan). */
function gatePermissions(stack: Stack, stage: MtaStsStage, bucket: string): iam.PolicyStatement[] {
  const config = stack.node.getContext('mtaSts') as { domains: Record<string, { hostedZoneId: string }> };
  const zones = [...new Set(stage.result.domains.map((d) => config.domains[d.domainName].hostedZoneId))];
  return [
    new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [stack.formatArn({ service: 's3', region: '', account: '', resource: bucket })] }),
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [stack.formatArn({ service: 's3', region: '', account: '', resource: `${bucket}/*` })] }),
    new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'], resources: zones.map((z) => `arn:${stack.partition}:route53:::hostedzone/${z}`) }),
  ];
}
