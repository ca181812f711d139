import {
  AuthenticationReason,
  AuthenticationStatus,
  authenticateReportEmail,
  keyRecordAllowsTlsRpt,
  organizationalDomain,
  TxtResolver,
} from '../../lib/reports/authentication';
import { DkimLab, reportEmailFrom, signedReport } from './dkim';

const DAY = '2026-11-20';
const RECEIVED = new Date('2026-11-21T07:00:00Z');
const report = { day: DAY, org: 'Google Inc.' };

function auth(message: Buffer, resolveTxt: TxtResolver, extra: { receivedAt?: Date; now?: Date; dateHeader?: string; dnsBudgetMs?: number } = {}) {
  return authenticateReportEmail(message, { resolveTxt, receivedAt: 'receivedAt' in extra ? extra.receivedAt : RECEIVED, ...extra });
}

describe('authenticateReportEmail', () => {
  const lab = new DkimLab();

  test.each(['rsa', 'ed25519'] as const)('a valid %s signature by the From domain verifies; the reporter is its organizational domain', async (type) => {
    const msg = await signedReport(lab, 'google.com', report, { domain: 'google.com', selector: `s-${type}`, type });
    const a = await auth(msg, lab.resolver());
    expect(a).toMatchObject({ status: AuthenticationStatus.VERIFIED, reason: AuthenticationReason.PASS, reporterDomain: 'google.com', signingDomain: 'google.com', selector: `s-${type}` });
  });

  test('d= a subdomain of the From domain passes (same organizational domain)', async () => {
    const msg = await signedReport(lab, 'google.com', report, { domain: 'tlsrpt.mail.google.com' });
    expect(await auth(msg, lab.resolver())).toMatchObject({ status: AuthenticationStatus.VERIFIED, reporterDomain: 'google.com', signingDomain: 'tlsrpt.mail.google.com' });
  });

  test('d= upper case is the same domain (DNS names are case-insensitive)', async () => {
    lab.key('microsoft.com', 'tlsrpt');
    const msg = await signedReport(lab, 'microsoft.com', report, { domain: 'Microsoft.COM' });
    expect(await auth(msg, lab.resolver())).toMatchObject({ status: AuthenticationStatus.VERIFIED, reporterDomain: 'microsoft.com', signingDomain: 'microsoft.com' });
  });

  test('the body changed after signing: dkim-fail body-hash-mismatch', async () => {
    const msg = await signedReport(lab, 'google.com', report);
    const changed = Buffer.from(msg.toString('latin1').replace('This is an aggregate TLS report.', 'This is an aggregate TLS report!'), 'latin1');
    expect(await auth(changed, lab.resolver())).toMatchObject({ status: AuthenticationStatus.DKIM_FAIL, reason: AuthenticationReason.BODY_HASH_MISMATCH });
  });

  test('a signed header changed after signing: dkim-fail bad-signature', async () => {
    const msg = await signedReport(lab, 'google.com', report);
    const changed = Buffer.from(msg.toString('latin1').replace('Subject: Report Domain', 'Subject: Report domain'), 'latin1');
    const a = await auth(changed, lab.resolver());
    expect(a).toMatchObject({ status: AuthenticationStatus.DKIM_FAIL, reason: AuthenticationReason.BAD_SIGNATURE, signingDomain: 'google.com' });
    expect(a.detail).toMatch(/d="google\.com" s="tlsrpt": the signature does not verify/);
  });

  test('d= of an unrelated domain: dkim-fail domain-mismatch, naming the From domain', async () => {
    const msg = await signedReport(lab, 'google.com', report, { domain: 'attacker.example' });
    const a = await auth(msg, lab.resolver());
    expect(a).toMatchObject({ status: AuthenticationStatus.DKIM_FAIL, reason: AuthenticationReason.DOMAIN_MISMATCH, signingDomain: 'attacker.example' });
    expect(a.detail).toMatch(/From domain "google\.com"/);
    expect(a.reporterDomain).toBeUndefined();
  });

  test('a d= that only shares a public suffix does not pass (co.uk, github.io)', async () => {
    const a = await auth(await signedReport(lab, 'victim.co.uk', report, { domain: 'attacker.co.uk' }), lab.resolver());
    expect(a.reason).toBe(AuthenticationReason.DOMAIN_MISMATCH);
    const b = await auth(await signedReport(lab, 'victim.github.io', report, { domain: 'attacker.github.io' }), lab.resolver());
    expect(b.reason).toBe(AuthenticationReason.DOMAIN_MISMATCH);
  });

  test('l= present: dkim-fail body-length-limit, even though the signature itself verifies', async () => {
    const msg = await signedReport(lab, 'google.com', report, { domain: 'google.com', maxBodyLength: 100 });
    expect(await auth(msg, lab.resolver())).toMatchObject({ status: AuthenticationStatus.DKIM_FAIL, reason: AuthenticationReason.BODY_LENGTH_LIMIT });
  });

  test.each([
    ['s=email', AuthenticationStatus.DKIM_FAIL],
    ['s=email:tlsrpt', AuthenticationStatus.VERIFIED],
    ['s=*', AuthenticationStatus.VERIFIED],
    ['s = TLSRPT', AuthenticationStatus.VERIFIED],
  ])('key record %s', async (tags, status) => {
    const selector = `svc${tags.replace(/\W/g, '')}`;
    lab.key('yahoo.com', selector, 'rsa', tags);
    const a = await auth(await signedReport(lab, 'yahoo.com', report, { domain: 'yahoo.com', selector }), lab.resolver());
    expect(a.status).toBe(status);
    if (status !== AuthenticationStatus.VERIFIED) expect(a).toMatchObject({ reason: AuthenticationReason.KEY_NOT_FOR_TLSRPT, detail: expect.stringMatching(/s="email"/) });
  });

  test('expired x= as of receipt: dkim-fail expired; the same message received before x= verifies', async () => {
    const msg = await signedReport(lab, 'google.com', report, { domain: 'google.com', expires: new Date('2026-11-21T06:30:00Z') });
    expect(await auth(msg, lab.resolver())).toMatchObject({ status: AuthenticationStatus.DKIM_FAIL, reason: AuthenticationReason.EXPIRED });
    expect((await auth(msg, lab.resolver(), { receivedAt: new Date('2026-11-21T06:10:00Z') })).status).toBe(AuthenticationStatus.VERIFIED);
  });

  test('without a receipt time, x= is checked against the signed Date: header (the CLI case)', async () => {
    const msg = await signedReport(lab, 'google.com', report, { domain: 'google.com', expires: new Date('2026-11-21T06:30:00Z') });
    // Date: Sat, 21 Nov 2026 06:00:00 +0000 is signed (the default header list), so years later the file still verifies.
    const later = { receivedAt: undefined, now: new Date('2029-01-01T00:00:00Z'), dateHeader: '2026-11-21T06:00:00.000Z' };
    expect((await auth(msg, lab.resolver(), later)).status).toBe(AuthenticationStatus.VERIFIED);
    // A Date header that is not signed is not believed: t= (06:00) is used, still before x=.
    const unsignedDate = await signedReport(lab, 'google.com', report, { domain: 'google.com', expires: new Date('2026-11-21T06:30:00Z'), headerList: ['from', 'subject'], signTime: new Date('2026-11-21T06:45:00Z') });
    expect((await auth(unsignedDate, lab.resolver(), later)).reason).toBe(AuthenticationReason.EXPIRED);
  });

  test('unsigned: dkim-none', async () => {
    const a = await auth(reportEmailFrom('tlsrpt@google.com', report), lab.resolver());
    expect(a).toMatchObject({ status: AuthenticationStatus.DKIM_NONE, reason: AuthenticationReason.NO_SIGNATURE, detail: 'the message is not DKIM-signed' });
  });

  test('a DNS time-out: dkim-temperror (retried by the processor), within the budget', async () => {
    const msg = await signedReport(lab, 'google.com', report);
    const hang: TxtResolver = () => new Promise(() => undefined);
    const started = Date.now();
    const a = await auth(msg, hang, { dnsBudgetMs: 200 });
    expect(a).toMatchObject({ status: AuthenticationStatus.DKIM_TEMPERROR, reason: AuthenticationReason.DNS_TEMPORARY_FAILURE });
    expect(Date.now() - started).toBeLessThan(5000); // bounded, not timed: the budget is 200 ms
  });

  test('SERVFAIL is temporary, NXDOMAIN is not', async () => {
    const msg = await signedReport(lab, 'google.com', report);
    const servfail: TxtResolver = async () => {
      throw Object.assign(new Error('queryTxt ESERVFAIL'), { code: 'ESERVFAIL' });
    };
    expect((await auth(msg, servfail)).status).toBe(AuthenticationStatus.DKIM_TEMPERROR);
    const nx: TxtResolver = async () => {
      throw Object.assign(new Error('queryTxt ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await auth(msg, nx)).toMatchObject({ status: AuthenticationStatus.DKIM_FAIL, reason: AuthenticationReason.NO_KEY });
  });

  test('two signatures, one good: verified by the good one', async () => {
    const once = await signedReport(lab, 'google.com', report, { domain: 'attacker.example' });
    const twice = await lab.sign(once, { domain: 'google.com', selector: 'second' });
    expect(await auth(twice, lab.resolver())).toMatchObject({ status: AuthenticationStatus.VERIFIED, signingDomain: 'google.com', selector: 'second' });
  });

  test('a forged copy signed by the attacker for a From domain of its own is verified, but as the attacker', async () => {
    const msg = await signedReport(lab, 'attacker.example', { day: DAY, org: 'Google Inc.' });
    expect(await auth(msg, lab.resolver())).toMatchObject({ status: AuthenticationStatus.VERIFIED, reporterDomain: 'attacker.example' });
  });
});

describe('authenticateReportEmail: bad input', () => {
  const lab = new DkimLab();

  test('a signature header that does not parse: dkim-fail signature-invalid', async () => {
    const msg = Buffer.concat([Buffer.from('DKIM-Signature: this is ; not = a ;; signature\r\n'), reportEmailFrom('tlsrpt@google.com', report)]);
    const a = await auth(msg, lab.resolver());
    expect(a).toMatchObject({ status: AuthenticationStatus.DKIM_FAIL, reason: AuthenticationReason.SIGNATURE_INVALID });
    expect(a.detail).toMatch(/1 DKIM-Signature header/);
  });

  test('50 signatures with distinct selectors: at most 8 key lookups, the rest too-many-signatures', async () => {
    let msg = reportEmailFrom('tlsrpt@google.com', report);
    for (let i = 0; i < 50; i++) msg = await lab.sign(msg, { domain: 'google.com', selector: `k${i}`, type: 'ed25519' });
    const asked: string[] = [];
    const nx: TxtResolver = async (name) => {
      asked.push(name);
      throw Object.assign(new Error('queryTxt ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const a = await auth(msg, nx);
    expect(asked.length).toBe(8);
    expect(a.status).toBe(AuthenticationStatus.DKIM_FAIL);
    expect(a.detail).toMatch(/none of its 50 signatures passes/);
  });

  test('50 signatures, the good one among the first 8 lookups, verifies', async () => {
    let msg = reportEmailFrom('tlsrpt@google.com', report);
    for (let i = 0; i < 49; i++) msg = await lab.sign(msg, { domain: 'attacker.example', selector: 'same', type: 'ed25519' });
    msg = await lab.sign(msg, { domain: 'google.com', selector: 'good' });
    expect((await auth(msg, lab.resolver())).status).toBe(AuthenticationStatus.VERIFIED);
  });

  test('a 20 kB key record: no crash, no-key', async () => {
    const msg = await signedReport(lab, 'google.com', report, { domain: 'google.com', selector: 'huge' });
    lab.publish(DkimLab.keyName('huge', 'google.com'), `v=DKIM1; k=rsa; s=${'x:'.repeat(10_000)}; p=AAAA`);
    expect(await auth(msg, lab.resolver())).toMatchObject({ status: AuthenticationStatus.DKIM_FAIL, reason: AuthenticationReason.NO_KEY });
  });

  test('a d= with a trailing dot is not a valid signature domain', async () => {
    lab.key('google.com', 'dot');
    const msg = await signedReport(lab, 'google.com', report, { domain: 'google.com.', selector: 'dot' });
    const a = await auth(msg, lab.resolver());
    expect(a.reason).toBe(AuthenticationReason.SIGNATURE_INVALID);
    expect(a.detail).toMatch(/without a trailing dot/);
  });

  test.each([
    ['two From addresses', 'From: a@google.com, b@google.com'],
    ['no From address', 'From: undisclosed-recipients:;'],
  ])('%s: dkim-fail from-invalid', async (_name, fromLine) => {
    const base = reportEmailFrom('tlsrpt@google.com', report).toString('latin1').replace(/^From: .*$/m, fromLine);
    const msg = await lab.sign(Buffer.from(base, 'latin1'), { domain: 'google.com' });
    expect(await auth(msg, lab.resolver())).toMatchObject({ status: AuthenticationStatus.DKIM_FAIL, reason: AuthenticationReason.FROM_INVALID });
  });

  test('an .eml whose lookups all time out ends within the DNS budget', async () => {
    let msg = reportEmailFrom('tlsrpt@google.com', report);
    for (let i = 0; i < 5; i++) msg = await lab.sign(msg, { domain: 'google.com', selector: `t${i}`, type: 'ed25519' });
    const started = Date.now();
    const a = await auth(msg, () => new Promise(() => undefined), { dnsBudgetMs: 300 });
    expect(a.status).toBe(AuthenticationStatus.DKIM_TEMPERROR);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('bytes that are not an email: dkim-none, no throw', async () => {
    expect((await auth(Buffer.from('{"not":"an email"}'), lab.resolver())).status).toBe(AuthenticationStatus.DKIM_NONE);
  });
});

describe('key records and organizational domains', () => {
  test.each([
    ['v=DKIM1; p=abc', true],
    ['v=DKIM1; s=email; p=abc', false],
    ['v=DKIM1; s=tlsrpt; p=abc', true],
    ['v=DKIM1; s=email : * ; p=abc', true],
    ['v=DKIM1;s=;p=abc', false],
  ])('%s allows TLS-RPT: %s', (record, allowed) => {
    expect(keyRecordAllowsTlsRpt(record)).toBe(allowed);
  });

  test.each([
    ['mail.google.com', 'google.com'],
    ['Google.COM', 'google.com'],
    ['a.b.example.co.uk', 'example.co.uk'],
    ['x.github.io', 'x.github.io'],
    ['co.uk', undefined],
    ['google.com.', undefined],
    ['192.0.2.1', undefined],
  ])('organizationalDomain(%s) = %s', (name, org) => {
    expect(organizationalDomain(name)).toBe(org);
  });
});
