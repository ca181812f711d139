import { Severity } from '../../lib/policy/findings';
import {
  mtaStsRecordName,
  parseMtaStsRecords,
  parseTlsRptRecords,
  policyHostName,
  policyUrl,
  renderMtaStsRecord,
  renderTlsRptRecord,
  tlsRptRecordName,
} from '../../lib/policy/records';
import { TlsRptDestination } from '../../lib/policy/tls-rpt-destination';

const codes = (findings: { severity: Severity; code: string }[]) => findings.map((f) => `${f.severity}:${f.code}`);

describe('names and URL', () => {
  test('follow RFC 8461 and RFC 8460', () => {
    expect(mtaStsRecordName('example.com')).toBe('_mta-sts.example.com');
    expect(tlsRptRecordName('example.com')).toBe('_smtp._tls.example.com');
    expect(policyHostName('example.com')).toBe('mta-sts.example.com');
    expect(policyUrl('example.com')).toBe('https://mta-sts.example.com/.well-known/mta-sts.txt');
  });
});

describe('rendering (generator profile)', () => {
  test('_mta-sts is exactly v=STSv1; id=<id>;', () => {
    expect(renderMtaStsRecord('abc123')).toBe('v=STSv1; id=abc123;');
    expect(() => renderMtaStsRecord('abc-123')).toThrow('`policyId` must be 1 to 32 letters and digits, got "abc-123"');
  });

  test('_smtp._tls joins destinations with a bare comma and drops duplicates', () => {
    const d = [TlsRptDestination.mailto('tlsrpt@example.com'), TlsRptDestination.https('https://r.example.net/v1'), TlsRptDestination.mailto('tlsrpt@example.com')];
    expect(renderTlsRptRecord(d)).toBe('v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://r.example.net/v1');
  });

  test('what we render is read back with no finding', () => {
    expect(parseMtaStsRecords([[renderMtaStsRecord('a1B2')]])).toEqual({ record: 'v=STSv1; id=a1B2;', id: 'a1B2', findings: [] });
    const rua = renderTlsRptRecord([TlsRptDestination.mailto('tlsrpt@example.com')]);
    expect(parseTlsRptRecords([[rua]])).toEqual({ record: rua, rua: ['mailto:tlsrpt@example.com'], findings: [] });
  });

  test('an empty list or a value over 255 bytes is refused', () => {
    expect(() => renderTlsRptRecord([])).toThrow(/`tlsRpt` is empty/);
    const many = Array.from({ length: 8 }, (_, i) => TlsRptDestination.mailto(`tls-reports-${i}-long-mailbox@reports.example.com`));
    expect(() => renderTlsRptRecord(many)).toThrow(/makes a TXT value of \d+ bytes, more than 255: mimecast loses URIs/);
  });
});

describe('parseMtaStsRecords (checker profile)', () => {
  test.each([
    ['no record', [], ['error:txt-missing']],
    ['two STS records', [['v=STSv1; id=a;'], ['v=STSv1; id=b;']], ['error:txt-multiple']],
    ['no semicolon after version', [['v=STSv1 id=abc']], ['error:txt-version-malformed', 'error:txt-missing']],
    ['lower case version', [['v=stsv1; id=abc;']], ['error:txt-version-malformed', 'error:txt-missing']],
    ['leading space', [[' v=STSv1; id=abc;']], ['error:txt-version-malformed', 'error:txt-missing']],
    ['missing id', [['v=STSv1; foo=bar;']], ['warning:sts-txt-extension', 'error:sts-txt-id-missing']],
    ['id with -', [['v=STSv1; id=abc-def;']], ['error:sts-txt-id-invalid']],
    ['id of 33', [[`v=STSv1; id=${'a'.repeat(33)};`]], ['error:sts-txt-id-invalid']],
    ['empty id', [['v=STSv1; id=;']], ['error:sts-txt-id-invalid']],
    ['space in value', [['v=STSv1; id=abc def;']], ['error:txt-field-malformed', 'error:sts-txt-id-missing']],
    ['non-ASCII', [['v=STSv1; id=abc; x=é;']], ['error:txt-non-ascii', 'error:sts-txt-extension-malformed']],
    ['unrelated record beside', [['v=STSv1; id=abc;'], ['v=spf1 -all']], ['warning:txt-unrelated-record']],
    ['extension', [['v=STSv1; id=abc; ext=1;']], ['warning:sts-txt-extension']],
    ['duplicate id, first wins', [['v=STSv1; id=abc; id=def;']], ['warning:txt-duplicate-field']],
    ['split inside a value', [['v=STSv1; id=ab', 'c;']], ['warning:txt-split-inside-value']],
    ['split at a boundary is fine', [['v=STSv1;', ' id=abc;']], []],
    ['WSP before ";", the only record: valid (RFC ABNF), checkdmarc warned', [['v=STSv1 ; id=x']], ['warning:txt-wsp-before-semicolon']],
    ['WSP before ";" beside another record: discarded', [['v=STSv1 ; id=x'], ['v=spf1 -all']], ['error:txt-version-malformed', 'warning:txt-unrelated-record', 'error:txt-missing']],
    ['a good record beside v=STSv10', [['v=STSv1; id=abc;'], ['v=STSv10; id=y;']], ['warning:txt-discarded-record']],
    ['a good record beside v=STSv2', [['v=STSv2; id=y;'], ['v=STSv1; id=abc;']], ['warning:txt-discarded-record']],
    ['a quoted record', [['"v=STSv1; id=abc;"']], ['error:txt-version-malformed', 'error:txt-missing']],
    ['another version', [['v=STSv2; id=abc;']], ['error:txt-version-malformed', 'error:txt-missing']],
  ])('%s', (_name, records, expected) => {
    expect(codes(parseMtaStsRecords(records as string[][]).findings)).toEqual(expected);
  });

  test('a single "v=STSv1 ; id=x" is the record; the warning names checkdmarc', () => {
    const r = parseMtaStsRecords([['v=STSv1 ; id=x']]);
    expect(r.id).toBe('x');
    expect(r.findings[0].message).toMatch(/valid by the RFC grammar as the only TXT record.*checkdmarc rejects it; write "v=STSv1; …"/);
  });

  test('beside a good record, v=STSv10 is a warning naming postfix-mta-sts-resolver and go-mtasts; v=STSv2 names go-mtasts only', () => {
    const v10 = parseMtaStsRecords([['v=STSv1; id=abc;'], ['v=STSv10; id=y;']]);
    expect(v10.id).toBe('abc');
    expect(v10.findings[0].message).toMatch(/second record "v=STSv10; id=y;" beside the good one: RFC 8461 discards it.*postfix-mta-sts-resolver .* and go-mtasts and checkdmarc count it/);
    const v2 = parseMtaStsRecords([['v=STSv1; id=abc;'], ['v=STSv2; id=y;']]);
    expect(v2.id).toBe('abc');
    expect(v2.findings[0].message).not.toMatch(/postfix/);
    expect(v2.findings[0].message).toMatch(/but go-mtasts and checkdmarc count it/);
  });

  test.each([
    ['"v=STSv1; id=abc;"', /is your MTA-STS record, but broken.*quote characters.*enter it without the quotes/],
    ['v=STSv2; id=abc;', /is your MTA-STS record, but broken.*version must be exactly "v=STSv1"/],
    ['v=stsv1; id=abc;', /is your MTA-STS record, but broken.*"v=STSv1" is case-sensitive/],
    [' v=STSv1; id=abc;', /is your MTA-STS record, but broken.*starts with white space/],
    ['v=STSv1 id=abc', /is your MTA-STS record, but broken.*put ";" right after the version/],
  ])('%s alone is called our record, broken, with the fix (never "unrelated")', (record, message) => {
    const f = parseMtaStsRecords([[record]]).findings;
    expect(f[0].message).toMatch(message);
    expect(f.map((x) => x.code)).not.toContain('txt-unrelated-record');
  });

  test('strings are joined with no separator, the first id wins', () => {
    expect(parseMtaStsRecords([['v=STSv1; id=ab', 'c; id=zzz;']]).id).toBe('abc');
  });

  test('a 300-byte record split over strings is read whole', () => {
    const id = 'a'.repeat(32);
    const record = `v=STSv1; id=${id}; ${'x'.repeat(250)}=1;`;
    const r = parseMtaStsRecords([[record.slice(0, 255), record.slice(255)]]);
    expect(r.id).toBe(id);
  });

  test('messages say why the record is ignored', () => {
    const f = parseMtaStsRecords([['v=STSv1 id=abc']]).findings[0];
    expect(f.message).toBe('_mta-sts TXT "v=STSv1 id=abc" is your MTA-STS record, but broken, so senders ignore it: put ";" right after the version: "v=STSv1; …"');
  });
});

describe('parseTlsRptRecords (checker profile)', () => {
  test.each([
    ['no record', [], ['error:txt-missing']],
    ['two records', [['v=TLSRPTv1; rua=mailto:a@example.com'], ['v=TLSRPTv1; rua=mailto:b@example.com']], ['error:txt-multiple']],
    ['no rua', [['v=TLSRPTv1;']], ['error:tlsrpt-rua-missing']],
    ['ftp scheme', [['v=TLSRPTv1; rua=ftp://example.com/x']], ['error:rua-scheme']],
    ['mailto without @', [['v=TLSRPTv1; rua=mailto:reports']], ['error:rua-mailto-address']],
    ['spaces around comma', [['v=TLSRPTv1; rua=mailto:a@example.com , mailto:b@example.com']], ['warning:tlsrpt-rua-spaces', 'info:tlsrpt-several-rua']],
    ['https with port', [['v=TLSRPTv1; rua=https://r.example.com:8443/x']], ['warning:rua-https-port']],
    ['https with =', [['v=TLSRPTv1; rua=https://r.example.com/x?a=1']], ['warning:rua-https-equals']],
    ['extension', [['v=TLSRPTv1; rua=mailto:a@example.com; ext=1']], ['warning:tlsrpt-extension']],
    ['a comma with spaces outside rua is not joined', [['v=TLSRPTv1; rua=mailto:a@example.com; ext=a , b']], ['error:txt-field-malformed']],
    ['reserved TLD', [['v=TLSRPTv1; rua=mailto:a@example.test']], ['warning:rua-reserved-tld']],
    ['WSP before ";", the only record', [['v=TLSRPTv1 ; rua=mailto:a@example.com']], ['warning:txt-wsp-before-semicolon']],
    ['another version is ours, broken', [['v=TLSRPTv2; rua=mailto:a@example.com']], ['error:txt-version-malformed', 'error:txt-missing']],
    ['a good record beside a quoted one', [['v=TLSRPTv1; rua=mailto:a@example.com'], ['"v=TLSRPTv1; rua=mailto:a@example.com"']], ['warning:txt-discarded-record']],
  ])('%s', (_name, records, expected) => {
    expect(codes(parseTlsRptRecords(records as string[][]).findings)).toEqual(expected);
  });
});
