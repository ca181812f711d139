// Custom resource handler: writes the MTA-STS policy object, invalidates its CloudFront path and
// waits for the invalidation to complete, so that the `_mta-sts` record (which depends on this
// resource) changes only once the edge serves the new body.
import { CloudFrontClient, CreateInvalidationCommand, waitUntilInvalidationCompleted } from '@aws-sdk/client-cloudfront';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { CustomResourceResult, httpsResponseSender, respondTo, ResponseSender } from './private/cfn-response';

/** The properties the `MtaSts` construct gives the resource. */
export interface PolicyPublisherProperties {
  readonly BucketName: string;
  readonly ObjectKey: string;
  readonly PolicyText: string;
  readonly PolicyId: string;
  readonly ContentType: string;
  readonly CacheControl: string;
  readonly DistributionId?: string;
  /** "true" to keep the object when the resource is deleted. */
  readonly RetainOnDelete?: string;
}

/** The clients and helpers the handler uses; tests inject their own. */
export interface PolicyPublisherDeps {
  readonly s3: S3Client;
  readonly cloudfront: CloudFrontClient;
  readonly send: ResponseSender;
  /** Seconds to wait for the invalidation at most. */
  readonly maxWaitSeconds: (context?: Context) => number;
  /** Seconds between two looks at the invalidation (at least). */
  readonly pollSeconds: number;
}

/** Publishes (Create, Update) or removes (Delete) the policy object. */
export async function publish(event: CloudFormationCustomResourceEvent, deps: PolicyPublisherDeps, context?: Context): Promise<CustomResourceResult> {
  const p = event.ResourceProperties as unknown as PolicyPublisherProperties;
  const physicalResourceId = `${p.BucketName}/${p.ObjectKey}`;
  if (event.RequestType === 'Delete') {
    if (p.RetainOnDelete !== 'true') {
      try {
        await deps.s3.send(new DeleteObjectCommand({ Bucket: p.BucketName, Key: p.ObjectKey }));
      } catch (e) {
        if ((e as { name?: string }).name !== 'NoSuchBucket') throw e;
      }
    }
    return { physicalResourceId: event.PhysicalResourceId };
  }
  const put = await deps.s3.send(
    new PutObjectCommand({
      Bucket: p.BucketName,
      Key: p.ObjectKey,
      Body: p.PolicyText,
      ContentType: p.ContentType,
      CacheControl: p.CacheControl,
    }),
  );
  let invalidationId = '';
  if (p.DistributionId) {
    const created = await deps.cloudfront.send(
      new CreateInvalidationCommand({
        DistributionId: p.DistributionId,
        InvalidationBatch: { CallerReference: `${p.PolicyId}-${event.RequestId}`, Paths: { Quantity: 1, Items: [`/${p.ObjectKey}`] } },
      }),
    );
    invalidationId = created.Invalidation?.Id ?? '';
    if (!invalidationId) throw new Error(`CloudFront returned no invalidation id for distribution ${p.DistributionId}`);
    const maxWaitTime = deps.maxWaitSeconds(context);
    try {
      await waitUntilInvalidationCompleted(
        { client: deps.cloudfront, maxWaitTime, minDelay: deps.pollSeconds, maxDelay: Math.max(deps.pollSeconds, 30) },
        { DistributionId: p.DistributionId, Id: invalidationId },
      );
    } catch (e) {
      throw new Error(
        `the CloudFront invalidation ${invalidationId} of /${p.ObjectKey} did not complete within ${maxWaitTime} s (${(e as Error).name}); the _mta-sts record was left unchanged, deploy again`,
      );
    }
  }
  return { physicalResourceId, data: { PolicyId: p.PolicyId, ETag: put.ETag ?? '', InvalidationId: invalidationId } };
}

/** Leaves a minute of the Lambda's time for the response. */
function remainingSeconds(context?: Context): number {
  const ms = context?.getRemainingTimeInMillis?.() ?? 14 * 60_000;
  return Math.max(10, Math.floor(ms / 1000) - 60);
}

let defaultDeps: PolicyPublisherDeps | undefined;

/** The Lambda entry point; tests pass their own `deps`. */
export async function handler(event: CloudFormationCustomResourceEvent, context?: Context, deps?: PolicyPublisherDeps): Promise<void> {
  const d = deps ?? (defaultDeps ??= { s3: new S3Client({}), cloudfront: new CloudFrontClient({}), send: httpsResponseSender, maxWaitSeconds: remainingSeconds, pollSeconds: 5 });
  await respondTo(event, () => publish(event, d, context), d.send);
}
