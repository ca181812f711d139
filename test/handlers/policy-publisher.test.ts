import {
  CloudFrontClient,
  CreateInvalidationCommand,
  CreateInvalidationForDistributionTenantCommand,
  GetInvalidationCommand,
  GetInvalidationForDistributionTenantCommand,
} from '@aws-sdk/client-cloudfront';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, PolicyPublisherDeps } from '../../lib/handlers/policy-publisher';

const s3 = mockClient(S3Client);
const cloudfront = mockClient(CloudFrontClient);

const PROPS = {
  ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:x',
  BucketName: 'policy-bucket',
  ObjectKey: '.well-known/mta-sts.txt',
  PolicyText: 'version: STSv1\r\nmode: testing\r\nmx: mx1.example.com\r\nmax_age: 86400\r\n',
  PolicyId: 'abc123',
  ContentType: 'text/plain',
  CacheControl: 'max-age=60',
  DistributionId: 'E123',
  RetainOnDelete: 'false',
};

function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, string> = PROPS): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: PROPS.ServiceToken,
    ResponseURL: 'https://cloudformation-response.example/put',
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/S/1',
    RequestId: 'req-1',
    LogicalResourceId: 'PolicyDeployment',
    ResourceType: 'Custom::MtaStsPolicy',
    ResourceProperties: props as unknown as CloudFormationCustomResourceEvent['ResourceProperties'],
  };
  if (type === 'Create') return { ...base, RequestType: 'Create' };
  if (type === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: 'policy-bucket/.well-known/mta-sts.txt', OldResourceProperties: base.ResourceProperties };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: 'policy-bucket/.well-known/mta-sts.txt' };
}

/** The properties `MtaSts` gives with a shared hosting: the domain's key, its tenant, the viewer path. */
const TENANT_PROPS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(PROPS).filter(([k]) => k !== 'DistributionId')),
  BucketName: 'hosting-bucket',
  ObjectKey: 'example.com/.well-known/mta-sts.txt',
  DistributionTenantId: 'dt_123',
  InvalidationPath: '/.well-known/mta-sts.txt',
};

function deps(): { deps: PolicyPublisherDeps; responses: { url: string; body: Record<string, unknown> }[] } {
  const responses: { url: string; body: Record<string, unknown> }[] = [];
  return {
    responses,
    deps: {
      s3: new S3Client({ region: 'us-east-1' }),
      cloudfront: new CloudFrontClient({ region: 'us-east-1' }),
      send: async (url, body) => {
        responses.push({ url, body: JSON.parse(body) });
      },
      maxWaitSeconds: () => 30,
      pollSeconds: 1,
    },
  };
}

beforeEach(() => {
  s3.reset();
  cloudfront.reset();
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

describe('policy publisher', () => {
  test.each(['Create', 'Update'] as const)('%s writes the object as text/plain, invalidates its path and waits for completion', async (type) => {
    s3.on(PutObjectCommand).resolves({ ETag: '"etag"' });
    cloudfront.on(CreateInvalidationCommand).resolves({ Invalidation: { Id: 'I1', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } });
    cloudfront.on(GetInvalidationCommand).resolves({ Invalidation: { Id: 'I1', Status: 'Completed', CreateTime: new Date(), InvalidationBatch: undefined } });
    const d = deps();
    await handler(event(type), undefined, d.deps);

    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toEqual({
      Bucket: 'policy-bucket',
      Key: '.well-known/mta-sts.txt',
      Body: PROPS.PolicyText,
      ContentType: 'text/plain',
      CacheControl: 'max-age=60',
    });
    expect(cloudfront.commandCalls(CreateInvalidationCommand)[0].args[0].input).toEqual({
      DistributionId: 'E123',
      InvalidationBatch: { CallerReference: 'abc123-req-1', Paths: { Quantity: 1, Items: ['/.well-known/mta-sts.txt'] } },
    });
    expect(cloudfront.commandCalls(GetInvalidationCommand)[0].args[0].input).toEqual({ DistributionId: 'E123', Id: 'I1' });
    expect(d.responses).toEqual([
      {
        url: 'https://cloudformation-response.example/put',
        body: expect.objectContaining({
          Status: 'SUCCESS',
          PhysicalResourceId: 'policy-bucket/.well-known/mta-sts.txt',
          Data: { PolicyId: 'abc123', ETag: '"etag"', InvalidationId: 'I1' },
          RequestId: 'req-1',
          LogicalResourceId: 'PolicyDeployment',
        }),
      },
    ]);
  });

  test('a failed invalidation fails the resource, so the TXT record is not changed', async () => {
    s3.on(PutObjectCommand).resolves({});
    cloudfront.on(CreateInvalidationCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyInvalidationsInProgress' }));
    const d = deps();
    await handler(event('Update'), undefined, d.deps);
    expect(d.responses[0].body).toEqual(expect.objectContaining({ Status: 'FAILED', Reason: 'Rate exceeded', PhysicalResourceId: 'policy-bucket/.well-known/mta-sts.txt' }));
  });

  test('an invalidation that does not complete in time fails with a message saying what to do', async () => {
    s3.on(PutObjectCommand).resolves({});
    cloudfront.on(CreateInvalidationCommand).resolves({ Invalidation: { Id: 'I2', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } });
    cloudfront.on(GetInvalidationCommand).resolves({ Invalidation: { Id: 'I2', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } });
    const d = deps();
    d.deps = { ...d.deps, maxWaitSeconds: () => 2 };
    await handler(event('Create'), undefined, d.deps);
    expect(d.responses[0].body.Status).toBe('FAILED');
    expect(d.responses[0].body.Reason).toMatch(/the CloudFront invalidation I2 of \/.well-known\/mta-sts.txt did not complete within 2 s \(TimeoutError\); the _mta-sts record was left unchanged, deploy again/);
  });

  test('a failed write fails the resource without invalidating', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const d = deps();
    await handler(event('Create'), undefined, d.deps);
    expect(cloudfront.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
    expect(d.responses[0].body).toEqual(expect.objectContaining({ Status: 'FAILED', Reason: 'Access Denied', PhysicalResourceId: 'PolicyDeployment-failed' }));
  });

  test('Delete removes the object so the bucket can be deleted', async () => {
    s3.on(DeleteObjectCommand).resolves({});
    const d = deps();
    await handler(event('Delete'), undefined, d.deps);
    expect(s3.commandCalls(DeleteObjectCommand)[0].args[0].input).toEqual({ Bucket: 'policy-bucket', Key: '.well-known/mta-sts.txt' });
    expect(d.responses[0].body).toEqual(expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'policy-bucket/.well-known/mta-sts.txt' }));
  });

  test('Delete keeps the object when the bucket is retained, and tolerates a bucket already gone', async () => {
    const d = deps();
    await handler(event('Delete', { ...PROPS, RetainOnDelete: 'true' }), undefined, d.deps);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
    s3.on(DeleteObjectCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchBucket' }));
    await handler(event('Delete'), undefined, d.deps);
    expect(d.responses.map((r) => r.body.Status)).toEqual(['SUCCESS', 'SUCCESS']);
  });
});

describe('policy publisher on shared hosting (a distribution tenant)', () => {
  const inProgress = (id: string) => ({ Invalidation: { Id: id, Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } });
  const completed = (id: string) => ({ Invalidation: { Id: id, Status: 'Completed', CreateTime: new Date(), InvalidationBatch: undefined } });

  test.each(['Create', 'Update'] as const)(
    "%s writes <d>/.well-known/mta-sts.txt, invalidates the tenant's viewer path and waits for completion",
    async (type) => {
      s3.on(PutObjectCommand).resolves({ ETag: '"etag"' });
      cloudfront.on(CreateInvalidationForDistributionTenantCommand).resolves(inProgress('T1'));
      cloudfront.on(GetInvalidationForDistributionTenantCommand).resolvesOnce(inProgress('T1')).resolves(completed('T1'));
      const d = deps();
      await handler(event(type, TENANT_PROPS), undefined, d.deps);

      expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toEqual({
        Bucket: 'hosting-bucket',
        Key: 'example.com/.well-known/mta-sts.txt',
        Body: PROPS.PolicyText,
        ContentType: 'text/plain',
        CacheControl: 'max-age=60',
      });
      expect(cloudfront.commandCalls(CreateInvalidationForDistributionTenantCommand).map((c) => c.args[0].input)).toEqual([
        { Id: 'dt_123', InvalidationBatch: { CallerReference: 'abc123-req-1', Paths: { Quantity: 1, Items: ['/.well-known/mta-sts.txt'] } } },
      ]);
      // Polled until Completed: the response is sent only after the second look.
      expect(cloudfront.commandCalls(GetInvalidationForDistributionTenantCommand).map((c) => c.args[0].input)).toEqual([
        { DistributionTenantId: 'dt_123', Id: 'T1' },
        { DistributionTenantId: 'dt_123', Id: 'T1' },
      ]);
      expect(cloudfront.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
      expect(d.responses).toEqual([
        {
          url: 'https://cloudformation-response.example/put',
          body: expect.objectContaining({
            Status: 'SUCCESS',
            PhysicalResourceId: 'hosting-bucket/example.com/.well-known/mta-sts.txt',
            Data: { PolicyId: 'abc123', ETag: '"etag"', InvalidationId: 'T1' },
          }),
        },
      ]);
    },
    15_000,
  );

  test('a tenant invalidation that does not complete in time fails, naming the tenant', async () => {
    s3.on(PutObjectCommand).resolves({});
    cloudfront.on(CreateInvalidationForDistributionTenantCommand).resolves(inProgress('T2'));
    cloudfront.on(GetInvalidationForDistributionTenantCommand).resolves(inProgress('T2'));
    const d = deps();
    d.deps = { ...d.deps, maxWaitSeconds: () => 2 };
    await handler(event('Create', TENANT_PROPS), undefined, d.deps);
    expect(d.responses[0].body.Status).toBe('FAILED');
    expect(d.responses[0].body.Reason).toMatch(
      /the CloudFront invalidation T2 of \/.well-known\/mta-sts.txt did not complete within 2 s \(TimeoutError\); the _mta-sts record was left unchanged, deploy again \(distribution tenant dt_123\)/,
    );
  });

  test('a refused tenant invalidation fails the resource', async () => {
    s3.on(PutObjectCommand).resolves({});
    cloudfront.on(CreateInvalidationForDistributionTenantCommand).rejects(Object.assign(new Error('Tenant not found'), { name: 'EntityNotFound' }));
    const d = deps();
    await handler(event('Update', TENANT_PROPS), undefined, d.deps);
    expect(d.responses[0].body).toEqual(expect.objectContaining({ Status: 'FAILED', Reason: 'Tenant not found' }));
  });

  test('no invalidation id from CloudFront fails the resource', async () => {
    s3.on(PutObjectCommand).resolves({});
    cloudfront.on(CreateInvalidationForDistributionTenantCommand).resolves({});
    const d = deps();
    await handler(event('Create', TENANT_PROPS), undefined, d.deps);
    expect(d.responses[0].body.Reason).toBe('CloudFront returned no invalidation id for distribution tenant dt_123');
  });

  test.each([
    ['no InvalidationPath', { InvalidationPath: undefined }, /DistributionTenantId dt_123 needs an InvalidationPath starting with "\/", got null/],
    ['a relative InvalidationPath', { InvalidationPath: '.well-known/mta-sts.txt' }, /needs an InvalidationPath starting with "\/", got ".well-known\/mta-sts.txt"/],
    ['both a distribution and a tenant', { DistributionId: 'E123' }, /both DistributionId E123 and DistributionTenantId dt_123 are given: give one/],
  ])('%s: refused before anything is written', async (_, change, message) => {
    const props = Object.fromEntries(Object.entries({ ...TENANT_PROPS, ...change }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const d = deps();
    await handler(event('Create', props), undefined, d.deps);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(d.responses[0].body.Status).toBe('FAILED');
    expect(d.responses[0].body.Reason).toMatch(message);
  });

  test('Delete removes only this domain\'s object from the shared bucket, and invalidates nothing', async () => {
    s3.on(DeleteObjectCommand).resolves({});
    const d = deps();
    await handler(event('Delete', TENANT_PROPS), undefined, d.deps);
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: 'hosting-bucket', Key: 'example.com/.well-known/mta-sts.txt' }]);
    expect(cloudfront.calls()).toHaveLength(0);
    expect(d.responses[0].body.Status).toBe('SUCCESS');
  });
});
