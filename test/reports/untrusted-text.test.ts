import { DEFAULT_SAFE_TEXT_MAX_LENGTH, safeJson, safeText, showValue } from '../../lib/reports';

describe('safeText: reporter-controlled text, safe on one line of a log or a terminal', () => {
  test.each([
    ['plain text is unchanged', 'Google Inc.', 'Google Inc.'],
    ['non-ASCII letters are unchanged', 'Müller & Söhne 株式会社 😀', 'Müller & Söhne 株式会社 😀'],
    ['CR and LF cannot forge a log line', 'x\r\nSTORED raw/evil', 'x\\r\\nSTORED raw/evil'],
    ['tab', 'a\tb', 'a\\tb'],
    ['NUL, BEL, DEL', 'a\u0000b\u0007c\u007fd', 'a\\u0000b\\u0007c\\u007fd'],
    ['an ANSI CSI sequence (clear screen, colour)', '\u001b[2J\u001b[31mred', '\\u001b[2J\\u001b[31mred'],
    ['an OSC 8 hyperlink', '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u001b\\', '\\u001b]8;;https://evil.example\\u0007click\\u001b]8;;\\u001b\\\\'],
    ['an OSC title change ended by ST', '\u001b]0;pwned\u001b\\', '\\u001b]0;pwned\\u001b\\\\'],
    ['the one-byte C1 CSI and NEL', 'a\u009b31mb\u0085c', 'a\\u009b31mb\\u0085c'],
    ['bidi overrides', 'abc\u202egnp.exe', 'abc\\u202egnp.exe'],
    ['bidi embeddings and isolates', '\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069', '\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069'],
    ['bidi marks', 'a\u200eb\u200fc\u061cd', 'a\\u200eb\\u200fc\\u061cd'],
    ['zero-width characters and the BOM', 'go\u200bogle\ufeff', 'go\\u200bogle\\ufeff'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['a tag character (outside the BMP)', 'a\u{e0041}b', 'a\\udb40\\udc41b'],
    ['a lone surrogate', 'a\ud800b', 'a\\ud800b'],
    ['a backslash, so escapes are unambiguous', 'C:\\u001b', 'C:\\\\u001b'],
    ['the empty string', '', ''],
  ])('%s', (_, input, expected) => {
    expect(safeText(input)).toBe(expected);
  });

  test('the output has no control, format or separator character left', () => {
    let all = '';
    for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c);
    expect(safeText(all, { maxLength: Infinity })).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u);
  });

  test('long text is cut at the cap, never inside a surrogate pair', () => {
    expect(safeText('x'.repeat(1000))).toBe(`${'x'.repeat(DEFAULT_SAFE_TEXT_MAX_LENGTH)}…(${1000 - DEFAULT_SAFE_TEXT_MAX_LENGTH} more characters)`);
    expect(safeText('ab😀', { maxLength: 3 })).toBe('ab…(2 more characters)');
    expect(safeText('\u001b'.repeat(10), { maxLength: 2 })).toBe('\\u001b\\u001b…(8 more characters)');
  });

  test('linear: a megabyte of escapes', () => {
    expect(safeText('\u001b'.repeat(1_000_000), { maxLength: Infinity })).toHaveLength(6_000_000);
  });
});

describe('showValue: an untrusted value in a message, bounded in depth, breadth and length', () => {
  const deep = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n));

  test.each([
    ['undefined', undefined, 'nothing'],
    ['a string', 'mx: x', '"mx: x"'],
    ['a number', 12, '12'],
    ['null', null, 'null'],
    ['a boolean', true, 'true'],
    ['an object', { policy: {} }, '{"policy":{}}'],
    ['an array', [1, 'a', null], '[1,"a",null]'],
    ['100 000 levels', deep(100_000), '[[[[…]]]]'],
    ['a deep object', { a: { b: { c: { d: 1 } } } }, '{"a":{"b":{"c":{…}}}}'],
    ['many entries', Array.from({ length: 20 }, (_, i) => i), '[0,1,2,3,4,5,6,7,…(20 entries)]'],
    ['many keys', Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])), '{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,…}'],
    ['a long string', 'y'.repeat(500), `"${'y'.repeat(120)}"…(500 characters)`],
    ['controls and bidi in a string', '\u001b[2J\u202e\r\n', '"\\u001b[2J\\u202e\\r\\n"'],
    ['a key with controls', { '\u001b[31m': 1 }, '{"\\u001b[31m":1}'],
  ])('%s', (_, value, expected) => {
    expect(showValue(value)).toBe(expected);
  });

  test('at most 400 characters in all', () => {
    const wide = Array.from({ length: 8 }, () => Array.from({ length: 8 }, () => 'z'.repeat(100)));
    expect(showValue(wide).length).toBeLessThanOrEqual(401);
  });
});

describe('safeJson', () => {
  test.each([
    ['a bidi override', 'a\u202eb', '"a\\u202eb"'],
    ['DEL and the C1 CSI', 'a\u007f\u009b2J', '"a\\u007f\\u009b2J"'],
    ['a line separator', 'a\u2028b', '"a\\u2028b"'],
    ['plain text and non-ASCII letters', 'Grüße', '"Grüße"'],
  ])('%s is escaped, and the JSON means the same', (_name, value, json) => {
    expect(safeJson(value)).toBe(json);
    expect(JSON.parse(safeJson(value))).toBe(value);
  });

  test('indentation stays JSON white space', () => {
    expect(safeJson({ a: ['x\u202e'] }, 2)).toBe('{\n  "a": [\n    "x\\u202e"\n  ]\n}');
  });
});
