// The CDK Pipelines example: one synth of the pipeline stack, offline (explicit env, no lookups).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { gateCommands, MtaStsPipelineStack } from '../../examples/pipeline/lib/mta-sts-pipeline-stack';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'pipeline');
const context = JSON.parse(readFileSync(join(EXAMPLE, 'cdk.json'), 'utf8')).context;

interface Action {
  readonly Name: string;
  readonly RunOrder: number;
  readonly ActionTypeId: { readonly Category: string; readonly Provider: string };
  readonly Configuration?: { readonly ProjectName?: unknown; readonly StackName?: string; readonly ActionMode?: string };
}
interface PipelineStage {
  readonly Name: string;
  readonly Actions: Action[];
}

const app = new App({ context });
const stack = new MtaStsPipelineStack(app, 'MtaStsPipeline', { env: { account: context.pipeline.account, region: context.pipeline.region } });
const template = Template.fromStack(stack);
const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
const stages = pipeline.Properties.Stages as PipelineStage[];
const stageNamed = (name: string): PipelineStage => stages.find((s) => s.Name === name)!;

const gateAction = (): Action => stageNamed('Enforce').Actions.find((a) => a.Name === 'MtaStsGate')!;
/** The CodeBuild project an action runs. */
const projectOf = (action: Action) => template.toJSON().Resources[(action.Configuration!.ProjectName as { Ref: string }).Ref];
/** The build spec of the CodeBuild project an action runs. */
const buildSpecOf = (action: Action): { phases: Record<string, { commands: string[] }> } => JSON.parse(projectOf(action).Properties.Source.BuildSpec);

describe('pipeline example', () => {
  test('the stages run in rollout order: source, synth, self-update, assets, testing, enforce', () => {
    expect(stages.map((s) => s.Name)).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'Testing', 'Enforce']);
  });

  test('the testing stage has no gate: it deploys its stacks only', () => {
    const testing = stageNamed('Testing').Actions;
    expect(testing.length).toBeGreaterThan(0);
    expect(testing.every((a) => a.ActionTypeId.Provider === 'CloudFormation')).toBe(true);
    expect(testing.every((a) => a.Configuration!.StackName!.startsWith('Testing-'))).toBe(true);
  });

  test('the enforce stage runs the gate first, alone, then deploys', () => {
    const actions = stageNamed('Enforce').Actions;
    const gate = actions.filter((a) => a.ActionTypeId.Provider === 'CodeBuild');
    const deploys = actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
    expect(gate.map((a) => a.Name)).toEqual(['MtaStsGate']);
    expect(deploys.length).toBeGreaterThanOrEqual(2);
    const firstDeploy = Math.min(...deploys.map((a) => a.RunOrder));
    expect(gate[0].RunOrder).toBeLessThan(firstDeploy);
    expect(deploys.every((a) => a.Configuration!.StackName!.startsWith('Enforce-'))).toBe(true);
  });

  test('the gate runs readiness for each domain, then plan --strict, after npm ci', () => {
    const spec = buildSpecOf(gateAction());
    expect(spec.phases.install.commands).toEqual(['npm ci']);
    expect(spec.phases.build.commands).toEqual([
      `npx mta-sts readiness --stage enforce --domain example.com --bucket ${context.pipeline.reportBucket}`,
      'npx mta-sts plan --stage enforce --strict',
    ]);
    expect(spec.phases.build.commands).toEqual(gateCommands('enforce', ['example.com'], context.pipeline.reportBucket));
  });

  test('the gate may read the report store and the stage hosted zone, nothing more', () => {
    const role = (projectOf(gateAction()).Properties.ServiceRole as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
      .filter((s) => [s.Action].flat().some((a) => a === 'route53:ListResourceRecordSets' || a === 's3:ListBucket'));
    expect(statements).toHaveLength(2);
    expect(JSON.stringify(statements)).toContain(':s3:::' + context.pipeline.reportBucket);
    expect(JSON.stringify(statements)).toContain('hostedzone/Z0PRD0EXAMPLE0ZONE');
    expect(JSON.stringify(statements)).not.toContain('Z0STG0EXAMPLE0ZONE');
  });

  test('gateCommands puts every readiness before the plan', () => {
    expect(gateCommands('prod', ['a.example', 'b.example'], 'bkt')).toEqual([
      'npx mta-sts readiness --stage prod --domain a.example --bucket bkt',
      'npx mta-sts readiness --stage prod --domain b.example --bucket bkt',
      'npx mta-sts plan --stage prod --strict',
    ]);
  });
});
