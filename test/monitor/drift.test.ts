import { LiveRecordSet } from '../../lib/aws/record-set';
import { CheckReport } from '../../lib/check/check-report';
import { MAX_ZONE_MX_FINDINGS, reporterActivity, reporterCheckDue, zoneMxFindings } from '../../lib/monitor/drift';
import { mapBounded } from '../../lib/monitor/bounded';
import { MONITOR_CONFIG_VERSION, MonitorDomainConfig, parseMonitorConfig, renderMonitorConfig } from '../../lib/monitor/monitor-config';
import { Severity } from '../../lib/policy/findings';
import { MtaStsMode } from '../../lib/policy/mode';

const HOUR = 3600 * 1000;

describe('drift helpers', () => {
  test.each<[string, number, boolean]>([
    ['2026-11-20T00:10:00Z', HOUR, true],
    ['2026-11-20T00:59:59Z', HOUR, true],
    ['2026-11-20T01:00:00Z', HOUR, false],
    ['2026-11-20T23:30:00Z', HOUR, false],
    ['2026-11-20T05:00:00Z', 6 * HOUR, true],
    ['2026-11-20T17:00:00Z', 24 * HOUR, true],
  ])('the reporter check at %s every %d ms is due: %s', (at, interval, due) => {
    expect(reporterCheckDue(new Date(at), interval)).toBe(due);
  });

  test('each reporter\'s last day, sorted by reporter', () => {
    expect(
      reporterActivity([
        { reporter: 'b', day: '2026-11-01' },
        { reporter: 'a', day: '2026-11-03' },
        { reporter: 'b', day: '2026-11-05' },
        { reporter: 'a', day: '2026-10-30' },
      ]),
    ).toEqual([
      { reporter: 'a', lastSeenDay: '2026-11-03' },
      { reporter: 'b', lastSeenDay: '2026-11-05' },
    ]);
  });

  test('at most 100 reporters, the most recent kept (names come from reports)', () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ reporter: `r${String(i).padStart(3, '0')}`, day: i < 50 ? '2026-01-01' : '2026-11-01' }));
    const out = reporterActivity(many);
    expect(out).toHaveLength(100);
    expect(out.every((r) => r.lastSeenDay === '2026-11-01')).toBe(true);
  });

  test('mapBounded keeps the order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([5, 1, 3, 2, 4], 2, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
    await expect(mapBounded([1], 0, async (n) => n)).rejects.toThrow(/`concurrency` must be a whole number of at least 1, got 0/);
  });

  test('the expectations file round-trips, sorted; a bad one names the path and the value', () => {
    const d = { domain: 'b.example', mode: 'enforce', mx: ['mx.b.example'], policyText: 'x', policyId: 'abc', idFromBody: true, tlsRptRecord: null };
    const text = renderMonitorConfig({ version: MONITOR_CONFIG_VERSION, domains: [d, { ...d, domain: 'a.example' }] });
    expect(parseMonitorConfig(text).domains.map((x) => x.domain)).toEqual(['a.example', 'b.example']);
    expect(() => parseMonitorConfig('{')).toThrow(/is not JSON/);
    expect(() => parseMonitorConfig(JSON.stringify({ version: 1, domains: [{ ...d, policyId: 'not-an-id' }] }))).toThrow(/invalid at domains\.0\.policyId: .*got "not-an-id"/);
  });

  test('the hosted zone id round-trips where known, is left out otherwise, and a bad one names its value', () => {
    const d = { domain: 'a.example', mode: 'enforce', mx: ['mx.a.example'], policyText: 'x', policyId: 'abc', idFromBody: true, tlsRptRecord: null };
    const text = renderMonitorConfig({ version: MONITOR_CONFIG_VERSION, domains: [{ ...d, hostedZoneId: 'Z1EXAMPLE' }, { ...d, domain: 'b.example' }] });
    expect(text).not.toMatch(/"hostedZoneId":(null|undefined)/);
    expect(parseMonitorConfig(text).domains.map((x) => x.hostedZoneId)).toEqual(['Z1EXAMPLE', undefined]);
    expect(() => parseMonitorConfig(JSON.stringify({ version: 1, domains: [{ ...d, hostedZoneId: '/hostedzone/Z1' }] }))).toThrow(/invalid at domains\.0\.hostedZoneId: .*got "\/hostedzone\/Z1"/);
  });
});

describe('zone MX against the policy senders hold', () => {
  const expected: MonitorDomainConfig = { domain: 'example.com', mode: 'enforce', mx: ['mx1.example.com'], policyText: 'x', policyId: 'abc', idFromBody: true, tlsRptRecord: null, hostedZoneId: 'Z1' };
  const report = (over: Partial<CheckReport> = {}): CheckReport => ({
    domain: 'example.com',
    checkedAt: '2026-11-20T00:00:00Z',
    durationMs: 1,
    rua: [],
    mxHosts: [],
    mx: [],
    sections: [],
    ...over,
  }) as CheckReport;
  const zone = (...hosts: string[]): { hostedZoneId: string; sets: LiveRecordSet[] } => ({
    hostedZoneId: 'Z1',
    sets: [{ name: 'example.com', type: 'MX', ttl: 300, values: hosts.map((h, i) => `${i} ${h}.`) }],
  });
  const served = (mode: MtaStsMode, mx: string[]) => report({ policy: { mode, mx } });
  const probe = (host: string, covered?: boolean) => ({ host, covered, addresses: [] }) as unknown as CheckReport['mx'][number];

  test.each<[string, CheckReport, string[], [string, Severity][]]>([
    ['covered by the served policy', served(MtaStsMode.ENFORCE, ['*.example.com']), ['mx1.example.com', 'mx2.example.com'], []],
    ['uncovered under enforce: an error', served(MtaStsMode.ENFORCE, ['mx1.example.com']), ['mx1.example.com', 'mx2.example.com'], [['mx2.example.com', Severity.ERROR]]],
    ['uncovered under testing: a warning', served(MtaStsMode.TESTING, ['mx1.example.com']), ['mx2.example.com'], [['mx2.example.com', Severity.WARNING]]],
    ['uncovered under none: a note', served(MtaStsMode.NONE, ['mx1.example.com']), ['mx2.example.com'], [['mx2.example.com', Severity.INFO]]],
    ['a wildcard covers one label only', served(MtaStsMode.ENFORCE, ['*.example.com']), ['a.b.example.com'], [['a.b.example.com', Severity.ERROR]]],
    ['no served policy: the published one (enforce), which senders cache', report(), ['mx9.example.com'], [['mx9.example.com', Severity.ERROR]]],
    ['a host the checker judged from DNS is left to it', report({ policy: { mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com'] }, mx: [probe('mx2.example.com', false)] }), ['mx2.example.com'], []],
    ['a host DNS showed without a policy to judge it is still reported', report({ mx: [probe('mx2.example.com')] }), ['mx2.example.com'], [['mx2.example.com', Severity.ERROR]]],
  ])('%s', (_name, r, hosts, findings) => {
    const out = zoneMxFindings(expected, r, zone(...hosts));
    expect(out.map((f) => [f.field, f.severity])).toEqual(findings);
    expect(out.every((f) => f.code === 'mx-not-covered')).toBe(true);
  });

  test('the served policy is named, or the published one when the body was not read', () => {
    expect(zoneMxFindings(expected, served(MtaStsMode.ENFORCE, ['mx1.example.com']), zone('mx2.example.com'))[0].message).toMatch(/of the served policy \(mx1\.example\.com\)/);
    expect(zoneMxFindings(expected, report(), zone('mx2.example.com'))[0].message).toMatch(/of the published \(the served policy was not read\) policy/);
  });

  test('a read failure is route53-unreadable, a warning naming the zone and the cause', () => {
    const out = zoneMxFindings(expected, report(), { hostedZoneId: 'Z1', error: 'access denied: missing permission route53:ListResourceRecordSets on arn:aws:route53:::hostedzone/Z1' });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ code: 'route53-unreadable', severity: Severity.WARNING, field: 'example.com MX (hosted zone Z1)' });
    expect(out[0].message).toMatch(/could not be read \(access denied: missing permission .*\): this run compared the MX records as DNS shows them only/);
  });

  test(`at most ${MAX_ZONE_MX_FINDINGS} hosts are reported (a zone holds many values)`, () => {
    const hosts = Array.from({ length: 50 }, (_, i) => `h${i}.other.example`);
    expect(zoneMxFindings(expected, report(), zone(...hosts))).toHaveLength(MAX_ZONE_MX_FINDINGS);
  });
});
