import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/**
 * Synthesizes `build`'s stack with cdk-nag's AWS Solutions pack; returns the validation report
 * when cdk-nag found something unacknowledged, '' when the stack is clean.
 */
export function nagFindings(build: (stack: Stack) => void, env = { account: '111111111111', region: 'us-east-1' }): string {
  const app = new App();
  const stack = new Stack(app, 'NagStack', { env });
  build(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/** Every cdk-nag acknowledgement recorded under `scope`, as [rule id, reason] pairs. */
export function acknowledgementsOf(scope: IConstruct): [string, string][] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) => Object.entries(m.data as Record<string, string>));
}
