import { addDays, dayOf, daysBetween, dayStartMs, isDay, isoInstant } from '../../lib/reports/private/utc-day';

describe('UTC day arithmetic (no Date objects on the hot path)', () => {
  test('isoInstant and dayOf agree with Date for instants across four centuries', () => {
    let seed = 8460;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const samples = [0, -1, 86_399_999, 86_400_000, Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(1900, 2, 1), Date.UTC(2100, 1, 28, 12), Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
    for (let i = 0; i < 5000; i++) samples.push(Math.floor((next() - 0.3) * 8e12));
    for (const ms of samples) {
      expect([isoInstant(ms), dayOf(ms)]).toEqual([new Date(ms).toISOString(), new Date(ms).toISOString().slice(0, 10)]);
    }
  });

  test('days', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2023-02-29')).toBe(false);
    expect(isDay('2026-13-01')).toBe(false);
    expect(dayStartMs('2026-11-20')).toBe(Date.UTC(2026, 10, 20));
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(daysBetween('2026-11-29', '2026-12-02')).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
  });
});
