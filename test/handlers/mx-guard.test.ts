import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListResourceRecordSetsCommand, ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ROUTE53_MAX_ATTEMPTS, route53Client } from '../../lib/aws/route53-records';
import { handler, MxGuardDeps } from '../../lib/handlers/mx-guard';

const route53 = mockClient(Route53Client);
const cloudformation = mockClient(CloudFormationClient);

const STACK_ID = 'arn:aws:cloudformation:us-east-1:111111111111:stack/S/1';
const PROPS = {
  ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:guard',
  HostedZoneId: 'Z1EXAMPLE',
  DomainName: 'example.com',
  GuardMode: 'fail',
  PolicyMode: 'enforce',
  PolicyId: 'abc123',
  MxPatterns: ['*.mx.example.com', 'mx1.example.com'],
};
type Props = Partial<typeof PROPS>;

function event(type: 'Create' | 'Update' | 'Delete', props: Props = {}): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: PROPS.ServiceToken,
    ResponseURL: 'https://cloudformation-response.example/put',
    StackId: STACK_ID,
    RequestId: 'req-1',
    LogicalResourceId: 'ExampleComMxGuard1234',
    ResourceType: 'Custom::MtaStsMxGuard',
    ResourceProperties: { ...PROPS, ...props } as unknown as CloudFormationCustomResourceEvent['ResourceProperties'],
  };
  if (type === 'Create') return { ...base, RequestType: 'Create' };
  if (type === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: 'Z1EXAMPLE/example.com/mx-guard', OldResourceProperties: { ...PROPS } };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: 'Z1EXAMPLE/example.com/mx-guard' };
}

interface Response {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

async function run(e: CloudFormationCustomResourceEvent): Promise<{ response: Response; logs: string[] }> {
  const responses: Response[] = [];
  const logs: string[] = [];
  const deps: MxGuardDeps = {
    route53: new Route53Client({ region: 'us-east-1' }),
    cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
    send: async (_url, body) => {
      responses.push(JSON.parse(body));
    },
    log: (line) => logs.push(line),
  };
  await handler(e, undefined, deps);
  expect(responses).toHaveLength(1);
  return { response: responses[0], logs };
}

const mx = (name: string, values: string[], extra: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({
  Name: name,
  Type: 'MX',
  TTL: 300,
  ResourceRecords: values.map((Value) => ({ Value })),
  ...extra,
});

/** The zone answers the MX listing at example.com with `sets` (then the next name's records). */
function zoneWith(...sets: ResourceRecordSet[]) {
  route53.on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z1EXAMPLE', StartRecordName: 'example.com.', StartRecordType: 'MX' }).resolves({
    ResourceRecordSets: [...sets, { Name: 'example.com.', Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-1.awsdns-01.org.' }] }],
    IsTruncated: false,
    MaxItems: 300,
  });
}

beforeEach(() => {
  route53.reset();
  cloudformation.reset();
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

describe('MX guard: coverage', () => {
  test('every MX covered: SUCCESS, deterministic physical id, the hosts in Data', async () => {
    zoneWith(mx('example.com.', ['10 mx1.example.com.', '20 a.mx.example.com.']));
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('SUCCESS');
    expect(response.PhysicalResourceId).toBe('Z1EXAMPLE/example.com/mx-guard');
    expect(response.Data).toMatchObject({ Verdict: 'covered', GuardMode: 'fail', MxHosts: 'mx1.example.com,a.mx.example.com', UncoveredHosts: '' });
    expect(route53.commandCalls(ListResourceRecordSetsCommand)[0].args[0].input).toMatchObject({ HostedZoneId: 'Z1EXAMPLE', StartRecordName: 'example.com.', StartRecordType: 'MX' });
  });

  test('an extra, uncovered MX in mode fail: FAILED, naming the host, the patterns and the fix', async () => {
    zoneWith(mx('example.com.', ['10 mx1.example.com.', '20 backup.example.net.']));
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('backup.example.net');
    expect(response.Reason).toContain('*.mx.example.com, mx1.example.com');
    expect(response.Reason).toMatch(/Fix: add "backup\.example\.net" to `mx`/);
    expect(response.Reason).toMatch(/left unchanged/);
    expect(response.Reason).not.toMatch(/mx1\.example\.com\.(,|$)/);
  });

  test('an extra MX in mode report: SUCCESS with the report in Data and the log', async () => {
    zoneWith(mx('example.com.', ['10 mx1.example.com.', '20 backup.example.net.']));
    const { response, logs } = await run(event('Create', { GuardMode: 'report', PolicyMode: 'testing' }));
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toMatchObject({ Verdict: 'uncovered', GuardMode: 'report', UncoveredHosts: 'backup.example.net' });
    expect(response.Data!.Report).toMatch(/backup\.example\.net.*not covered|not covered.*backup\.example\.net/);
    expect(response.Data!.Report).toMatch(/deployment continues/);
    expect(logs.join('\n')).toContain('backup.example.net');
  });

  test('a wildcard covers exactly one label: a.mx.example.com yes, a.b.mx.example.com no', async () => {
    zoneWith(mx('example.com.', ['10 a.mx.example.com.', '20 a.b.mx.example.com.', '30 mx.example.com.']));
    const { response } = await run(event('Update', { MxPatterns: ['*.mx.example.com'] }));
    expect(response.Status).toBe('FAILED');
    expect(/not covered by the policy's mx patterns: (.*?)\. Under/.exec(response.Reason!)?.[1]).toBe('a.b.mx.example.com, mx.example.com');
    // The suggested wildcard is one level up from the uncovered host.
    expect(response.Reason).toContain('"*.b.mx.example.com"');
  });

  test('the same wildcard case in mode report: UncoveredHosts lists exactly the hosts outside the one-label rule', async () => {
    zoneWith(mx('example.com.', ['10 a.mx.example.com.', '20 a.b.mx.example.com.', '30 mx.example.com.']));
    const { response } = await run(event('Create', { GuardMode: 'report', PolicyMode: 'testing', MxPatterns: ['*.mx.example.com'] }));
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toMatchObject({ Verdict: 'uncovered', MxHosts: 'a.mx.example.com,a.b.mx.example.com,mx.example.com', UncoveredHosts: 'a.b.mx.example.com,mx.example.com' });
  });

  test('MX host names are compared case-insensitively, trailing dot ignored', async () => {
    zoneWith(mx('Example.COM.', ['10 MX1.Example.Com.']));
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data!.MxHosts).toBe('mx1.example.com');
  });

  test('weighted MX record sets: every set counts', async () => {
    zoneWith(
      mx('example.com.', ['10 mx1.example.com.'], { SetIdentifier: 'blue', Weight: 50 }),
      mx('example.com.', ['10 mx9.example.org.'], { SetIdentifier: 'green', Weight: 50 }),
    );
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('mx9.example.org');
    expect(response.Reason).toContain('2 MX record sets');
  });

  test('the unused patterns are reported (a likely typo), without failing', async () => {
    zoneWith(mx('example.com.', ['10 mx1.example.com.']));
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toMatchObject({ Verdict: 'covered', UnusedPatterns: '*.mx.example.com' });
    expect(response.Data!.Report).toMatch(/\*\.mx\.example\.com match no MX host/);
  });
});

describe('MX guard: no MX', () => {
  test('no MX record at the domain in mode fail: FAILED with the zone, the domain and the fix', async () => {
    zoneWith();
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/hosted zone Z1EXAMPLE has no MX record at example\.com/);
    expect(response.Reason).toMatch(/MxGuard\.REPORT/);
  });

  test('MX records at another name do not count', async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [mx('sub.example.com.', ['10 mx1.example.com.'])],
      IsTruncated: false,
      MaxItems: 300,
    });
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/no MX record at example\.com/);
  });

  test('no MX in mode report: SUCCESS, Verdict no-mx', async () => {
    zoneWith();
    const { response } = await run(event('Create', { GuardMode: 'report', PolicyMode: 'testing' }));
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toMatchObject({ Verdict: 'no-mx', MxHosts: '' });
  });

  test('a null MX (RFC 7505) in mode fail: FAILED, saying the domain receives no mail', async () => {
    zoneWith(mx('example.com.', ['0 .']));
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/null MX.*receives no mail/);
  });
});

describe('MX guard: pagination', () => {
  test('follows NextRecordName/Type/Identifier while the listing stays at the domain MX', async () => {
    route53
      .on(ListResourceRecordSetsCommand, { StartRecordName: 'example.com.', StartRecordType: 'MX', StartRecordIdentifier: undefined })
      .resolves({
        ResourceRecordSets: [mx('example.com.', ['10 mx1.example.com.'], { SetIdentifier: 'a', Weight: 1 })],
        IsTruncated: true,
        NextRecordName: 'example.com.',
        NextRecordType: 'MX',
        NextRecordIdentifier: 'b',
        MaxItems: 1,
      })
      .on(ListResourceRecordSetsCommand, { StartRecordName: 'example.com.', StartRecordType: 'MX', StartRecordIdentifier: 'b' })
      .resolves({
        ResourceRecordSets: [mx('example.com.', ['10 other.example.net.'], { SetIdentifier: 'b', Weight: 1 })],
        IsTruncated: true,
        NextRecordName: 'example.com.',
        NextRecordType: 'NS',
        MaxItems: 1,
      });
    const { response } = await run(event('Create'));
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(2);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('other.example.net');
  });

  test('a host only on the second page still counts as covered when matched', async () => {
    route53
      .on(ListResourceRecordSetsCommand, { StartRecordIdentifier: undefined })
      .resolves({
        ResourceRecordSets: [mx('example.com.', ['10 mx1.example.com.'], { SetIdentifier: 'a', Weight: 1 })],
        IsTruncated: true,
        NextRecordName: 'example.com.',
        NextRecordType: 'MX',
        NextRecordIdentifier: 'b',
      })
      .on(ListResourceRecordSetsCommand, { StartRecordIdentifier: 'b' })
      .resolves({ ResourceRecordSets: [mx('example.com.', ['10 z.mx.example.com.'], { SetIdentifier: 'b', Weight: 1 })], IsTruncated: false });
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data!.MxHosts).toBe('mx1.example.com,z.mx.example.com');
  });
});

describe('MX guard: Route 53 errors', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { attempts: ROUTE53_MAX_ATTEMPTS, httpStatusCode: 400 } });
  const denied = () =>
    Object.assign(new Error('User: arn:aws:sts::111111111111:assumed-role/guard is not authorized to perform: route53:ListResourceRecordSets on resource: arn:aws:route53:::hostedzone/Z1EXAMPLE'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });

  test('the client retries throttling with backoff (maxAttempts) in us-east-1', async () => {
    const client = route53Client();
    expect(await client.config.maxAttempts()).toBe(ROUTE53_MAX_ATTEMPTS);
    expect(ROUTE53_MAX_ATTEMPTS).toBeGreaterThan(3);
    expect(await client.config.region()).toBe('us-east-1');
  });

  test('still throttled after the retries, in mode fail: FAILED saying so', async () => {
    route53.on(ListResourceRecordSetsCommand).rejects(throttled());
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(new RegExp(`throttled ListResourceRecordSets on hosted zone Z1EXAMPLE after ${ROUTE53_MAX_ATTEMPTS} attempt`));
    expect(response.Reason).toMatch(/run again/);
  });

  test('PriorRequestNotComplete is treated as throttling', async () => {
    route53.on(ListResourceRecordSetsCommand).rejects(Object.assign(new Error('The request was rejected'), { name: 'PriorRequestNotComplete', $metadata: { attempts: 8 } }));
    const { response } = await run(event('Create'));
    expect(response.Reason).toMatch(/throttled .*PriorRequestNotComplete/);
  });

  test('throttled in mode report: SUCCESS with Verdict error (a testing deploy is not blocked)', async () => {
    route53.on(ListResourceRecordSetsCommand).rejects(throttled());
    const { response } = await run(event('Create', { GuardMode: 'report', PolicyMode: 'testing' }));
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toMatchObject({ Verdict: 'error' });
    expect(response.Data!.Report).toMatch(/throttled/);
  });

  test('access denied: FAILED naming the permission and the zone ARN', async () => {
    route53.on(ListResourceRecordSetsCommand).rejects(denied());
    const { response } = await run(event('Create'));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/access denied: missing permission route53:ListResourceRecordSets on arn:aws:route53:::hostedzone\/Z1EXAMPLE/);
  });
});

describe('MX guard: lifecycle', () => {
  test('Delete succeeds without reading Route 53', async () => {
    const { response } = await run(event('Delete'));
    expect(response.Status).toBe('SUCCESS');
    expect(response.PhysicalResourceId).toBe('Z1EXAMPLE/example.com/mx-guard');
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
  });

  test('an Update during a rollback reports instead of failing (no UPDATE_ROLLBACK_FAILED)', async () => {
    zoneWith(mx('example.com.', ['10 backup.example.net.']));
    cloudformation.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({
      Stacks: [{ StackName: 'S', StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS', CreationTime: new Date() }],
    });
    const { response, logs } = await run(event('Update'));
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toMatchObject({ Verdict: 'uncovered' });
    expect(response.Data!.Report).toMatch(/^rollback, not failed/);
    expect(logs.join('\n')).toMatch(/rolling back/);
  });

  test('an Update outside a rollback fails as usual', async () => {
    zoneWith(mx('example.com.', ['10 backup.example.net.']));
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'S', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }] });
    const { response } = await run(event('Update'));
    expect(response.Status).toBe('FAILED');
    expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  test('a bad GuardMode property fails naming it', async () => {
    const { response } = await run(event('Create', { GuardMode: 'maybe' }));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/`GuardMode` must be "fail" or "report", got "maybe"/);
  });
});
