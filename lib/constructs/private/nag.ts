import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** One acknowledged cdk-nag rule (or one finding of it, `Rule[Finding]`) and why it does not apply. */
export interface NagAcknowledgement {
  /** The rule id, for example `AwsSolutions-S1` or `AwsSolutions-IAM5[Action::s3:*]`. */
  readonly id: string;
  /** Why the finding is acceptable here. */
  readonly reason: string;
}

/**
 * Acknowledges cdk-nag rules on `scope` in the metadata of CDK's own `Validations` API
 * (`Validations.ACKNOWLEDGED_RULES_METADATA_KEY`, which cdk-nag 3 and aws-cdk-lib's validation
 * report both read), so the library needs no cdk-nag at run time and users running cdk-nag see
 * no finding this library has reasoned about.
 *
 * The entry is written directly, without the stack trace `Validations.acknowledge()` records with
 * it: measured side by side (bench/synth.bench.ts, 15 alternating runs each), the example app's
 * synth then costs 1.02x a hand-written stack's instead of 1.10x. With acknowledge(), aws-cdk-lib's
 * template validation phase takes about 0.3 s longer; the acknowledgements themselves take 3 ms.
 */
export function acknowledgeNag(scope: IConstruct | undefined, acks: readonly NagAcknowledgement[]): void {
  // aws-cdk-lib before 2.257 has no `Validations` (and cdk-nag 3, which reads them, needs 2.257).
  const key = (Validations as { ACKNOWLEDGED_RULES_METADATA_KEY?: string } | undefined)?.ACKNOWLEDGED_RULES_METADATA_KEY;
  if (!scope || key === undefined || acks.length === 0) return;
  scope.node.addMetadata(key, Object.fromEntries(acks.map((a) => [a.id, a.reason])), { stackTrace: false });
}
