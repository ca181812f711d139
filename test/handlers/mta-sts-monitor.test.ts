// The drift monitor's handler against the checker's loopback servers (DNS, HTTPS with a private
// CA), with an injected clock, an in-memory rollup store, a mocked Route 53 (the zones' MX record
// sets) and a recording CloudWatch mock.
import { CloudWatchClient, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ListResourceRecordSetsCommand, ListResourceRecordSetsCommandInput, ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { GetObjectCommand, GetObjectCommandInput, ListObjectsV2Command, ListObjectsV2CommandInput, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { DomainResult, handler, MonitorDeps, MonitorResult, readZoneMx, runMonitor } from '../../lib/handlers/mta-sts-monitor';
import { DEFAULT_DRIFT_THRESHOLDS, MonitorDomainConfig, MONITOR_CONFIG_VERSION } from '../../lib/monitor/monitor-config';
import { Severity } from '../../lib/policy/findings';
import { MtaStsMode } from '../../lib/policy/mode';
import { MtaStsPolicy } from '../../lib/policy/policy';
import { renderMtaStsRecord } from '../../lib/policy/records';
import { DnsBehavior } from '../check/servers/dns-server';
import { servePolicy } from '../check/servers/https-server';
import { Lab, LabMx } from '../check/servers/lab';

const DAY_MS = 24 * 60 * 60 * 1000;
const cloudwatch = mockClient(CloudWatchClient);
const s3 = mockClient(S3Client);
const route53 = mockClient(Route53Client);
/** The MX record sets of each hosted zone, by zone id (a name past the domain ends each listing). */
const zones = new Map<string, ResourceRecordSet[]>();
let lab: Lab;
let now: Date;
let result: MonitorResult;
let logs: string[];
const expectations: MonitorDomainConfig[] = [];
/** The rollup store: key to object. */
const rollups = new Map<string, string>();

function expect_(domain: string, policy: MtaStsPolicy, tlsRptRecord: string | null = Lab.goodTlsRpt(), hostedZoneId?: string): void {
  expectations.push({ domain, mode: policy.mode, mx: [...policy.mx], policyText: policy.text, policyId: policy.id, idFromBody: true, tlsRptRecord, hostedZoneId });
}

/** Publishes `domain` in the lab (DNS shows `dnsMx`) and in hosted zone `zoneId` (which holds `zoneMx`). */
function publishInZone(domain: string, policy: MtaStsPolicy, zoneId: string, dnsMx: string[], zoneMx: string[]): void {
  lab.domain(domain, { mx: dnsMx.map((h) => [h, LabMx.GOOD]), policy: servePolicy(policy.text), stsTxt: [[renderMtaStsRecord(policy.id)]] });
  expect_(domain, policy, Lab.goodTlsRpt(), zoneId);
  zones.set(zoneId, [
    { Name: `${domain}.`, Type: 'MX', TTL: 3600, ResourceRecords: zoneMx.map((h, i) => ({ Value: `${10 * (i + 1)} ${h}.` })) },
    // The next set in Route 53's order: the listing stops before it.
    { Name: `www.${domain}.`, Type: 'MX', TTL: 300, ResourceRecords: [{ Value: `10 uncovered.elsewhere.test.` }] },
  ]);
}

function zoneCalls(): ListResourceRecordSetsCommandInput[] {
  return route53.commandCalls(ListResourceRecordSetsCommand).map((c) => c.args[0].input);
}

/** Publishes `domain` in the lab serving `served`, while the app publishes `published`. */
function publish(domain: string, published: MtaStsPolicy, served: MtaStsPolicy, mx: [string, LabMx][], extra: Parameters<Lab['domain']>[1] = {}): void {
  lab.domain(domain, { mx, policy: servePolicy(served.text), stsTxt: [[renderMtaStsRecord(published.id)]], ...extra });
  expect_(domain, published);
}

function dayBefore(n: number): string {
  return new Date(now.getTime() - n * DAY_MS).toISOString().slice(0, 10);
}

function deps(domains = expectations): MonitorDeps {
  return {
    config: { version: MONITOR_CONFIG_VERSION, domains },
    monitorName: 'prod',
    namespace: 'Test/Monitor',
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    route53: new Route53Client({ region: 'us-east-1' }),
    intervalMs: 3600 * 1000,
    rollups: { s3: new S3Client({ region: 'us-east-1' }), bucket: 'reports', prefix: '' },
    concurrency: 4,
    check: lab.options(),
    thresholds: DEFAULT_DRIFT_THRESHOLDS,
    now: () => now,
    log: (line) => logs.push(line),
  };
}

function of(domain: string): DomainResult {
  return result.domains.find((d) => d.domain === domain)!;
}

function codes(domain: string, severity?: Severity): string[] {
  return of(domain)
    .findings.filter((f) => severity === undefined || f.severity === severity)
    .map((f) => f.code)
    .sort();
}

function metricData(): MetricDatum[] {
  return cloudwatch.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []);
}

function datum(severity: Severity, domain?: string): MetricDatum | undefined {
  return metricData().find((d) => {
    const dims = Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value]));
    return dims.Severity === severity && dims.Domain === domain && dims.Monitor === 'prod' && Object.keys(dims).length === (domain ? 3 : 2);
  });
}

beforeAll(async () => {
  lab = await new Lab().start();
  const p = (mx: string[]) => Lab.goodPolicy(mx);
  publish('covered.test', p(['mx1.covered.test']), p(['mx1.covered.test']), [['mx1.covered.test', LabMx.GOOD]]);
  // The provider added a backup MX; the policy was not changed.
  publish('uncovered.test', p(['mx1.uncovered.test']), p(['mx1.uncovered.test']), [
    ['mx1.uncovered.test', LabMx.GOOD],
    ['mx2.uncovered.test', LabMx.GOOD],
  ]);
  // The tenant moved to a two-label host under the wildcard's domain.
  publish('wildcard.test', p(['*.mx.wildcard.test']), p(['*.mx.wildcard.test']), [['tenant.h-v1.mx.wildcard.test', LabMx.GOOD]]);
  // The edge still serves the previous body, while the record already carries the new id.
  publish('stale.test', p(['mx1.stale.test', 'mx2.stale.test']), p(['mx1.stale.test']), [['mx1.stale.test', LabMx.GOOD]]);
  const handPolicy = p(['mx1.handid.test']);
  lab.domain('handid.test', { policy: servePolicy(handPolicy.text), stsTxt: [['v=STSv1; id=20240101handedited;']] });
  expect_('handid.test', handPolicy);
  lab.domain('cert10.test', { httpsCert: lab.pki.issue({ cn: 'mta-sts.cert10.test', days: 11 }) });
  expect_('cert10.test', p(['mx1.cert10.test']));
  lab.domain('cert20.test', { httpsCert: lab.pki.issue({ cn: 'mta-sts.cert20.test', days: 21 }) });
  expect_('cert20.test', p(['mx1.cert20.test']));
  lab.domain('quiet.test');
  expect_('quiet.test', p(['mx1.quiet.test']));
  lab.domain('rpt.test', { rptTxt: [['v=TLSRPTv1; rua=mailto:someone-else@example.org']] });
  expect_('rpt.test', p(['mx1.rpt.test']));
  // The MX lookup times out (the policy is still fetched and compared).
  const silent = { behavior: DnsBehavior.SILENT };
  lab.domain('timeout.test', { dns: { 'timeout.test': silent } });
  expect_('timeout.test', p(['mx1.timeout.test']));
  // Every lookup of the domain times out: the checker says DNS is unusable, and checks nothing else.
  lab.domain('alltimeout.test', { dns: { 'alltimeout.test': silent, '_mta-sts.alltimeout.test': silent, '_smtp._tls.alltimeout.test': silent } });
  expect_('alltimeout.test', p(['mx1.alltimeout.test']));
  // Only the TLS-RPT lookup times out.
  lab.domain('rpttimeout.test', { dns: { '_smtp._tls.rpttimeout.test': silent } });
  expect_('rpttimeout.test', p(['mx1.rpttimeout.test']));

  // Zones of the app: the zone already holds an MX host that DNS does not show yet.
  publishInZone('zone.test', p(['mx1.zone.test']), 'ZZONE', ['mx1.zone.test'], ['mx1.zone.test', 'mx3.zone.test']);
  const testing = MtaStsPolicy.create({ mode: MtaStsMode.TESTING, mx: ['mx1.zonetesting.test'] });
  publishInZone('zonetesting.test', testing, 'ZTESTING', ['mx1.zonetesting.test'], ['mx1.zonetesting.test', 'backup.zonetesting.test']);
  publishInZone('zonecovered.test', p(['*.mx.zonecovered.test']), 'ZCOVERED', ['a.mx.zonecovered.test'], ['a.mx.zonecovered.test', 'b.mx.zonecovered.test']);
  // Route 53 refuses or throttles; DNS still shows an uncovered host, which the checker reports.
  publishInZone('zonedenied.test', p(['mx1.zonedenied.test']), 'ZDENIED', ['mx1.zonedenied.test', 'mx2.zonedenied.test'], []);
  publishInZone('zonethrottled.test', p(['mx1.zonethrottled.test']), 'ZTHROTTLED', ['mx1.zonethrottled.test'], []);
  route53.on(ListResourceRecordSetsCommand).callsFake(async (input: ListResourceRecordSetsCommandInput) => {
    if (input.HostedZoneId === 'ZDENIED') throw Object.assign(new Error('User is not authorized to perform route53:ListResourceRecordSets'), { name: 'AccessDenied' });
    if (input.HostedZoneId === 'ZTHROTTLED') throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { attempts: 3 } });
    const sets = zones.get(input.HostedZoneId!) ?? [];
    // Truncated, with more sets past the domain: one page is read.
    return { ResourceRecordSets: sets, IsTruncated: true, NextRecordName: 'zzz.test.', NextRecordType: 'MX', MaxItems: 300 };
  });

  // After the certificates are issued: the 10-day certificate has 10 whole days left at `now`.
  now = new Date();
  const rollup = (reporters: string[]) => JSON.stringify({ schemaVersion: 1, contributions: reporters.map((reporter) => ({ reporter })) });
  rollups.set(`rollups/domain=quiet.test/day=${dayBefore(40)}/a.json`, rollup(['Old Reporter']));
  rollups.set(`rollups/domain=quiet.test/day=${dayBefore(10)}/b.json`, rollup(['Microsoft', 'Google']));
  rollups.set(`rollups/domain=quiet.test/day=${dayBefore(1)}/c.json`, rollup(['Google']));
  rollups.set(`rollups/domain=quiet.test/day=${dayBefore(0)}/d.json`, 'not json');
  s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => ({
    Contents: [...rollups.keys()].filter((k) => k.startsWith(input.Prefix!) && (!input.StartAfter || k > input.StartAfter)).sort().map((Key) => ({ Key })),
    IsTruncated: false,
  }));
  s3.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => ({ Body: { transformToString: async () => rollups.get(input.Key!) ?? '' } }));
  cloudwatch.on(PutMetricDataCommand).resolves({});

  // A daily schedule: every run is the first of its UTC day, so the rollups are read.
  logs = [];
  result = await runMonitor({ ...deps(), intervalMs: DAY_MS });
}, 120000);

afterAll(async () => {
  await lab?.stop();
});

describe('MTA-STS monitor handler', () => {
  test('a covered MX under enforce: no error and no warning, and the MX hosts are not probed over SMTP', () => {
    expect(codes('covered.test', Severity.ERROR)).toEqual([]);
    expect(codes('covered.test', Severity.WARNING)).toEqual([]);
    expect(codes('covered.test')).toContain('mx-not-probed');
    expect(datum(Severity.ERROR, 'covered.test')?.Value).toBe(0);
  });

  test('a new uncovered MX under enforce is the checker\'s mx-not-covered error, and the alarm metric is above 0', () => {
    expect(codes('uncovered.test', Severity.ERROR)).toEqual(['mx-not-covered']);
    const f = of('uncovered.test').findings.find((x) => x.code === 'mx-not-covered')!;
    expect(f.field).toBe('mx2.uncovered.test');
    expect(f.message).toMatch(/under enforce senders refuse to deliver to it/);
    expect(datum(Severity.ERROR, 'uncovered.test')?.Value).toBe(1);
    // The stage-wide datum the alarm watches counts every domain's errors of the run.
    expect(datum(Severity.ERROR)?.Value).toBe(result.errors);
    expect(result.errors).toBeGreaterThan(0);
  });

  test('a wildcard does not cover a two-label host', () => {
    expect(codes('wildcard.test', Severity.ERROR)).toEqual(['mx-not-covered']);
    expect(of('wildcard.test').findings.find((x) => x.code === 'mx-not-covered')!.message).toMatch(/tenant\.h-v1\.mx\.wildcard\.test.*\*\.mx\.wildcard\.test.*a wildcard covers exactly one label/);
  });

  test('a stale body is drift-policy-body, naming both versions and the cached id', () => {
    expect(codes('stale.test', Severity.ERROR)).toEqual(['drift-policy-body']);
    const f = of('stale.test').findings.find((x) => x.code === 'drift-policy-body')!;
    expect(f.message).toMatch(/served: mode enforce, mx mx1\.stale\.test; published: mode enforce, mx mx1\.stale\.test, mx2\.stale\.test/);
    expect(f.message).toMatch(/already carries the published id/);
  });

  test('an id edited by hand is drift-policy-id, with the id to restore', () => {
    expect(codes('handid.test', Severity.ERROR)).toEqual(['drift-policy-id']);
    const f = of('handid.test').findings.find((x) => x.code === 'drift-policy-id')!;
    expect(f.message).toMatch(/carries id "20240101handedited", but the served body's id is "[0-9a-f]{32}"/);
  });

  test('a certificate expiring in 10 days is an error; in 20 days a warning (same code as check)', () => {
    const e = of('cert10.test').findings.filter((x) => x.code === 'https-cert-expiring');
    expect(e.map((x) => x.severity)).toEqual([Severity.ERROR]);
    expect(e[0].message).toMatch(/in 10 day\(s\)/);
    expect(codes('cert10.test', Severity.ERROR)).toEqual(['https-cert-expiring']);
    expect(codes('cert20.test', Severity.WARNING)).toEqual(['https-cert-expiring']);
    expect(codes('cert20.test', Severity.ERROR)).toEqual([]);
  });

  test('a reporter gone quiet is a warning; one seen yesterday or 40 days ago is not', () => {
    const quiet = of('quiet.test').findings.filter((x) => x.code === 'reporter-quiet');
    expect(quiet.map((x) => x.field)).toEqual(['reporter "Microsoft"']);
    expect(quiet[0].severity).toBe(Severity.WARNING);
    expect(quiet[0].message).toMatch(new RegExp(`last report covers ${dayBefore(10)} \\(10 days ago\\)`));
    // Only the rollups of the window were read, through the day prefixes.
    const listed = s3.commandCalls(ListObjectsV2Command).find((c) => c.args[0].input.Prefix === 'rollups/domain=quiet.test/')!;
    expect(listed.args[0].input.StartAfter).toBe(`rollups/domain=quiet.test/day=${dayBefore(30)}`);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).not.toContain(`rollups/domain=quiet.test/day=${dayBefore(40)}/a.json`);
  });

  test('the TLS-RPT record changed outside the app is drift-tls-rpt-record', () => {
    expect(codes('rpt.test', Severity.WARNING)).toEqual(['drift-tls-rpt-record']);
    expect(of('rpt.test').findings.find((x) => x.code === 'drift-tls-rpt-record')!.message).toMatch(/holds "v=TLSRPTv1; rua=mailto:someone-else@example.org", but this app publishes "v=TLSRPTv1; rua=mailto:tlsrpt@example.net"/);
  });

  test('a DNS time-out is reported as such, not as drift', () => {
    expect(codes('timeout.test', Severity.ERROR)).toEqual(['dns-timeout']);
    expect(of('timeout.test').findings.find((x) => x.code === 'dns-timeout')!.field).toBe('timeout.test MX');
    expect(codes('timeout.test').filter((c) => c.startsWith('drift-') || c.startsWith('mx-'))).toEqual([]);
    expect(codes('alltimeout.test', Severity.ERROR)).toEqual(['dns-unusable']);
    expect(of('alltimeout.test').findings.find((x) => x.code === 'dns-unusable')!.message).toMatch(/did not answer in time/);
    expect(codes('alltimeout.test').filter((c) => c.startsWith('drift-'))).toEqual([]);
    expect(codes('rpttimeout.test', Severity.ERROR)).toEqual(['dns-timeout']);
    expect(of('rpttimeout.test').findings.find((x) => x.code === 'dns-timeout')!.field).toBe('_smtp._tls.rpttimeout.test TXT');
    expect(codes('rpttimeout.test').filter((c) => c.startsWith('drift-'))).toEqual([]);
  });

  test('the zone holds an uncovered MX under enforce that DNS does not show yet: mx-not-covered error, alarm metric above 0', () => {
    expect(codes('zone.test', Severity.ERROR)).toEqual(['mx-not-covered']);
    const f = of('zone.test').findings.find((x) => x.code === 'mx-not-covered')!;
    expect(f.field).toBe('mx3.zone.test');
    expect(f.message).toMatch(/MX host mx3\.zone\.test is in hosted zone ZZONE at zone\.test, which DNS does not show yet .* served policy \(mx1\.zone\.test\) matches it: under enforce senders refuse/);
    expect(f.message).toMatch(/add "mx3\.zone\.test" to the domain's `mx` and deploy/);
    expect(datum(Severity.ERROR, 'zone.test')?.Value).toBe(1);
    // One page, from the domain's name and type; the set past the name is not read as the domain's.
    expect(zoneCalls().filter((c) => c.HostedZoneId === 'ZZONE')).toEqual([{ HostedZoneId: 'ZZONE', StartRecordName: 'zone.test.', StartRecordType: 'MX' }]);
    expect(JSON.stringify(of('zone.test').findings)).not.toMatch(/uncovered\.elsewhere/);
  });

  test('under testing, an uncovered zone MX is a warning', () => {
    expect(codes('zonetesting.test', Severity.ERROR)).toEqual([]);
    expect(codes('zonetesting.test', Severity.WARNING)).toEqual(['mx-not-covered']);
    expect(of('zonetesting.test').findings.find((x) => x.code === 'mx-not-covered')!.message).toMatch(/backup\.zonetesting\.test .* report every delivery to it as a failure/);
  });

  test('zone MX hosts the served policy covers: no finding', () => {
    expect(codes('zonecovered.test', Severity.ERROR)).toEqual([]);
    expect(codes('zonecovered.test', Severity.WARNING)).toEqual([]);
    expect(zoneCalls().some((c) => c.HostedZoneId === 'ZCOVERED')).toBe(true);
  });

  test('Route 53 access denied or throttled is its own warning, and the DNS checks still run', () => {
    expect(codes('zonedenied.test', Severity.WARNING)).toEqual(['route53-unreadable']);
    const denied = of('zonedenied.test').findings.find((x) => x.code === 'route53-unreadable')!;
    expect(denied.field).toBe('zonedenied.test MX (hosted zone ZDENIED)');
    expect(denied.message).toMatch(/could not be read \(access denied: missing permission route53:ListResourceRecordSets on arn:aws:route53:::hostedzone\/ZDENIED/);
    // DNS shows mx2, which the policy does not cover: the checker's finding, as without a zone.
    expect(codes('zonedenied.test', Severity.ERROR)).toEqual(['mx-not-covered']);
    expect(of('zonedenied.test').findings.find((x) => x.code === 'mx-not-covered')!.field).toBe('mx2.zonedenied.test');
    expect(codes('zonethrottled.test', Severity.WARNING)).toEqual(['route53-unreadable']);
    expect(of('zonethrottled.test').findings.find((x) => x.code === 'route53-unreadable')!.message).toMatch(/still throttled ListResourceRecordSets on hosted zone ZTHROTTLED after 3 attempt/);
    // Not an alarm by itself.
    expect(codes('zonethrottled.test', Severity.ERROR)).toEqual([]);
    expect(datum(Severity.ERROR, 'zonethrottled.test')?.Value).toBe(0);
    expect(codes('zonethrottled.test')).toContain('mx-not-probed');
  });

  test('a domain without a known zone makes no Route 53 call', () => {
    const listed = new Set(zoneCalls().map((c) => c.StartRecordName));
    expect([...listed].sort()).toEqual(['zone.test.', 'zonecovered.test.', 'zonedenied.test.', 'zonetesting.test.', 'zonethrottled.test.']);
    expect(codes('covered.test')).not.toContain('route53-unreadable');
  });

  test('the zone read is bounded to one page: more MX sets at the name than a page holds is a read failure', async () => {
    const client = new Route53Client({ region: 'us-east-1' });
    // An instance mock: the class-wide mock of the other tests stays as it is.
    const many = mockClient(client);
    many.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [{ Name: 'big.test.', Type: 'MX', SetIdentifier: 'a', Weight: 1, ResourceRecords: [{ Value: '10 mx1.big.test.' }] }],
      IsTruncated: true,
      NextRecordName: 'big.test.',
      NextRecordType: 'MX',
      NextRecordIdentifier: 'b',
      MaxItems: 1,
    });
    const zone = await readZoneMx(client, 'ZBIG', 'big.test');
    expect(zone.sets).toBeUndefined();
    expect(zone.error).toMatch(/more than 1 page\(s\) of record sets at big\.test in hosted zone ZBIG/);
    expect(many.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(1);
  });

  test('each domain is logged as one JSON line with its findings', () => {
    const line = logs.map((l) => JSON.parse(l) as { domain?: string; findings?: { code: string }[] }).find((l) => l.domain === 'uncovered.test')!;
    expect(line.findings!.map((f) => f.code)).toContain('mx-not-covered');
  });

  test('the entry point returns the counts; the reporter check waits for the first run of the next day', async () => {
    s3.resetHistory();
    const later = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + 5 * 3600 * 1000);
    const out = await handler({}, undefined, { ...deps(expectations.filter((e) => e.domain === 'quiet.test')), now: () => later });
    expect(out).toEqual({ errors: 0, warnings: 0, domains: 1 });
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  test('an S3 failure of the rollups is logged and the domain is still checked', async () => {
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    logs = [];
    const out = await handler({}, undefined, { ...deps(expectations.filter((e) => e.domain === 'covered.test')), intervalMs: DAY_MS });
    expect(out.errors).toBe(0);
    expect(logs.some((l) => /rollups.*not read: AccessDenied: Access Denied/.test(l))).toBe(true);
  });
});
