import { metricsStateKeys, normalizedReportKey, parseRollupKey, reportCopyId, quarantineKey, quarantineNote, quarantineNoteKey, rawReportKey, RejectReason, ReportChannel, ReportRejectedError, rollupKey, rollupPrefix, STORE_PREFIXES, withPrefix } from '../../lib/reports';

const RECEIVED = new Date('2026-11-21T06:15:02.123Z');
const KEY = '0123456789abcdef0123456789abcdef';
const COPY = 'fedcba9876543210';

describe('store layout', () => {
  test('raw objects carry the receive time and the caller\'s unique id', () => {
    expect(rawReportKey({ receivedAt: RECEIVED, uniqueId: 'ses-msg_01', channel: ReportChannel.EMAIL })).toBe(
      'raw/channel=email/day=2026-11-21/20261121T061502123Z-ses-msg_01.eml',
    );
    expect(rawReportKey({ receivedAt: RECEIVED, uniqueId: 'u1', channel: ReportChannel.HTTPS })).toBe('raw/channel=https/day=2026-11-21/20261121T061502123Z-u1.body');
    expect(rawReportKey({ receivedAt: RECEIVED, uniqueId: 'u1', channel: ReportChannel.HTTPS, extension: 'json.gz' })).toMatch(/-u1\.json\.gz$/);
    // Two deliveries at the same millisecond differ by their ids: never overwritten.
    expect(rawReportKey({ receivedAt: RECEIVED, uniqueId: 'a', channel: ReportChannel.EMAIL })).not.toBe(rawReportKey({ receivedAt: RECEIVED, uniqueId: 'b', channel: ReportChannel.EMAIL }));
  });

  test('normalised reports and rollups are keyed by idempotency key and copy id (no copy replaces another)', () => {
    expect(normalizedReportKey({ day: '2026-11-20', idempotencyKey: KEY }, COPY)).toBe(`reports/day=2026-11-20/${KEY}-${COPY}.json`);
    expect(rollupKey('example.com', '2026-11-20', KEY, COPY)).toBe(`rollups/domain=example.com/day=2026-11-20/${KEY}-${COPY}.json`);
    expect(metricsStateKeys(KEY, COPY)).toEqual({ claim: `state/metrics/${KEY}-${COPY}.claim`, done: `state/metrics/${KEY}-${COPY}.done` });
    // The copy id is a hash of content and authentication: equal input, equal id; any change, another.
    expect(reportCopyId([{ a: 1 }])).toMatch(/^[0-9a-f]{16}$/);
    expect(reportCopyId([{ a: 1 }])).toBe(reportCopyId([{ a: 1 }]));
    expect(reportCopyId([{ a: 1 }])).not.toBe(reportCopyId([{ a: 2 }]));
    expect(rollupPrefix()).toBe(STORE_PREFIXES.rollups);
    expect(rollupPrefix('example.com')).toBe('rollups/domain=example.com/');
    expect(rollupPrefix('example.com', '2026-11-20')).toBe('rollups/domain=example.com/day=2026-11-20/');
  });

  test('rollup keys parse back, with or without a store prefix', () => {
    const key = rollupKey('xn--bcher-kva.example', '2026-11-20', KEY, COPY);
    expect(parseRollupKey(key)).toEqual({ domain: 'xn--bcher-kva.example', day: '2026-11-20', idempotencyKey: KEY, copyId: COPY });
    expect(parseRollupKey(withPrefix('tlsrpt', key), 'tlsrpt')).toEqual({ domain: 'xn--bcher-kva.example', day: '2026-11-20', idempotencyKey: KEY, copyId: COPY });
    // Keys written before copies had ids still parse.
    expect(parseRollupKey(`rollups/domain=example.com/day=2026-11-20/${KEY}.json`)).toEqual({ domain: 'example.com', day: '2026-11-20', idempotencyKey: KEY });
    expect(parseRollupKey(withPrefix('tlsrpt/', key), 'tlsrpt/')).toBeDefined();
    expect(parseRollupKey(`rollups/domain=example.com/day=2026-02-30/${KEY}.json`)).toBeUndefined();
    expect(parseRollupKey('rollups/domain=example.com/day=2026-11-20/notes.txt')).toBeUndefined();
    expect(parseRollupKey(key, 'other/')).toBeUndefined();
  });

  test('quarantine keys name the reason; the note says why', () => {
    const rawKey = rawReportKey({ receivedAt: RECEIVED, uniqueId: 'u1', channel: ReportChannel.HTTPS });
    const q = quarantineKey({ receivedAt: RECEIVED, uniqueId: 'u1', channel: ReportChannel.HTTPS, reason: RejectReason.GZIP_TRUNCATED });
    expect(q).toBe('quarantine/reason=gzip-truncated/day=2026-11-21/20261121T061502123Z-u1.body');
    expect(quarantineNoteKey(q)).toBe(`${q}.reason.json`);
    const e = new ReportRejectedError(RejectReason.GZIP_TRUNCATED, 'gzip', 'the gzip data ends early');
    expect(quarantineNote(e, rawKey, RECEIVED)).toEqual({ reason: 'gzip-truncated', field: 'gzip', message: 'the gzip data ends early', rawKey, receivedAt: '2026-11-21T06:15:02.123Z' });
    expect(quarantineNote(new TypeError('boom'), rawKey, RECEIVED)).toMatchObject({ reason: 'internal-error', field: 'input', message: 'boom' });
  });

  test.each<[string, () => string, RegExp]>([
    ['a domain in upper case', () => rollupKey('Example.com', '2026-11-20', KEY, COPY), /^`domain` must be written as lower-case A-labels without a trailing dot, got "Example.com"; use "example.com"$/],
    ['a domain that is a path', () => rollupKey('../etc', '2026-11-20', KEY, COPY), /^`domain` must be a domain name, got "..\/etc"/],
    ['a bad day', () => rollupKey('example.com', '20261120', KEY, COPY), /^`day` must be a UTC day written YYYY-MM-DD, got "20261120"$/],
    ['a bad key', () => normalizedReportKey({ day: '2026-11-20', idempotencyKey: 'x/../y' }, COPY), /^`idempotencyKey` must be 32 lower-case hex digits/],
    ['a bad copy id', () => rollupKey('example.com', '2026-11-20', KEY, '../x'), /^`copyId` must be 16 lower-case hex digits \(see reportCopyId\), got "..\/x"$/],
    ['a bad unique id', () => rawReportKey({ receivedAt: RECEIVED, uniqueId: 'a/b', channel: ReportChannel.EMAIL }), /^`uniqueId` must be 1 to 128 letters, digits, "_" or "-", got "a\/b"/],
    ['a bad reason', () => quarantineKey({ receivedAt: RECEIVED, uniqueId: 'u', channel: ReportChannel.EMAIL, reason: 'Bad Reason' }), /^`reason` must be a kebab-case code/],
    ['an invalid date', () => rawReportKey({ receivedAt: new Date('nope'), uniqueId: 'u', channel: ReportChannel.EMAIL }), /^`receivedAt` must be a valid date$/],
  ])('refuses %s', (_, fn, message) => {
    expect(fn).toThrow(message);
  });

  test('withPrefix', () => {
    expect(withPrefix('', 'a')).toBe('a');
    expect(withPrefix('p', 'a')).toBe('p/a');
    expect(withPrefix('p/', 'a')).toBe('p/a');
  });
});

test('the core subpath exports the report core', async () => {
  const lib = await import('../../lib/core');
  expect(typeof lib.parseReport).toBe('function');
  expect(typeof lib.assessReadiness).toBe('function');
  expect(lib.ResultType.DANE_REQUIRED).toBe('dane-required');
});
