import { parseDnsServer, resolveCheckOptions } from '../../lib/check/check-options';
import { CheckExitCode, CheckReport, CheckSectionId, checkExitCode, renderCheckText } from '../../lib/check/check-report';
import { dnsIdMatches, subjectAltDnsNames } from '../../lib/check/private/certificate';
import { error, info, warning } from '../../lib/policy/findings';

describe('parseDnsServer', () => {
  test.each([
    ['127.0.0.1', { host: '127.0.0.1', port: 53 }],
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['::1', { host: '::1', port: 53 }],
    ['[::1]:5353', { host: '::1', port: 5353 }],
    ['[::1]', { host: '::1', port: 53 }],
  ])('%s', (value, expected) => {
    expect(parseDnsServer(value)).toEqual(expected);
  });

  test.each(['ns1.example.com', '127.0.0.1:0', '127.0.0.1:99999', '[ns]:53', '', '127.0.0.1:x'])('refuses %j', (value) => {
    expect(() => parseDnsServer(value)).toThrow(/`--dns-server` must be an IP address with an optional port/);
  });
});

describe('resolveCheckOptions', () => {
  test('defaults are what senders use', () => {
    const o = resolveCheckOptions();
    expect(o).toMatchObject({ smtpPort: 25, httpsPort: 443, httpsTimeoutMs: 4000, httpsSlowMs: 2000, certExpiryWarningDays: 14 });
    expect(o.ca).toBeUndefined();
  });

  test('an extra CA is added to the public roots, not substituted', () => {
    const o = resolveCheckOptions({ extraCaPem: '-----BEGIN CERTIFICATE-----\n…' });
    expect(o.ca!.length).toBeGreaterThan(100);
    expect(o.ca![o.ca!.length - 1]).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  test.each([
    [{ smtpPort: 0 }, /`smtpPort` must be a port number from 1 to 65535, got 0/],
    [{ httpsPort: 1.5 }, /`httpsPort` must be a port number/],
    [{ smtpTimeoutMs: -1 }, /`smtpTimeoutMs` must be a positive number, got -1/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveCheckOptions(options)).toThrow(message);
  });
});

describe('certificate names', () => {
  test('subjectAltDnsNames keeps DNS entries only, quoted ones decoded', () => {
    expect(subjectAltDnsNames('DNS:a.example.com, DNS:*.b.example.com, IP Address:192.0.2.1, email:x@example.com')).toEqual(['a.example.com', '*.b.example.com']);
    expect(subjectAltDnsNames('DNS:"weird, name.example.com", DNS:ok.example.com')).toEqual(['weird, name.example.com', 'ok.example.com']);
    expect(subjectAltDnsNames(undefined)).toEqual([]);
  });

  test.each([
    ['mta-sts.example.com', 'mta-sts.example.com', true],
    ['MTA-STS.Example.com', 'mta-sts.example.com', true],
    ['*.example.com', 'mta-sts.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.mta-sts.example.com', false],
    // A wildcard over a top-level label is no valid DNS-ID (RFC 6125 section 6.4.3; no CA issues it).
    ['*.com', 'example.com', false],
    ['m*.example.com', 'mta-sts.example.com', false],
    ['*sts.example.com', 'mta-sts.example.com', false],
    ['mta-sts.*.com', 'mta-sts.example.com', false],
    ['*.*.example.com', 'a.b.example.com', false],
    ['other.example.com', 'mta-sts.example.com', false],
  ])('DNS-ID %s for %s: %s', (id, host, expected) => {
    expect(dnsIdMatches(id, host)).toBe(expected);
  });
});

describe('report', () => {
  const report = (findings: ReturnType<typeof error>[]): CheckReport => ({
    domain: 'example.com',
    checkedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1234,
    rua: [],
    mxHosts: [],
    mx: [],
    sections: [
      { id: CheckSectionId.DNS, ok: ['a record'], findings },
      { id: CheckSectionId.POLICY, ok: [], findings: [] },
      { id: CheckSectionId.MX, ok: [], findings: [] },
      { id: CheckSectionId.TLS_RPT, ok: [], findings: [] },
    ],
  });

  test.each([
    [[], false, CheckExitCode.OK],
    [[info('i', 'f', 'note')], true, CheckExitCode.OK],
    [[warning('w', 'f', 'risk')], false, CheckExitCode.OK],
    [[warning('w', 'f', 'risk')], true, CheckExitCode.WARNINGS],
    [[warning('w', 'f', 'risk'), error('e', 'f', 'bad')], false, CheckExitCode.ERRORS],
    [[error('dns-unusable', 'f', 'no DNS'), error('e', 'f', 'bad')], true, CheckExitCode.DNS_UNUSABLE],
  ])('exit code of %j with strict=%s is %s', (findings, strict, code) => {
    expect(checkExitCode(report(findings), strict)).toBe(code);
  });

  test('text: errors before warnings before notes, each with its code', () => {
    const text = renderCheckText(report([info('i-code', 'f', 'a note'), warning('w-code', 'f', 'a risk'), error('e-code', 'f', 'a fault')]));
    expect(text).toContain('MTA-STS check of example.com (2026-01-01T00:00:00.000Z, 1.2 s)');
    const dns = text.split('\n\n')[1].split('\n');
    expect(dns).toEqual(['DNS', '  ok    a record', '  error a fault [e-code]', '  warn  a risk [w-code]', '  info  a note [i-code]']);
    expect(text.trimEnd().split('\n').pop()).toBe('1 error(s), 1 warning(s): senders will not apply this policy as intended');
  });

  test('text: the resolver is named, and "cannot resolve at all" has its own summary', () => {
    const text = renderCheckText({ ...report([error('dns-unusable', 'f', 'no DNS')]), resolver: '192.0.2.53:53' });
    expect(text).toContain('MTA-STS check of example.com (2026-01-01T00:00:00.000Z, 1.2 s, resolver 192.0.2.53:53)');
    expect(text.trimEnd().split('\n').pop()).toBe('1 error(s), 0 warning(s): DNS does not work here, so the domain was not checked');
  });
});
