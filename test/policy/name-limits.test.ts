import { MAX_CERTIFICATE_NAME_CHARS, nameLimitFindings } from '../../lib/policy/name-limits';

/** A domain of exactly `octets` octets under example.com, in labels of at most 63. */
function domainOf(octets: number): string {
  const labels: string[] = [];
  let left = octets - '.example.com'.length;
  while (left > 0) {
    const n = Math.min(63, left);
    labels.push('a'.repeat(n));
    left -= n + 1;
  }
  // The last step may have eaten one octet too many for the dot: pad the first label.
  const name = [...labels, 'example', 'com'].join('.');
  return name.length === octets ? name : 'b' + name.slice(1 + name.length - octets);
}

describe('nameLimitFindings', () => {
  test.each([
    [56, true, []],
    [57, true, ['name-certificate-too-long']],
    [57, false, []],
    [242, false, []],
    [243, false, ['name-tls-rpt-record-too-long']],
    [244, false, ['name-tls-rpt-record-too-long']],
    [245, false, ['name-mta-sts-record-too-long', 'name-tls-rpt-record-too-long']],
    [246, false, ['name-policy-host-too-long', 'name-mta-sts-record-too-long', 'name-tls-rpt-record-too-long']],
    [250, true, ['name-certificate-too-long', 'name-policy-host-too-long', 'name-mta-sts-record-too-long', 'name-tls-rpt-record-too-long']],
  ])('a domain of %i octets (certificate made: %s): %j', (octets, createsCertificate, codes) => {
    const domain = domainOf(octets);
    expect(domain.length).toBe(octets);
    expect(nameLimitFindings(domain, { createsCertificate }).map((f) => f.code)).toEqual(codes);
  });

  test('without a TLS-RPT record, _smtp._tls is not checked', () => {
    expect(nameLimitFindings(domainOf(244), { createsCertificate: false, publishesTlsRpt: false })).toEqual([]);
  });

  test('the certificate finding names the field, the host, its length and both fixes', () => {
    const domain = 'a'.repeat(50) + '.example.com';
    const [f] = nameLimitFindings(domain, { createsCertificate: true, field: 'domain name' });
    expect(f).toMatchObject({ code: 'name-certificate-too-long', severity: 'error', field: 'domain name' });
    expect(f.message).toBe(
      `\`domain name\` "${domain}" makes the policy host "mta-sts.${domain}" of 70 characters, more than the ${MAX_CERTIFICATE_NAME_CHARS} ACM allows in a ` +
        `certificate's domain name (at most 56 for the domain): use a shorter domain, or pass your own \`certificate\` to MtaSts ` +
        `(a us-east-1 certificate with a shorter domain name that lists "mta-sts.${domain}" as a subject alternative name)`,
    );
  });

  test('a DNS-length finding names the record, its length and the longest domain that fits', () => {
    const domain = domainOf(250);
    const [f] = nameLimitFindings(domain, { createsCertificate: false, publishesTlsRpt: true });
    expect(f.code).toBe('name-policy-host-too-long');
    expect(f.message).toBe(
      `\`domainName\` "${domain}" makes the policy host "mta-sts.${domain}" of 258 octets, more than the 253 a DNS name may have (Route 53 refuses it): use a domain of at most 245 octets`,
    );
  });
});
