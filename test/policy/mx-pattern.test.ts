import { canonicalHost } from '../../lib/policy/domain-name';
import { mxCoverage, mxPatternMatches, parseMxPattern } from '../../lib/policy/mx-pattern';

describe('parseMxPattern accepts and normalises', () => {
  test.each([
    ['mail.example.com', 'mail.example.com'],
    ['MAIL.Example.COM', 'mail.example.com'],
    ['mail.example.com.', 'mail.example.com'],
    ['*.example.com', '*.example.com'],
    ['*.mx.Example.com.', '*.mx.example.com'],
    ['mx.bücher.example', 'mx.xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['a'.repeat(63) + '.example.com', 'a'.repeat(63) + '.example.com'],
  ])('%s -> %s', (input, expected) => {
    const r = parseMxPattern(input, 'mx[0]');
    expect(r.findings).toEqual([]);
    expect(r.pattern).toBe(expected);
  });
});

describe('parseMxPattern refuses, naming the field, the value and the fix', () => {
  test.each([
    ['*', 'mx-wildcard-position', /`mx\[0\]` "\*" is not a valid MX pattern: a wildcard may only be the whole left-most label/],
    ['*.com', 'mx-wildcard-too-broad', /`mx\[0\]` "\*\.com" is too broad: after "\*\." give at least two labels/],
    ['mail.*.example.com', 'mx-wildcard-position', /"mail\.\*\.example\.com" is not a valid MX pattern/],
    ['**.example.com', 'mx-wildcard-position', /"\*\*\.example\.com" is not a valid MX pattern/],
    ['*mail.example.com', 'mx-wildcard-position', /"\*mail\.example\.com" is not a valid MX pattern/],
    ['192.0.2.1', 'name-ip-or-port', /got "192\.0\.2\.1": IP addresses are not allowed; give the host name/],
    ['[2001:db8::1]', 'name-ip-or-port', /got "\[2001:db8::1\]": IP addresses and ports are not allowed/],
    ['mail.example.com:25', 'name-ip-or-port', /got "mail\.example\.com:25": IP addresses and ports are not allowed/],
    ['mail..example.com', 'name-empty-label', /got "mail\.\.example\.com": it has an empty label .* remove the extra dot/],
    ['.example.com', 'name-empty-label', /empty label/],
    ['a'.repeat(64) + '.example.com', 'name-label-too-long', /has 64 octets, more than 63; shorten it/],
    [Array(64).fill('abcd').join('.') + '.com', 'name-too-long', /more than 253; use a shorter name/],
    ['mail_1.example.com', 'name-invalid-label', /the label "mail_1" may hold only letters, digits and hyphens/],
    ['-mail.example.com', 'name-invalid-label', /may not begin or end with a hyphen/],
    ['localhost', 'name-single-label', /it has a single label; give the fully qualified name/],
    ['mail.example.123', 'name-numeric-tld', /last label is all digits/],
    ['mail example.com', 'name-whitespace', /remove the white space/],
    ['', 'name-empty', /it is empty/],
    ['*.a..b.com', 'name-empty-label', /got "\*\.a\.\.b\.com"/],
    ['xn--zz.example', 'name-invalid-idn', /not a valid internationalised domain name/],
  ])('%j is refused with %s', (input, code, message) => {
    const r = parseMxPattern(input, 'mx[0]');
    expect(r.pattern).toBeUndefined();
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0].code).toBe(code);
    expect(r.findings[0].field).toBe('mx[0]');
    expect(r.findings[0].message).toMatch(message);
  });

  test('a value that is not a string is refused', () => {
    expect(parseMxPattern(42, 'mx[3]').findings[0].message).toBe('`mx[3]` must be a string, got 42');
  });
});

describe('mxPatternMatches (RFC 8461 section 4.1)', () => {
  test.each([
    ['mail.example.com', 'mail.example.com', true],
    ['mail.example.com', 'MAIL.EXAMPLE.COM.', true],
    ['mail.example.com', 'mail2.example.com', false],
    ['*.example.com', 'mail.example.com', true],
    ['*.example.com', 'Mail.Example.Com.', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'mail.example.org', false],
    ['*.example.com', 'mailexample.com', false],
    ['*.mx.example.com', 'a.mx.example.com', true],
    ['*.mx.example.com', 'a.b.mx.example.com', false],
    ['*.com', 'example.com', false],
    ['x.xn--aca-6ma.com', 'x.ñaca.com', true],
    ['x.ñaca.com', 'X.XN--ACA-6MA.COM.', true],
    ['*.ñaca.com', 'mx.xn--aca-6ma.com', true],
    ['*.xn--aca-6ma.com', 'a.b.ñaca.com', false],
  ])('%s vs %s -> %s', (pattern, host, expected) => {
    expect(mxPatternMatches(pattern, host)).toBe(expected);
  });
});

describe('mxCoverage', () => {
  test('names uncovered hosts and unused patterns', () => {
    const c = mxCoverage(['mx1.example.com', '*.mx.example.com', 'old.example.com'], ['MX1.example.com.', 'a.mx.example.com.', 'backup.example.net.']);
    expect(c.uncoveredHosts).toEqual(['backup.example.net']);
    expect(c.unusedPatterns).toEqual(['old.example.com']);
  });

  test('full coverage gives empty lists', () => {
    expect(mxCoverage(['*.example.com'], ['a.example.com', 'b.example.com'])).toEqual({ uncoveredHosts: [], unusedPatterns: [] });
  });

  test('canonicalHost lower-cases and drops the trailing dot', () => {
    expect(canonicalHost('MX.Example.COM.')).toBe('mx.example.com');
  });

  test('canonicalHost gives A-labels for a U-label name, and leaves an invalid one lower-cased', () => {
    expect(canonicalHost('Bücher.Example.')).toBe('xn--bcher-kva.example');
    expect(canonicalHost('*.ÑACA.com')).toBe('*.xn--aca-6ma.com');
    expect(canonicalHost('a\u0000ü.com')).toBe('a\u0000ü.com');
  });

  test('mxCoverage compares U-labels and A-labels as the same name', () => {
    expect(mxCoverage(['*.ñaca.com'], ['mx.xn--aca-6ma.com'])).toEqual({ uncoveredHosts: [], unusedPatterns: [] });
  });
});
