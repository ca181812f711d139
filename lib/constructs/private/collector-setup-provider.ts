import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';
import { StackSingletonFunction } from './stack-singleton-function';

/** The construct id of the provider in its stack: one per stack, shared by every collector in it. */
const PROVIDER_ID = 'CdkMtaStsTlsRptCollectorSetup';

/**
 * The Lambda function behind the collector's custom resources (`Custom::TlsRptCollectorConfig`,
 * `Custom::SesActiveReceiptRuleSet`): one per stack, found with `tryFindChild` (never a static
 * map), with its own role and log group. Grants are added per use: the configuration object of
 * each collector's bucket, and SES rule-set activation only when a collector activates one.
 */
export class CollectorSetupProvider extends StackSingletonFunction {
  /** The provider of `scope`'s stack, created on first use. */
  public static of(scope: Construct): CollectorSetupProvider {
    return StackSingletonFunction.singleton(scope, PROVIDER_ID, (stack, id) => new CollectorSetupProvider(stack, id));
  }

  private sesGranted = false;

  private constructor(scope: Stack, id: string) {
    super(scope, id, {
      handler: 'tls-rpt-collector-setup',
      description: 'TLS-RPT collector setup (configuration object, SES receipt rule set activation)',
      timeout: Duration.minutes(2),
    });
  }

  /** Lets the provider write and delete exactly `key` in `bucket`. */
  public grantConfigWrite(bucket: s3.IBucket, key: string): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [bucket.arnForObjects(key)] }));
  }

  /** Lets the provider read and set the active receipt rule set of the region (once). */
  public grantRuleSetActivation(): void {
    if (this.sesGranted) return;
    this.sesGranted = true;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'], resources: ['*'] }),
    );
    acknowledgeNag(this.role, [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ses:DescribeActiveReceiptRuleSet and ses:SetActiveReceiptRuleSet act on the region-wide active rule set and support no resource-level permissions; the role has only these two SES actions.',
      },
    ]);
  }
}
