// The one reader of MX records through DNS (plan and the deploy-time MX guard): node:dns answers
// checked and classified by lookupMx, shaped and bounded by readMxThroughDns.
import { DnsOutcome, lookupMx, NodeMxResolver } from '../../lib/check/dns-lookup';
import { MAX_DNS_MX_RECORDS, mxReadFailed, mxReadOverBound, MxResolver, readMxThroughDns } from '../../lib/check/dns-mx';

/** A node:dns-like resolver answering `answer`, or rejecting with `{ code }`, or never answering. */
function nodeResolver(answer: unknown): NodeMxResolver {
  return {
    resolveMx: () => {
      if (answer === 'hang') return new Promise(() => undefined);
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve(answer as { exchange: string; priority: number }[]);
    },
  };
}

const over = (r: NodeMxResolver): MxResolver => ({ mx: (name) => lookupMx(r, name) });
const failure = (code: unknown): Error => Object.assign(new Error('query failed'), { code });

describe('lookupMx', () => {
  test('sorts by preference then name, lower case without the trailing dot', async () => {
    const r = await lookupMx(nodeResolver([{ exchange: 'B.mx.example.com.', priority: 10 }, { exchange: 'a.mx.example.com', priority: 10 }, { exchange: 'z.example.com', priority: 5 }]), 'example.com');
    expect(r).toEqual({ outcome: DnsOutcome.OK, records: [{ exchange: 'z.example.com', priority: 5 }, { exchange: 'a.mx.example.com', priority: 10 }, { exchange: 'b.mx.example.com', priority: 10 }] });
  });

  test.each([
    ['ENOTFOUND', DnsOutcome.NXDOMAIN],
    ['ENODATA', DnsOutcome.NODATA],
    ['ESERVFAIL', DnsOutcome.SERVFAIL],
    ['ETIMEOUT', DnsOutcome.TIMEOUT],
    ['ECONNREFUSED', DnsOutcome.UNREACHABLE],
  ])('a rejection with %s is %s, with its code', async (code, outcome) => {
    await expect(lookupMx(nodeResolver(failure(code)), 'example.com')).resolves.toEqual({ outcome, records: [], code });
  });

  test.each([
    ['not a list', { exchange: 'mx1.example.com', priority: 10 }],
    ['a record without an exchange', [{ exchange: 'mx1.example.com', priority: 10 }, { nonsense: true }]],
    ['a null record', [null]],
    ['a preference that is not an integer', [{ exchange: 'mx1.example.com', priority: 1.5 }]],
  ])('a malformed answer (%s) fails the lookup as EBADRESP, no record dropped', async (_what, answer) => {
    await expect(lookupMx(nodeResolver(answer), 'example.com')).resolves.toEqual({ outcome: DnsOutcome.FAILED, records: [], code: 'EBADRESP' });
  });

  test('a hostile error code is bounded; none at all is UNKNOWN', async () => {
    const long = await lookupMx(nodeResolver(failure('E'.repeat(500))), 'example.com');
    expect(long.code).toBe('E'.repeat(40));
    expect((await lookupMx(nodeResolver(new Error('no code')), 'example.com')).code).toBe('UNKNOWN');
  });
});

describe('readMxThroughDns', () => {
  test("one record set in Route 53's presentation form; a null MX as 0 .", async () => {
    const read = await readMxThroughDns(over(nodeResolver([{ exchange: 'mx1.example.com', priority: 10 }, { exchange: '', priority: 0 }])), 'Example.COM.');
    expect(read).toEqual({ sets: [{ name: 'example.com', type: 'MX', values: ['0 .', '10 mx1.example.com.'] }], outcome: DnsOutcome.OK, total: 2 });
    expect(mxReadFailed(read) || mxReadOverBound(read)).toBe(false);
  });

  test.each([
    ['ENOTFOUND', false],
    ['ENODATA', false],
    ['ESERVFAIL', true],
  ])('%s: no record set; a failed read: %s', async (code, failed) => {
    const read = await readMxThroughDns(over(nodeResolver(failure(code))), 'example.com');
    expect(read.sets).toEqual([]);
    expect(mxReadFailed(read)).toBe(failed);
  });

  test(`over ${MAX_DNS_MX_RECORDS} records: the first ${MAX_DNS_MX_RECORDS} by preference kept, total says how many, over the bound`, async () => {
    const many = Array.from({ length: MAX_DNS_MX_RECORDS + 5 }, (_, i) => ({ exchange: `h${i}.example.com`, priority: i }));
    const read = await readMxThroughDns(over(nodeResolver(many)), 'example.com');
    expect(read.sets[0].values).toHaveLength(MAX_DNS_MX_RECORDS);
    expect(read.sets[0].values[MAX_DNS_MX_RECORDS - 1]).toBe(`${MAX_DNS_MX_RECORDS - 1} h${MAX_DNS_MX_RECORDS - 1}.example.com.`);
    expect(read.total).toBe(MAX_DNS_MX_RECORDS + 5);
    expect(mxReadOverBound(read)).toBe(true);
  });

  test(`exactly ${MAX_DNS_MX_RECORDS} records are within the bound`, async () => {
    const many = Array.from({ length: MAX_DNS_MX_RECORDS }, (_, i) => ({ exchange: `h${i}.example.com`, priority: i }));
    expect(mxReadOverBound(await readMxThroughDns(over(nodeResolver(many)), 'example.com'))).toBe(false);
  });

  test('a resolver that never answers: the budget ends the read as a TIMEOUT (a failed read)', async () => {
    const read = await readMxThroughDns(over(nodeResolver('hang')), 'example.com', 10);
    expect(read).toEqual({ sets: [], outcome: DnsOutcome.TIMEOUT, code: 'ETIMEOUT', total: 0 });
    expect(mxReadFailed(read)).toBe(true);
  });
});
