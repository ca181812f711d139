import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { MtaStsHosting } from '../mta-sts-hosting';
import { POLICY_OBJECT_KEY } from '../mta-sts';
import { acknowledgeNag } from './nag';
import { StackSingletonFunction } from './stack-singleton-function';

/**
 * The Lambda function behind every policy publication in a stack: one per stack, granted
 * object-level access to exactly the policy object of each domain and invalidation of exactly
 * its distribution; for the domains of a shared hosting, one grant per hosting whatever the
 * number of domains (key-prefix and tenant-ARN patterns).
 */
export class PolicyPublisherProvider extends StackSingletonFunction {
  /** The provider of `scope`'s stack, created on first use. */
  public static of(scope: Construct): PolicyPublisherProvider {
    return StackSingletonFunction.singleton(scope, 'CdkMtaStsPolicyPublisher', (stack, id) => new PolicyPublisherProvider(stack, id));
  }

  /** The node paths of the hostings granted already: each is granted once. */
  private readonly hostings = new Set<string>();

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

  /**
   * Lets the provider publish for every domain of `hosting` (`MtaStsHosting.grantPublish`): the
   * first call per hosting grants, later ones do nothing, so the role's policy does not grow
   * with the number of domains.
   */
  public grantPublishHosting(hosting: MtaStsHosting): void {
    if (this.hostings.has(hosting.node.path)) return;
    this.hostings.add(hosting.node.path);
    hosting.grantPublish(this.role);
    const reason =
      'Shared hosting: the publisher writes <domain>/.well-known/mta-sts.txt for every domain of the hosting and invalidates their distribution tenants; a key pattern and the account\'s tenant ARN pattern keep the policy constant in the number of domains (IAM has no condition tying a tenant to its distribution).';
    acknowledgeNag(this.role, [{ id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution-tenant/*]', reason }]);
    // The finding names the bucket ARN as this stack sees it: a logical id here, or the import
    // CDK makes for a hosting in another stack, known only once references are resolved (the
    // validation phase, after preparation and before the policy validation plugins run).
    const stack = Stack.of(this);
    const bucketArn = hosting.bucket.bucketArn;
    this.node.addValidation({
      validate: () => {
        const resolved = stack.resolve(bucketArn) as { 'Fn::GetAtt'?: string[]; 'Fn::ImportValue'?: string };
        const arn = resolved['Fn::GetAtt'] ? `<${resolved['Fn::GetAtt'].join('.')}>` : resolved['Fn::ImportValue'];
        if (arn) acknowledgeNag(this.role, [{ id: `AwsSolutions-IAM5[Resource::${arn}/*/${POLICY_OBJECT_KEY}]`, reason }]);
        return [];
      },
    });
  }
}
