import { Severity } from '../../lib/policy/findings';
import { MtaStsMode } from '../../lib/policy/mode';
import { defaultMaxAgeSeconds, MtaStsPolicy, policyIdOf, validatePolicyOptions } from '../../lib/policy/policy';

const MX = ['mx1.example.com', 'mx2.example.com'];

describe('MtaStsPolicy rendering (generator profile)', () => {
  test('renders the conservative profile: fixed order, CRLF on every line, nothing else', () => {
    const p = MtaStsPolicy.create({ mode: MtaStsMode.ENFORCE, mx: ['mx2.example.com', 'MX1.example.com.'], maxAgeSeconds: 2419200 });
    expect(p.text).toBe('version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 2419200\r\n');
  });

  test('mx are normalised to lower-case A-labels, de-duplicated and sorted', () => {
    const p = MtaStsPolicy.create({ mode: MtaStsMode.TESTING, mx: ['Mx.Bücher.example', '*.MX.example.com', 'mx.xn--bcher-kva.example.', '*.mx.example.com'] });
    expect(p.mx).toEqual(['*.mx.example.com', 'mx.xn--bcher-kva.example']);
  });

  test('the body is pure ASCII with no blank line and no BOM', () => {
    const p = MtaStsPolicy.create({ mode: MtaStsMode.TESTING, mx: ['mx.bücher.example'] });
    expect(/^[\x20-\x7e\r\n]*$/.test(p.text)).toBe(true);
    expect(p.text).not.toMatch(/\r\n\r\n/);
    expect(p.text.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
  });

  test.each([
    [MtaStsMode.TESTING, 86400],
    [MtaStsMode.NONE, 86400],
    [MtaStsMode.ENFORCE, 1209600],
  ])('default max_age for %s is %d', (mode, seconds) => {
    expect(defaultMaxAgeSeconds(mode)).toBe(seconds);
    expect(MtaStsPolicy.create({ mode, mx: MX }).text).toContain(`max_age: ${seconds}\r\n`);
  });
});

describe('policy id', () => {
  const base = { mode: MtaStsMode.TESTING, mx: MX, maxAgeSeconds: 86400 };

  test('is 32 letters and digits, derived from the body', () => {
    const p = MtaStsPolicy.create(base);
    expect(p.id).toMatch(/^[A-Za-z0-9]{1,32}$/);
    expect(p.id).toHaveLength(32);
    expect(p.id).toBe(policyIdOf(p.text));
    expect(p.idOverridden).toBe(false);
  });

  test('is the same for the same policy and for reordered or re-cased mx', () => {
    expect(MtaStsPolicy.create(base).id).toBe(MtaStsPolicy.create({ ...base, mx: ['MX2.example.com.', 'mx1.example.com', 'mx1.example.com'] }).id);
  });

  test.each([
    ['mode', { mode: MtaStsMode.ENFORCE, maxAgeSeconds: 1209600 }],
    ['mx added', { mx: [...MX, 'mx3.example.com'] }],
    ['mx removed', { mx: ['mx1.example.com'] }],
    ['max_age', { maxAgeSeconds: 86401 }],
  ])('changes when %s changes', (_what, change) => {
    expect(MtaStsPolicy.create({ ...base, ...change }).id).not.toBe(MtaStsPolicy.create(base).id);
  });

  test('an explicit id is used as given', () => {
    const p = MtaStsPolicy.create({ ...base, id: '20240101T000000' });
    expect(p.id).toBe('20240101T000000');
    expect(p.idOverridden).toBe(true);
  });
});

describe('validation refuses bad input with messages naming field, value and fix', () => {
  test.each([
    ['unknown mode', { mode: 'Enforce' }, 'mode-invalid', '`mode` must be one of enforce, testing or none (lower case), got "Enforce"'],
    ['no mx in testing', { mx: [] }, 'mx-empty', /`mx` is empty: list the MX host names .* mode testing needs at least one/],
    ['no mx in enforce', { mode: MtaStsMode.ENFORCE, mx: [] }, 'mx-empty', /mode enforce needs at least one/],
    ['no mx in none', { mode: MtaStsMode.NONE, mx: [] }, 'mx-empty', /keep listing your MX hosts in mode none too: MailCheck rejects a policy without mx/],
    ['mx not a list', { mx: 'mx1.example.com' }, 'mx-not-a-list', '`mx` must be a list of MX host names or patterns, got "mx1.example.com"'],
    ['mx *', { mx: ['*'] }, 'mx-wildcard-position', /`mx\[0\]` "\*" is not a valid MX pattern/],
    ['mx *.com', { mx: ['mx1.example.com', '*.com'] }, 'mx-wildcard-too-broad', /`mx\[1\]` "\*\.com" is too broad/],
    ['max_age 0', { maxAgeSeconds: 0 }, 'max-age-too-small', /`maxAge` must be at least 1 second, got 0; 0 makes senders drop the policy at once/],
    ['max_age negative', { maxAgeSeconds: -5 }, 'max-age-too-small', /got -5/],
    ['max_age fractional', { maxAgeSeconds: 86400.5 }, 'max-age-fractional', '`maxAge` must be a whole number of seconds, got 86400.5; round it'],
    ['max_age too large', { maxAgeSeconds: 40000000 }, 'max-age-too-large', '`maxAge` must be at most 31557600 seconds, got 40000000'],
    ['max_age NaN', { maxAgeSeconds: NaN }, 'max-age-not-a-number', /`maxAge` must be a whole number of seconds, got null/],
    ['id with -', { id: 'abc-def' }, 'policy-id-invalid', /`policyId` must be 1 to 32 letters and digits \(no "-", "_" or spaces\), got "abc-def"/],
    ['id over 32', { id: 'a'.repeat(33) }, 'policy-id-invalid', /got "a{33}"/],
    ['empty id', { id: '' }, 'policy-id-invalid', /got ""/],
  ])('%s', (_name, change, code, message) => {
    const options = { mode: MtaStsMode.TESTING, mx: MX, ...change } as Parameters<typeof validatePolicyOptions>[0];
    const errors = validatePolicyOptions(options).filter((f) => f.severity === Severity.ERROR);
    expect(errors.map((f) => f.code)).toEqual([code]);
    if (typeof message === 'string') expect(errors[0].message).toBe(message);
    else expect(errors[0].message).toMatch(message);
    expect(() => MtaStsPolicy.create(options)).toThrow(errors[0].message);
  });

  test('every error is listed at once', () => {
    expect(() => MtaStsPolicy.create({ mode: 'strict' as MtaStsMode, mx: ['*'], maxAgeSeconds: 0 })).toThrow(
      /mode.*\n.*mx\[0\].*\n.*maxAge/,
    );
  });
});

describe('legal but risky values are warnings', () => {
  test.each([
    [MtaStsMode.ENFORCE, 604800, 'max-age-short-enforce', /below 1209600 \(two weeks\) MailCheck warns, and a short cache/],
    [MtaStsMode.ENFORCE, 86400, 'max-age-short-enforce', /mimecast raises it to 604800/],
    [MtaStsMode.TESTING, 3600, 'max-age-short-testing', /below 86400 \(one day\) MailCheck warns and mimecast raises it to 86400/],
  ])('%s with max_age %d warns %s', (mode, maxAgeSeconds, code, message) => {
    const p = MtaStsPolicy.create({ mode, mx: MX, maxAgeSeconds });
    expect(p.findings.map((f) => [f.code, f.severity])).toEqual([[code, Severity.WARNING]]);
    expect(p.findings[0].message).toMatch(message);
  });

  test('recommended values give no finding', () => {
    expect(MtaStsPolicy.create({ mode: MtaStsMode.ENFORCE, mx: MX, maxAgeSeconds: 31557600 }).findings).toEqual([]);
    expect(MtaStsPolicy.create({ mode: MtaStsMode.TESTING, mx: MX, maxAgeSeconds: 86400 }).findings).toEqual([]);
  });
});
