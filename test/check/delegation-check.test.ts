// The CNAMEs of a domain on external DNS, verified through a real resolver against the loopback
// DNS server: every verdict of checkDelegation with its message, and hostile chains and answers.
import { resolveCheckOptions } from '../../lib/check/check-options';
import { AliasState, checkDelegation, DelegationCheck, DelegationSpec, DelegationStatus, MAX_CNAME_HOPS } from '../../lib/check/delegation-check';
import { DnsLookup } from '../../lib/check/dns-lookup';
import { Severity } from '../../lib/policy/findings';
import { DnsBehavior, DnsNode, TestDnsServer } from './servers/dns-server';

const ZONE = 'mta-sts.ops.example.net';
const ENDPOINT = 'd111111abcdef8.cloudfront.net';

let dns: TestDnsServer;
let lookup: DnsLookup;

beforeAll(async () => {
  dns = await new TestDnsServer(`127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}.53`).start();
  lookup = new DnsLookup(resolveCheckOptions({ dnsServer: dns.server, dnsTimeoutMs: 1000 }));
  dns.set(ENDPOINT, { A: ['192.0.2.10'] });
});
afterAll(() => dns?.stop());

/** Publishes `domain`'s three names (each overridable; `null` leaves the name out). */
function publish(domain: string, over: { host?: DnsNode | null; rpt?: DnsNode | null; sts?: DnsNode | null; extra?: Record<string, DnsNode> } = {}): void {
  dns.set(`_mta-sts.${domain}.${ZONE}`, { TXT: [['v=STSv1; id=1;']] });
  dns.set(`_smtp._tls.${domain}.${ZONE}`, { TXT: [['v=TLSRPTv1; rua=mailto:r@example.net']] });
  const set = (name: string, node: DnsNode | null | undefined, dflt: DnsNode) => {
    if (node !== null) dns.set(name, node ?? dflt);
  };
  set(`mta-sts.${domain}`, over.host, { CNAME: ENDPOINT });
  set(`_smtp._tls.${domain}`, over.rpt, { CNAME: `_smtp._tls.${domain}.${ZONE}` });
  set(`_mta-sts.${domain}`, over.sts, { CNAME: `_mta-sts.${domain}.${ZONE}` });
  for (const [name, node] of Object.entries(over.extra ?? {})) dns.set(name, node);
}

const verify = (domain: string, spec: Partial<DelegationSpec> = {}): Promise<DelegationCheck> =>
  checkDelegation(lookup, { domain, delegationZone: ZONE, publishesTlsRpt: true, routingEndpoint: ENDPOINT, ...spec });

const statuses = (c: DelegationCheck) => c.records.map((r) => [r.name, r.status]);
const only = (c: DelegationCheck) => {
  expect(c.findings).toHaveLength(1);
  return c.findings[0];
};

describe('checkDelegation on real DNS answers', () => {
  test('three CNAMEs to what the app manages: ok, no finding, in the order to create them', async () => {
    publish('good.example');
    const c = await verify('good.example');
    expect(statuses(c)).toEqual([
      ['mta-sts.good.example', DelegationStatus.OK],
      ['_smtp._tls.good.example', DelegationStatus.OK],
      ['_mta-sts.good.example', DelegationStatus.OK],
    ]);
    expect(c.findings).toEqual([]);
    expect(c.records[2].live).toMatchObject({ state: AliasState.ALIAS, chain: [`_mta-sts.good.example.${ZONE}`] });
    expect(c.records[2].zoneLine).toBe(`_mta-sts.good.example. 3600 IN CNAME _mta-sts.good.example.${ZONE}.`);
  });

  test('targets in odd case, and a routing endpoint given in odd case with a trailing dot, compare normalised', async () => {
    publish('case.example', {
      host: { CNAME: 'D111111ABCDEF8.CloudFront.NET' },
      rpt: { CNAME: `_SMTP._TLS.Case.Example.${ZONE.toUpperCase()}` },
      sts: { CNAME: `_MTA-STS.case.EXAMPLE.${ZONE}.` },
    });
    const c = await verify('case.example', { routingEndpoint: 'D111111ABCDEF8.cloudfront.net.' });
    expect(c.findings).toEqual([]);
    expect(c.routingEndpoint).toBe(ENDPOINT);
    expect(c.records[0].live.chain).toEqual([ENDPOINT]);
  });

  test('without TLS-RPT only the policy host and _mta-sts are verified', async () => {
    publish('nortp.example', { rpt: null });
    const c = await verify('nortp.example', { publishesTlsRpt: false });
    expect(statuses(c)).toEqual([
      ['mta-sts.nortp.example', DelegationStatus.OK],
      ['_mta-sts.nortp.example', DelegationStatus.OK],
    ]);
  });

  test('none made yet: one warning each with its consequence and the zone line to create', async () => {
    const c = await verify('none.example', { routingEndpoint: undefined });
    expect(statuses(c).map(([, s]) => s)).toEqual([DelegationStatus.MISSING, DelegationStatus.MISSING, DelegationStatus.MISSING]);
    expect(c.findings.map((f) => [f.code, f.severity, f.field])).toEqual([
      ['delegation-cname-missing', Severity.WARNING, 'mta-sts.none.example CNAME'],
      ['delegation-cname-missing', Severity.WARNING, '_smtp._tls.none.example CNAME'],
      ['delegation-cname-missing', Severity.WARNING, '_mta-sts.none.example CNAME'],
    ]);
    expect(c.findings[0].message).toBe(
      "mta-sts.none.example has no CNAME at your DNS provider (nxdomain), so senders cannot fetch the policy, and CloudFront cannot validate the domain's certificate: " +
        'create "mta-sts.none.example. 3600 IN CNAME <routing endpoint: known once the hosting is deployed>" at your DNS provider ' +
        "(the target is the hosting's routing endpoint: `mta-sts records --stage <stage>` prints it once the hosting stack is deployed)",
    );
    expect(c.findings[1].message).toBe(
      `_smtp._tls.none.example has no CNAME at your DNS provider (nxdomain), so senders send no TLS-RPT reports for none.example to the app's addresses: create "_smtp._tls.none.example. 3600 IN CNAME _smtp._tls.none.example.${ZONE}." at your DNS provider`,
    );
    expect(c.findings[2].message).toBe(
      `_mta-sts.none.example has no CNAME at your DNS provider (nxdomain), so senders see no MTA-STS policy for none.example (no mail is stranded, and none is protected): create "_mta-sts.none.example. 3600 IN CNAME _mta-sts.none.example.${ZONE}." at your DNS provider`,
    );
  });

  test('a policy host missing while _mta-sts is delegated: create it first', async () => {
    publish('order.example', { host: null, extra: { 'order.example': { MX: [{ preference: 10, exchange: 'mx.order.example' }] } } });
    const c = await verify('order.example');
    expect(only(c).message).toMatch(
      /^mta-sts\.order\.example has no CNAME at your DNS provider \(nxdomain\), so senders learn of the policy from _mta-sts\.order\.example but cannot fetch it, and CloudFront cannot validate the domain's certificate \(this CNAME comes first\): create "mta-sts\.order\.example\. 3600 IN CNAME d111111abcdef8\.cloudfront\.net\." at your DNS provider$/,
    );
  });

  test('a name that exists without a CNAME or TXT (NODATA) is missing too', async () => {
    publish('nodata.example', { sts: { MX: [{ preference: 1, exchange: 'x.example' }] } });
    const f = only(await verify('nodata.example'));
    expect([f.code, f.message]).toEqual(['delegation-cname-missing', expect.stringMatching(/^_mta-sts\.nodata\.example has no CNAME at your DNS provider \(nodata\)/)]);
  });

  test('a CNAME to another name is an error naming both and the line to make', async () => {
    publish('wrong.example', { sts: { CNAME: '_mta-sts.wrong.example.other-vendor.net' }, extra: { '_mta-sts.wrong.example.other-vendor.net': { TXT: [['v=STSv1; id=x;']] } } });
    const f = only(await verify('wrong.example'));
    expect(f).toEqual({
      code: 'delegation-cname-wrong',
      severity: Severity.ERROR,
      field: '_mta-sts.wrong.example CNAME',
      message:
        `_mta-sts.wrong.example is a CNAME to _mta-sts.wrong.example.other-vendor.net, not to _mta-sts.wrong.example.${ZONE}: senders read the record at its end, so the app's changes never reach them; ` +
        `replace it with "_mta-sts.wrong.example. 3600 IN CNAME _mta-sts.wrong.example.${ZONE}." at your DNS provider`,
    });
  });

  test('a policy host to another endpoint is wrong: senders fetch elsewhere', async () => {
    publish('host.example', { host: { CNAME: 'd999999zzzzzz9.cloudfront.net' }, extra: { 'd999999zzzzzz9.cloudfront.net': { A: ['192.0.2.99'] } } });
    const f = only(await verify('host.example'));
    expect(f.code).toBe('delegation-cname-wrong');
    expect(f.message).toMatch(/^mta-sts\.host\.example is a CNAME to d999999zzzzzz9\.cloudfront\.net, not to d111111abcdef8\.cloudfront\.net: senders fetch the policy elsewhere, never from the hosting; replace it with "mta-sts\.host\.example\. 3600 IN CNAME d111111abcdef8\.cloudfront\.net\."/);
  });

  test('a chain through an intermediate name that ends at the delegated name is accepted; one that goes past it is not', async () => {
    publish('chain.example', {
      sts: { CNAME: 'sts.cname-hub.example' },
      rpt: { CNAME: `_smtp._tls.chain.example.${ZONE}` },
      extra: {
        'sts.cname-hub.example': { CNAME: `_mta-sts.chain.example.${ZONE}` },
        [`_smtp._tls.chain.example.${ZONE}`]: { CNAME: 'elsewhere.example' },
        'elsewhere.example': { TXT: [['v=TLSRPTv1; rua=mailto:x@elsewhere.example']] },
      },
    });
    const c = await verify('chain.example');
    expect(c.records[2]).toMatchObject({ status: DelegationStatus.OK, live: { chain: ['sts.cname-hub.example', `_mta-sts.chain.example.${ZONE}`] } });
    expect(only(c).message).toMatch(new RegExp(`^_smtp\\._tls\\.chain\\.example is a CNAME to _smtp\\._tls\\.chain\\.example\\.${ZONE.replace(/\./g, '\\.')} → elsewhere\\.example, not to`));
  });

  test('a TXT record at _mta-sts instead of a CNAME shadows ours: an error showing the value', async () => {
    publish('shadow.example', { sts: { TXT: [['v=STSv1; id=old;']] } });
    const f = only(await verify('shadow.example'));
    expect(f).toMatchObject({ code: 'delegation-cname-shadowed', severity: Severity.ERROR, field: '_mta-sts.shadow.example CNAME' });
    expect(f.message).toBe(
      `_mta-sts.shadow.example holds 1 TXT record(s) of its own at your DNS provider ("v=STSv1; id=old;") instead of a CNAME: senders read those, never the app's record; ` +
        `delete them and create "_mta-sts.shadow.example. 3600 IN CNAME _mta-sts.shadow.example.${ZONE}." at your DNS provider`,
    );
  });

  test('A records at the policy host instead of a CNAME: the policy is served elsewhere', async () => {
    publish('ahost.example', { host: { A: ['198.51.100.7'] } });
    const f = only(await verify('ahost.example'));
    expect(f.code).toBe('delegation-cname-shadowed');
    expect(f.message).toMatch(/^mta-sts\.ahost\.example holds 1 A\/AAAA record\(s\) of its own at your DNS provider \("198\.51\.100\.7"\) instead of a CNAME: senders fetch the policy there, not from the hosting, and CloudFront cannot validate the certificate; delete them/);
  });

  test('an answer with many TXT records (over TCP): the count, five shown', async () => {
    publish('many.example', { rpt: { TXT: Array.from({ length: 60 }, (_, i) => [`v=TLSRPTv1; rua=mailto:r${i}@many.example`]) } });
    const f = only(await verify('many.example'));
    expect(f.code).toBe('delegation-cname-shadowed');
    expect(f.message).toMatch(/holds 60 TXT record\(s\) of its own at your DNS provider \("[^"]+", "[^"]+", "[^"]+", "[^"]+", "[^"]+" and 55 more\)/);
  });

  test('a CNAME loop is an error showing the loop; a name aliased to itself too', async () => {
    publish('loop.example', { sts: { CNAME: 'a.loop.example' }, rpt: { CNAME: '_smtp._tls.loop.example' }, extra: { 'a.loop.example': { CNAME: 'b.loop.example' }, 'b.loop.example': { CNAME: 'A.loop.example' } } });
    const c = await verify('loop.example');
    expect(c.findings.map((f) => f.code)).toEqual(['delegation-cname-loop', 'delegation-cname-loop']);
    expect(c.findings[0].message).toMatch(/^the CNAME chain of _smtp\._tls\.loop\.example loops \(_smtp\._tls\.loop\.example → _smtp\._tls\.loop\.example\): resolvers answer SERVFAIL/);
    expect(c.findings[1].message).toBe(
      `the CNAME chain of _mta-sts.loop.example loops (_mta-sts.loop.example → a.loop.example → b.loop.example → a.loop.example): resolvers answer SERVFAIL, so senders read nothing there; ` +
        `replace it with "_mta-sts.loop.example. 3600 IN CNAME _mta-sts.loop.example.${ZONE}." at your DNS provider`,
    );
  });

  test(`a chain longer than ${MAX_CNAME_HOPS} CNAMEs is an error, and the lookups stop there`, async () => {
    const hops = 20;
    const extra: Record<string, DnsNode> = {};
    for (let i = 0; i < hops; i++) extra[`h${i}.long.example`] = { CNAME: i === hops - 1 ? `_mta-sts.long.example.${ZONE}` : `h${i + 1}.long.example` };
    publish('long.example', { sts: { CNAME: 'h0.long.example' }, extra });
    const before = dns.queries.length;
    const c = await verify('long.example');
    const f = only(c);
    expect(f.code).toBe('delegation-cname-chain-too-long');
    expect(f.message).toMatch(/^_mta-sts\.long\.example starts a chain of more than 8 CNAMEs \(_mta-sts\.long\.example → h0\.long\.example → .* → h7\.long\.example → …\): resolvers give up on long chains/);
    const stsQueries = dns.queries.slice(before).filter((q) => /^CNAME (_mta-sts\.long|h\d+\.long)/.test(q));
    expect(stsQueries).toHaveLength(MAX_CNAME_HOPS + 1);
  });

  test('SERVFAIL or no answer: not verified, a warning naming the outcome and the name', async () => {
    publish('fail.example', { sts: { behavior: DnsBehavior.SERVFAIL }, host: { CNAME: 'hub.fail.example' }, extra: { 'hub.fail.example': { behavior: DnsBehavior.SILENT } } });
    const c = await checkDelegation(new DnsLookup(resolveCheckOptions({ dnsServer: dns.server, dnsTimeoutMs: 400 })), { domain: 'fail.example', delegationZone: ZONE, publishesTlsRpt: true, routingEndpoint: ENDPOINT });
    expect(c.findings.map((f) => [f.code, f.severity])).toEqual([
      ['delegation-cname-unreadable', Severity.WARNING],
      ['delegation-cname-unreadable', Severity.WARNING],
    ]);
    expect(c.findings[0].message).toMatch(/^mta-sts\.fail\.example could not be read through DNS \(timeout ETIMEOUT at hub\.fail\.example\), so its CNAME was not verified/);
    expect(c.findings[1].message).toBe(
      "_mta-sts.fail.example could not be read through DNS (servfail ESERVFAIL at _mta-sts.fail.example), so its CNAME was not verified: run again, or check your DNS provider's name servers answer for it",
    );
  });

  test('the routing endpoint unknown: a CNAME into cloudfront.net is a warning that it was not compared; elsewhere is wrong', async () => {
    publish('unknown.example');
    const c = await verify('unknown.example', { routingEndpoint: undefined });
    expect(only(c)).toEqual({
      code: 'delegation-endpoint-not-compared',
      severity: Severity.WARNING,
      field: 'mta-sts.unknown.example CNAME',
      message:
        "mta-sts.unknown.example is a CNAME into CloudFront (to d111111abcdef8.cloudfront.net), but the hosting's routing endpoint is not known here, so the exact target could not be compared: " +
        "give --routing-endpoint (the hosting stack's routing-endpoint output), or deploy the hosting stack and run again with read access to its outputs",
    });
    publish('unknown2.example', { host: { CNAME: 'policy.other-host.example' }, extra: { 'policy.other-host.example': { A: ['192.0.2.1'] } } });
    const f = only(await verify('unknown2.example', { routingEndpoint: undefined }));
    expect(f.code).toBe('delegation-cname-wrong');
    expect(f.message).toMatch(/^mta-sts\.unknown2\.example is a CNAME to policy\.other-host\.example, not into CloudFront \(\.cloudfront\.net\): senders fetch the policy elsewhere/);
  });
});
