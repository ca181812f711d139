// Custom resource handler: writes the MTA-STS policy object, invalidates its CloudFront path and
// waits for the invalidation to complete, so that the `_mta-sts` record (which depends on this
// resource) changes only once the edge serves the new body. Two modes: a dedicated distribution
// (`DistributionId`: the object at `.well-known/mta-sts.txt`), or a tenant of a shared
// multi-tenant distribution (`DistributionTenantId`: the object at `<d>/.well-known/mta-sts.txt`,
// the tenant's viewer path `/.well-known/mta-sts.txt` invalidated).
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  CreateInvalidationForDistributionTenantCommand,
  InvalidationBatch,
  waitUntilInvalidationCompleted,
  waitUntilInvalidationForDistributionTenantCompleted,
} from '@aws-sdk/client-cloudfront';
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
  /** The dedicated distribution whose path `/<ObjectKey>` is invalidated. */
  readonly DistributionId?: string;
  /** The distribution tenant (shared hosting) whose `InvalidationPath` is invalidated. */
  readonly DistributionTenantId?: string;
  /**
   * The viewer path to invalidate, required with `DistributionTenantId` (the tenant's origin
   * path maps it to `ObjectKey`, so it is not `/<ObjectKey>`).
   */
  readonly InvalidationPath?: string;
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
  // Refuse bad properties before anything is written.
  const target = invalidationTarget(p, deps);
  const put = await deps.s3.send(
    new PutObjectCommand({
      Bucket: p.BucketName,
      Key: p.ObjectKey,
      Body: p.PolicyText,
      ContentType: p.ContentType,
      CacheControl: p.CacheControl,
    }),
  );
  const invalidationId = target ? await invalidate(target, `${p.PolicyId}-${event.RequestId}`, deps, context) : '';
  return { physicalResourceId, data: { PolicyId: p.PolicyId, ETag: put.ETag ?? '', InvalidationId: invalidationId } };
}

/** What to invalidate, and how to wait for it: a distribution's or a tenant's path. */
interface InvalidationTarget {
  readonly name: string;
  readonly path: string;
  create(batch: InvalidationBatch): Promise<string | undefined>;
  wait(id: string, maxWaitTime: number): Promise<unknown>;
}

/** The target of `p`, or undefined when nothing is to be invalidated. */
function invalidationTarget(p: PolicyPublisherProperties, deps: PolicyPublisherDeps): InvalidationTarget | undefined {
  const client = deps.cloudfront;
  const waiter = (maxWaitTime: number) => ({ client, maxWaitTime, minDelay: deps.pollSeconds, maxDelay: Math.max(deps.pollSeconds, 30) });
  if (p.DistributionId && p.DistributionTenantId) {
    throw new Error(`both DistributionId ${p.DistributionId} and DistributionTenantId ${p.DistributionTenantId} are given: give one (a dedicated distribution or a tenant)`);
  }
  if (p.DistributionTenantId) {
    const tenant = p.DistributionTenantId;
    if (!p.InvalidationPath?.startsWith('/')) {
      throw new Error(`DistributionTenantId ${tenant} needs an InvalidationPath starting with "/", got ${JSON.stringify(p.InvalidationPath ?? null)}`);
    }
    return {
      name: `distribution tenant ${tenant}`,
      path: p.InvalidationPath,
      create: async (batch) => (await client.send(new CreateInvalidationForDistributionTenantCommand({ Id: tenant, InvalidationBatch: batch }))).Invalidation?.Id,
      wait: (id, maxWaitTime) => waitUntilInvalidationForDistributionTenantCompleted(waiter(maxWaitTime), { DistributionTenantId: tenant, Id: id }),
    };
  }
  if (p.DistributionId) {
    const distributionId = p.DistributionId;
    return {
      name: `distribution ${distributionId}`,
      path: `/${p.ObjectKey}`,
      create: async (batch) => (await client.send(new CreateInvalidationCommand({ DistributionId: distributionId, InvalidationBatch: batch }))).Invalidation?.Id,
      wait: (id, maxWaitTime) => waitUntilInvalidationCompleted(waiter(maxWaitTime), { DistributionId: distributionId, Id: id }),
    };
  }
  return undefined;
}

/** Invalidates the target's path and waits for completion; the invalidation id. */
async function invalidate(target: InvalidationTarget, callerReference: string, deps: PolicyPublisherDeps, context?: Context): Promise<string> {
  const id = await target.create({ CallerReference: callerReference, Paths: { Quantity: 1, Items: [target.path] } });
  if (!id) throw new Error(`CloudFront returned no invalidation id for ${target.name}`);
  const maxWaitTime = deps.maxWaitSeconds(context);
  try {
    await target.wait(id, maxWaitTime);
  } catch (e) {
    throw new Error(
      `the CloudFront invalidation ${id} of ${target.path} did not complete within ${maxWaitTime} s (${(e as Error).name}); the _mta-sts record was left unchanged, deploy again (${target.name})`,
    );
  }
  return id;
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
