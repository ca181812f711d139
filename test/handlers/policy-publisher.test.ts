import { CloudFrontClient, CreateInvalidationCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
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

function event(type: 'Create' | 'Update' | 'Delete', props: typeof PROPS = PROPS): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: PROPS.ServiceToken,
    ResponseURL: 'https://cloudformation-response.example/put',
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/S/1',
    RequestId: 'req-1',
    LogicalResourceId: 'PolicyDeployment',
    ResourceType: 'Custom::MtaStsPolicy',
    ResourceProperties: props as CloudFormationCustomResourceEvent['ResourceProperties'],
  };
  if (type === 'Create') return { ...base, RequestType: 'Create' };
  if (type === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: 'policy-bucket/.well-known/mta-sts.txt', OldResourceProperties: props };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: 'policy-bucket/.well-known/mta-sts.txt' };
}

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
