// The MX guard of a domain whose DNS is at another provider (`MxSource: dns`): its MX records
// come from an injected resolver, never from Route 53.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { NodeMxResolver } from '../../lib/check/dns-lookup';
import { MAX_DNS_MX_RECORDS } from '../../lib/check/dns-mx';
import { MX_SOURCE_DNS as CONSTRUCT_MX_SOURCE_DNS } from '../../lib/constructs/private/mx-guard';
import { handler, MX_SOURCE_DNS, MxGuardDeps } from '../../lib/handlers/mx-guard';

// The construct (which may not load the handler's AWS SDK) and the handler each spell the value.
test('the MxSource the construct writes is the one the handler reads', () => {
  expect(CONSTRUCT_MX_SOURCE_DNS).toBe(MX_SOURCE_DNS);
});

const route53 = mockClient(Route53Client);
const cloudformation = mockClient(CloudFormationClient);

const PROPS = {
  ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:guard',
  MxSource: 'dns',
  DomainName: 'example.com',
  GuardMode: 'fail',
  PolicyMode: 'enforce',
  PolicyId: 'abc123',
  MxPatterns: ['*.mx.example.com', 'mx1.example.com'],
};
type Props = Partial<typeof PROPS> & { HostedZoneId?: string };

function event(props: Props = {}): CloudFormationCustomResourceEvent {
  return {
    RequestType: 'Create',
    ServiceToken: PROPS.ServiceToken,
    ResponseURL: 'https://cloudformation-response.example/put',
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/S/1',
    RequestId: 'req-1',
    LogicalResourceId: 'ExampleComMxGuard1234',
    ResourceType: 'Custom::MtaStsMxGuard',
    ResourceProperties: { ...PROPS, ...props } as unknown as CloudFormationCustomResourceEvent['ResourceProperties'],
  };
}

interface Response {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/**
 * A node:dns-like resolver that answers `answer` (or rejects with the node:dns `code`, or answers
 * `raw` as it is: not a list), recording the names asked.
 */
function resolverOf(answer: unknown[] | { code: string } | { raw: unknown } | 'hang'): NodeMxResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolveMx: (name) => {
      asked.push(name);
      if (answer === 'hang') return new Promise(() => undefined);
      if ('raw' in answer) return Promise.resolve(answer.raw as { exchange: string; priority: number }[]);
      if (!Array.isArray(answer)) return Promise.reject(Object.assign(new Error(`query ${answer.code} ${name}`), { code: answer.code }));
      return Promise.resolve(answer as { exchange: string; priority: number }[]);
    },
  };
}

async function run(resolver: NodeMxResolver, props: Props = {}, extra: Partial<MxGuardDeps> = {}): Promise<{ response: Response; logs: string[] }> {
  const responses: Response[] = [];
  const logs: string[] = [];
  const deps: MxGuardDeps = {
    route53: new Route53Client({ region: 'us-east-1' }),
    cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
    dns: resolver,
    send: async (_url, body) => {
      responses.push(JSON.parse(body));
    },
    log: (line) => logs.push(line),
    ...extra,
  };
  await handler(event(props), undefined, deps);
  expect(responses).toHaveLength(1);
  return { response: responses[0], logs };
}

beforeEach(() => {
  route53.reset();
  cloudformation.reset();
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

describe('MX guard through DNS', () => {
  test('every MX covered: SUCCESS, the physical id names DNS, no Route 53 call', async () => {
    const resolver = resolverOf([
      { exchange: 'a.mx.example.com', priority: 20 },
      { exchange: 'MX1.example.com', priority: 10 },
    ]);
    const { response } = await run(resolver);
    expect(response.Status).toBe('SUCCESS');
    expect(response.PhysicalResourceId).toBe('dns/example.com/mx-guard');
    expect(response.Data).toMatchObject({ Verdict: 'covered', MxHosts: 'mx1.example.com,a.mx.example.com', UncoveredHosts: '' });
    expect(response.Data!.Report).toMatch(/every MX host of example\.com in DNS is covered/);
    expect(resolver.asked).toEqual(['example.com']);
    expect(route53.calls()).toHaveLength(0);
  });

  test('an uncovered MX in mode fail: FAILED, naming the host and where to remove it', async () => {
    const { response } = await run(resolverOf([{ exchange: 'mx1.example.com', priority: 10 }, { exchange: 'backup.example.net', priority: 20 }]));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/1 MX host\(s\) of example\.com in DNS are not covered by the policy's mx patterns: backup\.example\.net/);
    expect(response.Reason).toMatch(/Fix: add "backup\.example\.net" to `mx`.*from the domain's zone at its DNS provider/);
    expect(response.Reason).toMatch(/left unchanged/);
  });

  test.each([
    ['NODATA', 'ENODATA'],
    ['NXDOMAIN', 'ENOTFOUND'],
  ])('%s is "no MX": FAILED in mode fail, with the fix', async (_what, code) => {
    const { response } = await run(resolverOf({ code }));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/DNS has no MX record at example\.com \(the name does not exist, or has no MX\): a mode enforce policy .* has no mail host to protect/);
    expect(response.Reason).toMatch(/Fix: publish the MX records of the domain, or check `domainName`/);
  });

  test('an empty answer is "no MX" too', async () => {
    const { response } = await run(resolverOf([]));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/DNS has no MX record at example\.com/);
  });

  test('NXDOMAIN in mode report: SUCCESS, verdict no-mx reported', async () => {
    const { response } = await run(resolverOf({ code: 'ENOTFOUND' }), { GuardMode: 'report', PolicyMode: 'testing' });
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toMatchObject({ Verdict: 'no-mx', GuardMode: 'report' });
    expect(response.Data!.Report).toMatch(/deployment continues.*DNS has no MX record/);
  });

  test('a null MX: FAILED in mode fail (the domain receives no mail)', async () => {
    const { response } = await run(resolverOf([{ exchange: '', priority: 0 }]));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/publishes a null MX in DNS/);
  });

  test('SERVFAIL in mode fail: FAILED with a retryable message, never a pass', async () => {
    const { response } = await run(resolverOf({ code: 'ESERVFAIL' }));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/could not be read through DNS \(ESERVFAIL\), so the policy cannot be checked.*usually temporary.*retry the deployment/);
  });

  test('SERVFAIL in mode report: SUCCESS, verdict error, reported and logged', async () => {
    const { response, logs } = await run(resolverOf({ code: 'ESERVFAIL' }), { GuardMode: 'report', PolicyMode: 'testing' });
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toMatchObject({ Verdict: 'error', MxHosts: '' });
    expect(response.Data!.Report).toMatch(/deployment continues.*ESERVFAIL/);
    expect(logs.join('\n')).toMatch(/ESERVFAIL/);
  });

  test('a resolver that never answers: the budget ends it, FAILED as a time-out', async () => {
    const { response } = await run(resolverOf('hang'), {}, { dnsBudgetMs: 10 });
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/could not be read through DNS \(ETIMEOUT\).*retry the deployment/);
  });

  test(`an answer of more than ${MAX_DNS_MX_RECORDS} MX records is refused, not cut (even when the first ${MAX_DNS_MX_RECORDS} are covered)`, async () => {
    // The uncovered host sorts last (a higher preference): it is past the first MAX_DNS_MX_RECORDS.
    const many = Array.from({ length: MAX_DNS_MX_RECORDS + 1 }, (_, i) => (i < MAX_DNS_MX_RECORDS ? { exchange: `h${i}.mx.example.com`, priority: 10 } : { exchange: 'evil.example.net', priority: 20 }));
    const { response } = await run(resolverOf(many));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(new RegExp(`DNS answered ${MAX_DNS_MX_RECORDS + 1} MX records for example\\.com, more than the ${MAX_DNS_MX_RECORDS} the guard assesses`));
  });

  test(`exactly ${MAX_DNS_MX_RECORDS} covered MX records pass`, async () => {
    const many = Array.from({ length: MAX_DNS_MX_RECORDS }, (_, i) => ({ exchange: `h${i}.mx.example.com`, priority: i }));
    const { response } = await run(resolverOf(many));
    expect(response.Status).toBe('SUCCESS');
  });

  test('an MX record whose exchange is not a host name is unreadable, never a covered host', async () => {
    const { response } = await run(resolverOf([{ exchange: 'mx1.example.com', priority: 10 }, { exchange: 'bad host', priority: 5 }]));
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data!.MxHosts).toBe('mx1.example.com');
    expect(response.Data!.Report).toMatch(/Unreadable MX values, ignored: 5 bad host\.\./);
  });

  test.each([
    ['a record that is not an MX record', [{ exchange: 'mx1.example.com', priority: 10 }, { nonsense: true }]],
    ['a null entry', [{ exchange: 'mx1.example.com', priority: 10 }, null]],
    ['a preference that is not an integer', [{ exchange: 'mx1.example.com', priority: '10' }]],
  ])('a malformed answer (%s) is a failed read: FAILED in mode fail, never a pass', async (_what, answer) => {
    const { response } = await run(resolverOf(answer));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/could not be read through DNS \(EBADRESP\), so the policy cannot be checked.*retry the deployment/);
  });

  test('an answer that is not a list is a failed read too', async () => {
    const { response } = await run(resolverOf({ raw: { exchange: 'mx1.example.com', priority: 10 } }));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/could not be read through DNS \(EBADRESP\)/);
  });

  test('properties: MxSource with a HostedZoneId, or an unknown MxSource, is refused', async () => {
    const both = await run(resolverOf([]), { HostedZoneId: 'Z1EXAMPLE' });
    expect(both.response.Status).toBe('FAILED');
    expect(both.response.Reason).toMatch(/either `HostedZoneId` or `MxSource: dns` \(not both\)/);
    const other = await run(resolverOf([]), { MxSource: 'whois' });
    expect(other.response.Reason).toMatch(/`MxSource` must be "dns" or absent, got "whois"/);
  });
});
