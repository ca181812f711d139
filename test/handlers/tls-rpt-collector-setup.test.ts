import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeActiveReceiptRuleSetCommand, SESClient, SetActiveReceiptRuleSetCommand } from '@aws-sdk/client-ses';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ACTIVATION_RESOURCE_TYPE, CONFIG_RESOURCE_TYPE, handler, SetupDeps } from '../../lib/handlers/tls-rpt-collector-setup';

const s3 = mockClient(S3Client);
const ses = mockClient(SESClient);

type Props = Record<string, string>;

function event(type: 'Create' | 'Update' | 'Delete', resourceType: string, props: Props, old?: Props, physical = 'phys-1'): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:setup',
    ResponseURL: 'https://cloudformation-response.example/put',
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/S/1',
    RequestId: 'req-1',
    LogicalResourceId: 'Res',
    ResourceType: resourceType,
    ResourceProperties: { ServiceToken: 'x', ...props } as CloudFormationCustomResourceEvent['ResourceProperties'],
  };
  if (type === 'Create') return { ...base, RequestType: 'Create' };
  if (type === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: physical, OldResourceProperties: { ServiceToken: 'x', ...(old ?? props) } };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: physical };
}

function deps(): { deps: SetupDeps; responses: Record<string, unknown>[] } {
  const responses: Record<string, unknown>[] = [];
  return {
    responses,
    deps: {
      s3: new S3Client({ region: 'us-east-1' }),
      ses: new SESClient({ region: 'us-east-1' }),
      send: async (_url, body) => {
        responses.push(JSON.parse(body));
      },
      log: () => undefined,
    },
  };
}

beforeEach(() => {
  s3.reset();
  ses.reset();
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

describe('Custom::TlsRptCollectorConfig', () => {
  const props = { BucketName: 'b', ObjectKey: 'config/tls-rpt-collector.json', Config: '{"version":1,"domains":[],"reporters":[]}' };

  test.each(['Create', 'Update'] as const)('%s writes the configuration object', async (type) => {
    s3.on(PutObjectCommand).resolves({});
    const d = deps();
    await handler(event(type, CONFIG_RESOURCE_TYPE, props), undefined, d.deps);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toEqual({ Bucket: 'b', Key: 'config/tls-rpt-collector.json', Body: props.Config, ContentType: 'application/json' });
    expect(d.responses[0]).toEqual(expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'b/config/tls-rpt-collector.json' }));
  });

  test('Delete removes the object, and succeeds even when the bucket is gone', async () => {
    s3.on(DeleteObjectCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchBucket' }));
    const d = deps();
    await handler(event('Delete', CONFIG_RESOURCE_TYPE, props), undefined, d.deps);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(1);
    expect(d.responses[0]).toEqual(expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'phys-1' }));
  });
});

describe('Custom::SesActiveReceiptRuleSet', () => {
  const props = { RuleSetName: 'tlsrpt-rules', Region: 'us-east-1' };

  test('Create activates the rule set when none is active', async () => {
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({});
    ses.on(SetActiveReceiptRuleSetCommand).resolves({});
    const d = deps();
    await handler(event('Create', ACTIVATION_RESOURCE_TYPE, props), undefined, d.deps);
    expect(ses.commandCalls(SetActiveReceiptRuleSetCommand)[0].args[0].input).toEqual({ RuleSetName: 'tlsrpt-rules' });
    expect(d.responses[0]).toEqual(expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'ses-active-receipt-rule-set:tlsrpt-rules' }));
  });

  test('Create is a no-op when the rule set is already the active one', async () => {
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'tlsrpt-rules' } });
    const d = deps();
    await handler(event('Create', ACTIVATION_RESOURCE_TYPE, props), undefined, d.deps);
    expect(ses.commandCalls(SetActiveReceiptRuleSetCommand)).toHaveLength(0);
    expect(d.responses[0]).toEqual(expect.objectContaining({ Status: 'SUCCESS' }));
  });

  test('Create fails, naming the active rule set and the fix, when another rule set is active', async () => {
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'corp-inbound' } });
    const d = deps();
    await handler(event('Create', ACTIVATION_RESOURCE_TYPE, props), undefined, d.deps);
    expect(ses.commandCalls(SetActiveReceiptRuleSetCommand)).toHaveLength(0);
    expect(d.responses[0]).toEqual(
      expect.objectContaining({
        Status: 'FAILED',
        Reason: expect.stringMatching(/the receipt rule set "corp-inbound" is already active in us-east-1.*`email.receiptRuleSet`.*fromReceiptRuleSetName\(this, 'ActiveRuleSet', 'corp-inbound'\).*RuleSetActivation.MANUAL/),
      }),
    );
  });

  test('Update from a replaced rule set that is active switches to the new one', async () => {
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'old-rules' } });
    ses.on(SetActiveReceiptRuleSetCommand).resolves({});
    const d = deps();
    await handler(event('Update', ACTIVATION_RESOURCE_TYPE, props, { RuleSetName: 'old-rules' }), undefined, d.deps);
    expect(ses.commandCalls(SetActiveReceiptRuleSetCommand)[0].args[0].input).toEqual({ RuleSetName: 'tlsrpt-rules' });
    expect(d.responses[0]).toEqual(expect.objectContaining({ Status: 'SUCCESS' }));
  });

  test('Delete deactivates the rule set only when it is still the active one (SES refuses to delete an active set)', async () => {
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'tlsrpt-rules' } });
    ses.on(SetActiveReceiptRuleSetCommand).resolves({});
    await handler(event('Delete', ACTIVATION_RESOURCE_TYPE, props), undefined, deps().deps);
    expect(ses.commandCalls(SetActiveReceiptRuleSetCommand)[0].args[0].input).toEqual({});

    ses.reset();
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'someone-else' } });
    const d = deps();
    await handler(event('Delete', ACTIVATION_RESOURCE_TYPE, props), undefined, d.deps);
    expect(ses.commandCalls(SetActiveReceiptRuleSetCommand)).toHaveLength(0);
    expect(d.responses[0]).toEqual(expect.objectContaining({ Status: 'SUCCESS' }));
  });
});

test('an unknown resource type fails with a message', async () => {
  const d = deps();
  await handler(event('Create', 'Custom::Other', {}), undefined, d.deps);
  expect(d.responses[0]).toEqual(expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/unknown resource type Custom::Other/) }));
});
