import { reporterActivity, reporterCheckDue } from '../../lib/monitor/drift';
import { mapBounded } from '../../lib/monitor/bounded';
import { MONITOR_CONFIG_VERSION, parseMonitorConfig, renderMonitorConfig } from '../../lib/monitor/monitor-config';

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
});
