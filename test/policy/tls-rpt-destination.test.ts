import { renderTlsRptRecord } from '../../lib/policy/records';
import { TlsRptDestination } from '../../lib/policy/tls-rpt-destination';

describe('TlsRptDestination (generator profile)', () => {
  test.each([
    [() => TlsRptDestination.mailto('tlsrpt@example.com'), 'mailto:tlsrpt@example.com'],
    [() => TlsRptDestination.mailto('mailto:tlsrpt@example.com'), 'mailto:tlsrpt@example.com'],
    [() => TlsRptDestination.mailto('tls!rpt@example.com'), 'mailto:tls%21rpt@example.com'],
    [() => TlsRptDestination.https('https://Reports.Example.com/v1/tlsrpt'), 'https://reports.example.com/v1/tlsrpt'],
    [() => TlsRptDestination.https('https://reports.example.com/a,b'), 'https://reports.example.com/a%2Cb'],
    [() => TlsRptDestination.fromUri('mailto:tlsrpt@example.com'), 'mailto:tlsrpt@example.com'],
    [() => TlsRptDestination.fromUri('https://reports.example.com/'), 'https://reports.example.com/'],
    [() => TlsRptDestination.mailto('a@bücher.example.com'), 'mailto:a@xn--bcher-kva.example.com'],
    [() => TlsRptDestination.fromUri('mailto:tlsrpt@Bücher.com'), 'mailto:tlsrpt@xn--bcher-kva.com'],
    [() => TlsRptDestination.https('https://reports.bücher.com/v1'), 'https://reports.xn--bcher-kva.com/v1'],
  ])('%#: builds %s', (make, uri) => {
    expect(make().uri).toBe(uri);
    expect(String(make())).toBe(uri);
  });

  test.each([
    [() => TlsRptDestination.fromUri('ftp://reports.example.com/x'), /`tlsRpt` "ftp:\/\/reports.example.com\/x" is not a valid TLS-RPT destination: only mailto: and https: are allowed/],
    [() => TlsRptDestination.fromUri('http://reports.example.com/x'), /only mailto: and https: are allowed/],
    [() => TlsRptDestination.mailto('reports'), /a mailto: destination needs one address of the form user@domain/],
    [() => TlsRptDestination.mailto('a@b@example.com'), /needs one address/],
    [() => TlsRptDestination.mailto('@example.com'), /needs one address/],
    [() => TlsRptDestination.mailto('a..b@example.com'), /is not a valid address local part/],
    [() => TlsRptDestination.mailto('jürgen@example.com'), /`tlsRpt` "mailto:jürgen@example.com" is not a valid TLS-RPT destination: the local part "jürgen" is not ASCII: the TLS-RPT record must be US-ASCII \(RFC 8460 section 3\).*use an ASCII mailbox/],
    [() => TlsRptDestination.mailto('j%C3%BCrgen@example.com'), /the local part "jürgen" is not ASCII/],
    // The issue's own example: A-labels, then refused only for the reserved .example TLD.
    [() => TlsRptDestination.mailto('a@bücher.example'), /`tlsRpt` "mailto:a@xn--bcher-kva.example" uses a reserved top-level domain/],
    [() => TlsRptDestination.mailto('tlsrpt@example'), /its domain "example" is not a valid domain name/],
    [() => TlsRptDestination.mailto('tlsrpt@example.test'), /uses a reserved top-level domain: mimecast drops it/],
    [() => TlsRptDestination.https('https://reports .example.com/x'), /it holds white space; remove it/],
    [() => TlsRptDestination.https('https://reports.example.com/my reports'), /white space/],
    [() => TlsRptDestination.https('https://reports.example.com:8443/x'), /names a port: MailCheck reports the URI as malformed/],
    [() => TlsRptDestination.https('https://reports.example.com/x?token=1'), /holds "=": MailCheck reports the record as malformed/],
    [() => TlsRptDestination.https('https://user:pw@reports.example.com/x'), /remove the user name and password/],
    [() => TlsRptDestination.https('https://192.0.2.1/x'), /its domain "192.0.2.1" is not a valid domain name/],
    [() => TlsRptDestination.https('https://'), /does not parse as a URL/],
    [() => TlsRptDestination.fromUri(42 as unknown as string, 'domains.x.tlsRpt[0]'), /`domains.x.tlsRpt\[0\]` must be a mailto: or https: URI string, got 42/],
  ])('%#: refuses with %s', (make, message) => {
    expect(make).toThrow(message);
  });

  test('an IDN mailto domain publishes an ASCII record that the checker reads clean', () => {
    const record = renderTlsRptRecord([TlsRptDestination.mailto('a@bücher.example.com')]);
    expect(record).toBe('v=TLSRPTv1; rua=mailto:a@xn--bcher-kva.example.com');
    expect(/[^\x00-\x7f]/.test(record)).toBe(false);
  });
});
