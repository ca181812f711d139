import { parsePolicy } from '../../lib/policy/policy-parse';
import { splitOnWspSeparator, trimWsp, trimWspEnd, trimWspStart } from '../../lib/policy/private/text';
import { parseMtaStsRecords, parseTlsRptRecords } from '../../lib/policy/records';
import { splitTxtFields } from '../../lib/policy/txt-fields';

// The hostile-input cases: 100 000 tabs (and 1 MB of mixed white space) where the old regexes
// backtracked quadratically (32 s for one report's policy-string). These assert the results;
// the time per MB is in bench/parsers.bench.ts.
const TABS = '\t'.repeat(100_000);
const MB_WSP = ' \t'.repeat(512 * 1024);

describe('trimWsp and splitOnWspSeparator', () => {
  test.each([
    ['', ''],
    ['a', 'a'],
    [' \t a b \t ', 'a b'],
    ['\t\t', ''],
    [' \r\n x \u00a0', '\r\n x \u00a0'],
  ])('trimWsp(%j) = %j (space and tab only, like the RFC WSP)', (input, expected) => {
    expect(trimWsp(input)).toBe(expected);
    expect(trimWspStart(input)).toBe(input.replace(/^[ \t]+/, ''));
    expect(trimWspEnd(input)).toBe(input.replace(/[ \t]+$/, ''));
  });

  test.each([
    ['a;b', ';'],
    ['a ; b', ';'],
    [' a\t;\t b ', ';'],
    ['a; \t ;b', ';'],
    [';;', ';'],
    ['x ,y, z,', ','],
    ['', ','],
    ['   ', ';'],
  ])('splitOnWspSeparator(%j, %j) equals the regex split it replaces', (input, sep) => {
    const re = new RegExp(`[ \\t]*${sep}[ \\t]*`);
    expect(splitOnWspSeparator(input, sep)).toEqual(input.split(re));
  });

  test('100 000 tabs are trimmed and split whole', () => {
    expect(trimWsp(TABS + 'x' + TABS)).toBe('x');
    expect(splitOnWspSeparator(`a${TABS};${TABS}b${TABS}`, ';')).toEqual(['a', `b${TABS}`]);
  });
});

describe('the parsers on adversarial white space', () => {
  test('a policy line with 100 000 tabs around the value reads the value', () => {
    const body = `version: STSv1\r\nmode:${TABS}enforce${TABS}\r\nmx: mx.example.com\r\nmax_age:${TABS}86400\r\n`;
    const parsed = parsePolicy(body);
    expect(parsed.mode).toBe('enforce');
    expect(parsed.maxAgeSeconds).toBe(86400);
    expect(parsed.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  test('a policy line of 100 000 tabs then "x" (no colon) is one malformed-line error', () => {
    const parsed = parsePolicy(`version: STSv1\r\n${TABS}x\r\n`);
    expect(parsed.findings.filter((f) => f.code === 'policy-line-malformed')).toHaveLength(1);
  });

  test('1 MB of white space in a policy value is trimmed away', () => {
    const parsed = parsePolicy(`version: STSv1\r\nmode: testing\r\nmx:${MB_WSP}mx.example.com${MB_WSP}\r\nmax_age: 86400\r\n`);
    expect(parsed.mx).toEqual(['mx.example.com']);
  });

  test('a _mta-sts record with 100 000 tabs around ";" gives its id', () => {
    const r = parseMtaStsRecords([[`v=STSv1${TABS};${TABS}id=abc${TABS};${TABS}`]]);
    expect(r.id).toBe('abc');
  });

  test('a field of 100 000 tabs and no ";" is one malformed field, not a hang', () => {
    const split = splitTxtFields(`v=STSv1;${TABS}id=a${TABS}b`, 'f');
    expect(split.findings.map((f) => f.code)).toEqual(['txt-field-malformed']);
  });

  test('an rua list with 1 MB of white space around "," reads both URIs, with the checkdmarc warning', () => {
    const r = parseTlsRptRecords([[`v=TLSRPTv1; rua=mailto:a@example.com${MB_WSP},${MB_WSP}https://r.example.net/v1`]]);
    expect(r.rua).toEqual(['mailto:a@example.com', 'https://r.example.net/v1']);
    expect(r.findings.map((f) => f.code)).toEqual(['tlsrpt-rua-spaces', 'tlsrpt-several-rua']);
  });
});
