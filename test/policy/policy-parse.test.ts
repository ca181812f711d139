import { Severity } from '../../lib/policy/findings';
import { MtaStsMode } from '../../lib/policy/mode';
import { MtaStsPolicy } from '../../lib/policy/policy';
import { decodePolicyBody, parsePolicy } from '../../lib/policy/policy-parse';

const GOOD = 'version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mx.example.com\r\nmax_age: 1209600\r\n';
const codes = (text: string) => parsePolicy(text).findings.map((f) => `${f.severity}:${f.code}`);

describe('parsePolicy reads the RFC grammar', () => {
  test('a conservative body parses with no finding', () => {
    const p = parsePolicy(GOOD);
    expect(p).toEqual({ version: 'STSv1', mode: MtaStsMode.ENFORCE, mx: ['mx1.example.com', '*.mx.example.com'], maxAgeSeconds: 1209600, extensions: {}, findings: [] });
  });

  test('what the generator renders parses back to the same policy with no finding', () => {
    const policy = MtaStsPolicy.create({ mode: MtaStsMode.TESTING, mx: ['b.example.com', '*.a.example.com'], maxAgeSeconds: 604800 });
    const p = parsePolicy(policy.text);
    expect(p.findings).toEqual([]);
    expect([p.mode, p.mx, p.maxAgeSeconds]).toEqual([policy.mode, [...policy.mx], policy.maxAgeSeconds]);
  });

  test('a line splits at its first colon and the value is trimmed', () => {
    const p = parsePolicy('version: STSv1\r\nmode:\ttesting \r\nmx: mx.example.com\r\nmax_age:86400\r\nx-note: see https://example.com/x\r\n');
    expect(p.mode).toBe(MtaStsMode.TESTING);
    expect(p.maxAgeSeconds).toBe(86400);
    expect(p.extensions).toEqual({ 'x-note': 'see https://example.com/x' });
    expect(codes('version: STSv1\r\nmode: testing\r\nmx: mx.example.com\r\nmax_age: 86400\r\nx-note: a:b\r\n')).toEqual([
      'warning:policy-value-colon',
      'warning:policy-unknown-key',
    ]);
  });

  test('among duplicates the first wins, with a warning naming who uses the last', () => {
    const p = parsePolicy('version: STSv1\r\nmode: none\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 86400\r\n');
    expect(p.mode).toBe(MtaStsMode.NONE);
    const f = p.findings.find((x) => x.code === 'policy-duplicate-key')!;
    expect(f.message).toMatch(/`mode` appears more than once \(line 3\): the first value "none" counts, but postfix-mta-sts-resolver and go-mtasts use the last/);
  });

  test('LF line ends and a missing final line end are accepted with warnings', () => {
    const p = parsePolicy('version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 86400');
    expect(p.mode).toBe(MtaStsMode.TESTING);
    expect(p.findings.map((f) => f.code)).toEqual(['policy-lf-line-ends', 'policy-no-final-eol']);
    expect(p.findings[0].message).toMatch(/3 line\(s\) end in LF, not CRLF: mimecast warns/);
  });
});

describe('parsePolicy errors (no sender uses the policy)', () => {
  test.each([
    ['missing version', 'mode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\n', 'policy-version-missing', /add "version: STSv1"/],
    ['wrong version', 'version: STSv2\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\n', 'policy-version-invalid', /exactly STSv1, got "STSv2"/],
    ['missing mode', 'version: STSv1\r\nmx: a.example.com\r\nmax_age: 86400\r\n', 'policy-mode-missing', /`mode` is missing/],
    ['mode in another case', 'version: STSv1\r\nmode: Enforce\r\nmx: a.example.com\r\nmax_age: 86400\r\n', 'policy-mode-invalid', /got "Enforce"/],
    ['missing max_age', 'version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\n', 'policy-max-age-missing', /`max_age` is missing/],
    ['signed max_age', 'version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: +86400\r\n', 'policy-max-age-invalid', /1 to 10 digits, got "\+86400"/],
    ['fractional max_age', 'version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400.0\r\n', 'policy-max-age-invalid', /got "86400.0"/],
    ['11 digits', 'version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 00000086400\r\n', 'policy-max-age-invalid', /1 to 10 digits/],
    ['too large max_age', 'version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 31557601\r\n', 'policy-max-age-too-large', /at most 31557600, got 31557601/],
    ['no mx for enforce', 'version: STSv1\r\nmode: enforce\r\nmax_age: 1209600\r\n', 'policy-mx-missing', /mode enforce needs at least one `mx` line/],
    ['no colon', 'version: STSv1\r\nmode testing\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\n', 'policy-line-malformed', /line 2 "mode testing" is not "key: value": it has no ":"/],
    ['leading white space', 'version: STSv1\r\n mode: testing\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\n', 'policy-line-malformed', /starts with white space/],
    ['wildcard in the middle', 'version: STSv1\r\nmode: testing\r\nmx: a.*.example.com\r\nmx: b.example.com\r\nmax_age: 86400\r\n', 'policy-mx-invalid', /wildcard may only be the whole left-most label.*grammar allows only a host name/],
    ['an mx not a pattern beside a good one', 'version: STSv1\r\nmode: enforce\r\nmx: @@@@\r\nmx: b.example.com\r\nmax_age: 1209600\r\n', 'policy-mx-invalid', /"@@@@".*may hold only letters, digits and hyphens/],
    ['"Mode: enforce" is no mode, and the fix is to rename it', 'version: STSv1\r\nMode: enforce\r\nmx: a.example.com\r\nmax_age: 1209600\r\n', 'policy-mode-missing', /^`mode` is missing: the policy has "Mode", but keys are case-sensitive; rename "Mode" to "mode"$/],
    ['"MX:" lines are no mx', 'version: STSv1\r\nmode: enforce\r\nMX: a.example.com\r\nmax_age: 1209600\r\n', 'policy-mx-missing', /needs at least one `mx` line.*rename "MX" to "mx"/],
    ['white space before colon', 'version: STSv1\r\nmode : testing\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\n', 'policy-line-malformed', /white space before the ":"; write "mode: value"/],
  ])('%s', (_name, text, code, message) => {
    const errors = parsePolicy(text).findings.filter((f) => f.severity === Severity.ERROR);
    expect(errors.map((f) => f.code)).toEqual([code]);
    expect(errors[0].message).toMatch(message);
  });
});

describe('mx values that are not a pattern (RFC-NOTES 3.2: errors)', () => {
  const body = (mode: string, ...mx: string[]) => `version: STSv1\r\nmode: ${mode}\r\n${mx.map((m) => `mx:${m === '' ? '' : ' ' + m}\r\n`).join('')}max_age: 1209600\r\n`;
  const errors = (text: string) => parsePolicy(text).findings.filter((f) => f.severity === Severity.ERROR).map((f) => f.code);

  test.each([[''], ['@@@@'], ['service-*.mimecast.com']])('the only mx %j of an enforce policy: invalid, and no valid mx is left', (mx) => {
    expect(errors(body('enforce', mx))).toEqual(['policy-mx-invalid', 'policy-mx-none-valid']);
    const none = parsePolicy(body('enforce', mx)).findings.find((f) => f.code === 'policy-mx-none-valid')!;
    expect(none.message).toMatch(/under enforce senders refuse to deliver any mail; list your MX host names/);
  });

  test('an empty mx value says it is empty', () => {
    expect(parsePolicy(body('enforce', '')).findings[0].message).toMatch(/`mx\[0\]` must be an MX host name or pattern, got "": it is empty/);
  });

  test('beside a valid mx, an invalid one is still an error (the grammar breaks), without the none-valid error', () => {
    expect(errors(body('enforce', '@@@@', 'mx1.example.com'))).toEqual(['policy-mx-invalid']);
  });

  test('trailing-dot and IP values stay warnings, but an enforce policy with only those has no valid mx', () => {
    expect(errors(body('testing', 'mx1.example.com.', 'mx2.example.com'))).toEqual([]);
    expect(errors(body('enforce', '192.0.2.1'))).toEqual(['policy-mx-none-valid']);
  });

  test('mode none with an invalid mx: the grammar error only', () => {
    expect(errors(body('none', '@@@@'))).toEqual(['policy-mx-invalid']);
  });
});

describe('key case', () => {
  test('"Mode: enforce": the advice renames the key and never suggests "mode: testing"', () => {
    const p = parsePolicy('version: STSv1\r\nMode: enforce\r\nmx: a.example.com\r\nmax_age: 1209600\r\n');
    const messages = p.findings.map((f) => f.message).join('\n');
    expect(p.findings.map((f) => f.code)).toEqual(['policy-key-case', 'policy-mode-missing']);
    expect(p.findings[0].message).toBe('line 2: keys are case-sensitive, so senders ignore "Mode" as an unknown key; rename it to "mode" and keep its value');
    expect(messages).not.toMatch(/mode: testing/);
    expect(messages).not.toMatch(/remove it/);
  });

  test('a key named like an Object property is kept as an extension', () => {
    expect(parsePolicy('version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\nconstructor: x\r\n').extensions).toEqual({ constructor: 'x' });
  });
});

describe('parsePolicy warnings (accepted, but an implementation breaks)', () => {
  test.each([
    ['blank line', 'version: STSv1\r\n\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\n', 'policy-blank-line', /go-mtasts \(maddy\) rejects the policy and MailCheck stops reading/],
    ['unknown key', 'version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\nfoo: bar\r\n', 'policy-unknown-key', /checkdmarc and MailCheck report it as an error/],
    ['max_age 0', 'version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 0\r\n', 'policy-max-age-zero', /MailCheck reports an error/],
    ['short enforce', 'version: STSv1\r\nmode: enforce\r\nmx: a.example.com\r\nmax_age: 86400\r\n', 'max-age-short-enforce', /mimecast raises it to 604800/],
    ['short testing', 'version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 600\r\n', 'max-age-short-testing', /below 86400/],
    ['trailing-dot mx', 'version: STSv1\r\nmode: testing\r\nmx: a.example.com.\r\nmax_age: 86400\r\n', 'policy-mx-form', /MailCheck rejects it/],
    ['IP mx', 'version: STSv1\r\nmode: testing\r\nmx: 192.0.2.1\r\nmax_age: 86400\r\n', 'policy-mx-form', /no IP address/],
    ['a wildcard over one label (*.com) matches nothing', 'version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmx: *.com\r\nmax_age: 86400\r\n', 'policy-mx-form', /too broad.*it matches no MX host/],
    ['"Mode" beside "mode"', 'version: STSv1\r\nmode: testing\r\nMode: enforce\r\nmx: a.example.com\r\nmax_age: 86400\r\n', 'policy-key-case', /keys are case-sensitive.*rename it to "mode"/],
    ['none without mx', 'version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n', 'policy-mx-missing-none', /MailCheck reports it as an error/],
    ['bare CR', 'version: STSv1\r\nmode: testing\rmx: a.example.com\r\nmax_age: 86400\r\n', 'policy-bare-cr', /bare CR/],
  ])('%s', (_name, text, code, message) => {
    const p = parsePolicy(text);
    const f = p.findings.find((x) => x.code === code);
    expect(f).toBeDefined();
    expect(f!.severity).toBe(Severity.WARNING);
    expect(f!.message).toMatch(message);
  });

  test('an extension key may start with a digit (RFC 8461 sts-policy-ext-name)', () => {
    expect(codes('version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\n1ext: x\r\n')).toEqual(['warning:policy-unknown-key']);
  });

  test('a mixed-case mx is noted, not warned', () => {
    const p = parsePolicy('version: STSv1\r\nmode: testing\r\nmx: MX.Example.com\r\nmax_age: 86400\r\n');
    expect(p.findings.map((f) => [f.code, f.severity])).toEqual([['policy-mx-not-canonical', Severity.INFO]]);
  });
});

describe('decodePolicyBody', () => {
  const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

  test('plain ASCII gives no finding', () => {
    expect(decodePolicyBody(bytes(GOOD), 'text/plain')).toEqual({ text: GOOD, findings: [] });
  });

  test('a BOM is stripped and warned about', () => {
    const d = decodePolicyBody(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(GOOD)]), 'text/plain; charset=utf-8');
    expect(d.text).toBe(GOOD);
    expect(d.findings.map((f) => f.code)).toEqual(['policy-bom']);
    expect(decodePolicyBody(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(GOOD)]), 'text/plain').findings.map((f) => f.code)).toEqual(['policy-bom']);
  });

  test('non-ASCII without charset warns; with charset=utf-8 it does not', () => {
    const body = bytes(GOOD + 'x-note: café\r\n');
    expect(decodePolicyBody(body, 'text/plain').findings.map((f) => f.code)).toEqual(['policy-non-ascii']);
    expect(decodePolicyBody(body, 'text/plain; charset="UTF-8"').findings).toEqual([]);
  });

  test('over 65536 bytes is an error, over 64000 a warning, exactly 65536 only the warning', () => {
    expect(decodePolicyBody(new Uint8Array(65537).fill(0x61), 'text/plain').findings.map((f) => `${f.severity}:${f.code}`)).toEqual(['error:policy-too-large']);
    expect(decodePolicyBody(new Uint8Array(65536).fill(0x61), 'text/plain').findings.map((f) => `${f.severity}:${f.code}`)).toEqual(['warning:policy-large']);
    expect(decodePolicyBody(new Uint8Array(64000).fill(0x61), 'text/plain').findings).toEqual([]);
  });
});
