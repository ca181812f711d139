import { canonicalRecordName, decodeRoute53Escapes, parseMxValue, parseTxtValue, recordSetsOf } from '../../lib/aws/record-set';
import { bareZoneId, hostedZoneArn, route53Error, Route53ErrorKind } from '../../lib/aws/route53-records';

describe('Route 53 presentation format', () => {
  test.each([
    ['\\052.mx.example.com.', '*.mx.example.com'],
    ['Example.COM.', 'example.com'],
    ['_mta-sts.example.com', '_mta-sts.example.com'],
  ])('the name %s reads as %s', (raw, name) => {
    expect(canonicalRecordName(raw)).toBe(name);
  });

  test('escapes: \\NNN octal and \\X', () => {
    expect(decodeRoute53Escapes('a\\052b\\"c\\\\d')).toBe('a*b"c\\d');
  });

  test.each<[string, string[]]>([
    ['"v=STSv1; id=abc;"', ['v=STSv1; id=abc;']],
    ['"v=TLSRPTv1; " "rua=mailto:a@example.com"', ['v=TLSRPTv1; ', 'rua=mailto:a@example.com']],
    ['"say \\"hi\\" \\\\ \\073"', ['say "hi" \\ ;']],
    ['unquoted words', ['unquoted', 'words']],
    ['""', ['']],
  ])('the TXT value %s splits into %j', (value, strings) => {
    expect(parseTxtValue(value)).toEqual(strings);
  });

  test.each([
    ['10 mx1.example.com.', { preference: 10, host: 'mx1.example.com' }],
    ['0 MX.Example.com', { preference: 0, host: 'mx.example.com' }],
    ['0 .', { preference: 0, host: '' }],
    ['mx1.example.com.', undefined],
    ['10', undefined],
  ])('the MX value %s reads as %j', (value, mx) => {
    expect(parseMxValue(value)).toEqual(mx);
  });

  test('recordSetsOf filters by canonical name and type', () => {
    const sets = [
      { name: 'example.com', type: 'MX', values: ['10 a.example.com.'] },
      { name: 'example.com', type: 'TXT', values: ['"x"'] },
      { name: 'sub.example.com', type: 'MX', values: ['10 b.example.com.'] },
    ];
    expect(recordSetsOf(sets, 'Example.com.', 'MX')).toEqual([sets[0]]);
  });
});

describe('Route 53 errors', () => {
  test('zone ids and ARNs', () => {
    expect(bareZoneId('/hostedzone/Z1EXAMPLE')).toBe('Z1EXAMPLE');
    expect(hostedZoneArn('/hostedzone/Z1EXAMPLE')).toBe('arn:aws:route53:::hostedzone/Z1EXAMPLE');
  });

  test.each<[string, Record<string, unknown>, Route53ErrorKind, RegExp]>([
    ['AccessDenied', { $metadata: { httpStatusCode: 403 } }, Route53ErrorKind.ACCESS_DENIED, /missing permission route53:ListResourceRecordSets on arn:aws:route53:::hostedzone\/Z1/],
    ['CredentialsProviderError', {}, Route53ErrorKind.NO_CREDENTIALS, /no AWS credentials found.*route53:ListResourceRecordSets on arn:aws:route53:::hostedzone\/Z1/],
    ['ExpiredToken', {}, Route53ErrorKind.BAD_CREDENTIALS, /refused \(ExpiredToken/],
    ['Throttling', { $metadata: { attempts: 8 } }, Route53ErrorKind.THROTTLED, /after 8 attempt/],
    ['PriorRequestNotComplete', {}, Route53ErrorKind.THROTTLED, /throttled/],
    ['NoSuchHostedZone', {}, Route53ErrorKind.NO_SUCH_ZONE, /hosted zone Z1 does not exist/],
    ['InvalidInput', {}, Route53ErrorKind.OTHER, /failed: InvalidInput: boom/],
  ])('%s is classified and explained', (name, extra, kind, message) => {
    const err = route53Error(Object.assign(new Error('boom'), { name, ...extra }), 'Z1');
    expect(err.kind).toBe(kind);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });
});
