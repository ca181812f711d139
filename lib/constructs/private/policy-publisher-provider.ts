import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { handlerCode } from './handler-code';

/** The construct id of the provider in its stack: one per stack, shared by every domain in it. */
const PROVIDER_ID = 'CdkMtaStsPolicyPublisher';

/**
 * The Lambda function behind every policy publication in a stack: one per stack (found with
 * `tryFindChild`, never a static map), with its own role and log group, granted object-level
 * access to exactly the policy object of each domain and invalidation of exactly its
 * distribution.
 */
export class PolicyPublisherProvider extends Construct {
  /** The provider of `scope`'s stack, created on first use. */
  public static of(scope: Construct): PolicyPublisherProvider {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild(PROVIDER_ID) as PolicyPublisherProvider | undefined) ?? new PolicyPublisherProvider(stack, PROVIDER_ID);
  }

  public readonly function: lambda.IFunction;
  private readonly role: iam.Role;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.THREE_MONTHS });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-mta-sts: publishes MTA-STS policy objects and invalidates their CloudFront paths',
    });
    logGroup.grantWrite(this.role);
    this.function = new lambda.Function(this, 'Function', {
      description: 'cdk-mta-sts: publishes the MTA-STS policy, then waits for the CloudFront invalidation',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: handlerCode('policy-publisher'),
      role: this.role,
      logGroup,
      memorySize: 256,
      timeout: Duration.minutes(15),
    });
    this.function.node.addDependency(this.role);
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
