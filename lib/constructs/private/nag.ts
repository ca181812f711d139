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
 * Acknowledges cdk-nag rules on `scope` with CDK's own `Validations` API (which cdk-nag 3 reads),
 * so the library needs no cdk-nag at run time and users running cdk-nag see no finding this
 * library has reasoned about.
 */
export function acknowledgeNag(scope: IConstruct | undefined, acks: readonly NagAcknowledgement[]): void {
  // aws-cdk-lib before 2.257 has no `Validations` (and cdk-nag 3, which reads them, needs 2.257).
  if (!scope || typeof Validations?.of !== 'function') return;
  const validations = Validations.of(scope);
  for (const ack of acks) {
    try {
      validations.acknowledge(ack);
    } catch {
      // Some 2.2xx releases refuse finding ids containing `::` (`AwsSolutions-IAM4[Policy::...]`);
      // cdk-nag cannot report such a finding there either, so there is nothing to acknowledge.
    }
  }
}
