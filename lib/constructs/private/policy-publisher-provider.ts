import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { StackSingletonFunction } from './stack-singleton-function';

/**
 * The Lambda function behind every policy publication in a stack: one per stack, granted
 * object-level access to exactly the policy object of each domain and invalidation of exactly
 * its distribution.
 */
export class PolicyPublisherProvider extends StackSingletonFunction {
  /** The provider of `scope`'s stack, created on first use. */
  public static of(scope: Construct): PolicyPublisherProvider {
    return StackSingletonFunction.singleton(scope, 'CdkMtaStsPolicyPublisher', (stack, id) => new PolicyPublisherProvider(stack, id));
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id, {
      handler: 'policy-publisher',
      description: 'publishes the MTA-STS policy, then waits for the CloudFront invalidation',
      // The invalidation wait is bounded by the Lambda's own limit.
      timeout: Duration.minutes(15),
    });
  }

  /** Lets the provider write `key` in `bucket` and invalidate `distribution`. */
  public grantPublish(bucket: s3.IBucket, key: string, distribution: cloudfront.IDistribution): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [bucket.arnForObjects(key)] }));
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
        resources: [distribution.distributionArn],
      }),
    );
  }
}
