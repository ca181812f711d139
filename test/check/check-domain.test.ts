import { checkDomain } from '../../lib/check/check-domain';
import { CheckReport, CheckSectionId, reportFindings, SmtpStage } from '../../lib/check/check-report';
import { Finding, MtaStsValidationError, Severity } from '../../lib/policy/findings';
import { MtaStsMode } from '../../lib/policy/mode';
import { MtaStsPolicy } from '../../lib/policy/policy';
import { renderMtaStsRecord } from '../../lib/policy/records';
import { DnsBehavior, TestDnsServer } from './servers/dns-server';
import { servePolicy } from './servers/https-server';
import { Lab, LabMx } from './servers/lab';
import { TestCa } from './servers/pki';

let lab: Lab;

beforeAll(async () => {
  lab = await new Lab().start();
});

afterAll(async () => {
  await lab?.stop();
});

function codes(report: CheckReport, severity?: Severity): string[] {
  return reportFindings(report)
    .filter((f) => severity === undefined || f.severity === severity)
    .map((f) => f.code);
}

function one(report: CheckReport, code: string): Finding {
  const found = reportFindings(report).filter((f) => f.code === code);
  if (found.length !== 1) {
    throw new Error(`expected one ${code}, got ${found.length}: ${JSON.stringify(reportFindings(report), null, 1)}`);
  }
  return found[0];
}

function sectionOf(report: CheckReport, code: string): CheckSectionId | undefined {
  return report.sections.find((s) => s.findings.some((f) => f.code === code))?.id;
}

function check(domain: string, extra = {}): Promise<CheckReport> {
  return checkDomain(domain, lab.options(extra));
}

describe('a fully good domain', () => {
  test('reports no error and no warning, with the records, policy, MX and TLS it saw', async () => {
    lab.domain('good.test');
    const report = await check('good.test');
    expect(reportFindings(report).filter((f) => f.severity !== Severity.INFO)).toEqual([]);
    expect(report.policyId).toMatch(/^[0-9a-f]{32}$/);
    expect(report.fetch?.status).toBe(200);
    expect(report.fetch?.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(report.fetch?.tls?.daysLeft).toBeGreaterThan(300);
    expect(report.policy?.mode).toBe(MtaStsMode.ENFORCE);
    expect(report.mx).toHaveLength(1);
    expect(report.mx[0]).toMatchObject({ host: 'mx1.good.test', covered: true, starttls: true, stage: SmtpStage.DONE });
    expect(report.mx[0].tls?.nameMatches).toBe(true);
    expect(report.rua).toEqual(['mailto:tlsrpt@example.net']);
    expect(report.sections.map((s) => s.id)).toEqual([CheckSectionId.DNS, CheckSectionId.POLICY, CheckSectionId.MX, CheckSectionId.TLS_RPT]);
    // The MX server saw the MX name as SNI.
    expect(lab.smtp.get(LabMx.GOOD)!.sniSeen).toContain('mx1.good.test');
  });

  test('accepts the domain with a trailing dot and in upper case', async () => {
    lab.domain('case.test');
    const report = await check('CASE.test.');
    expect(report.domain).toBe('case.test');
    expect(codes(report, Severity.ERROR)).toEqual([]);
  });
});

describe('DNS', () => {
  test('no _mta-sts TXT record is an error that says what to publish', async () => {
    lab.domain('notxt.test', { stsTxt: [] });
    const report = await check('notxt.test');
    expect(one(report, 'txt-missing').severity).toBe(Severity.ERROR);
    expect(one(report, 'dns-no-record').message).toMatch(/publish one with the value "v=STSv1; id=<policy id>;"/);
    expect(sectionOf(report, 'txt-missing')).toBe(CheckSectionId.DNS);
    // The policy is still fetched and checked, with a note that senders would not look.
    expect(report.fetch?.status).toBe(200);
    expect(codes(report)).toContain('https-fetched-without-record');
  });

  test('two v=STSv1 records are an error asking to keep one', async () => {
    lab.domain('two.test', { stsTxt: [['v=STSv1; id=aaa;'], ['v=STSv1; id=bbb;']] });
    const report = await check('two.test');
    expect(one(report, 'txt-multiple').message).toMatch(/2 records.*keep exactly one/);
    expect(report.policyId).toBeUndefined();
  });

  test('a record over 255 bytes split across strings is joined without separators', async () => {
    const policy = Lab.goodPolicy(['mx1.split.test']);
    const whole = `v=STSv1; id=${policy.id}; ext=${'x'.repeat(300)}`;
    lab.domain('split.test', { stsTxt: [[whole.slice(0, 255), whole.slice(255)]] });
    const report = await check('split.test');
    expect(report.mtaStsRecord).toBe(whole);
    expect(report.policyId).toBe(policy.id);
    expect(codes(report, Severity.ERROR)).toEqual([]);
    // The boundary falls inside the extension value: mimecast breaks there.
    expect(one(report, 'txt-split-inside-value').message).toMatch(/publish it as one string/);
  });

  test('an unrelated TXT record beside the MTA-STS record is a warning', async () => {
    const policy = Lab.goodPolicy(['mx1.unrelated.test']);
    lab.domain('unrelated.test', { stsTxt: [[renderMtaStsRecord(policy.id)], ['google-site-verification=abc']] });
    const report = await check('unrelated.test');
    expect(one(report, 'txt-unrelated-record').message).toMatch(/google-site-verification=abc.*move it elsewhere/);
    expect(codes(report, Severity.ERROR)).toEqual([]);
  });

  test('a single "v=STSv1 ; id=x" record is valid: a warning naming checkdmarc, no error', async () => {
    const policy = Lab.goodPolicy(['mx1.wspsemi.test']);
    lab.domain('wspsemi.test', { stsTxt: [[`v=STSv1 ; id=${policy.id}`]] });
    const report = await check('wspsemi.test');
    expect(report.policyId).toBe(policy.id);
    expect(one(report, 'txt-wsp-before-semicolon').message).toMatch(/checkdmarc rejects it/);
    expect(codes(report, Severity.ERROR)).toEqual([]);
  });

  test('a good record beside "v=STSv10; id=y;" is a warning naming postfix-mta-sts-resolver and go-mtasts, not an error', async () => {
    const policy = Lab.goodPolicy(['mx1.stsv10.test']);
    lab.domain('stsv10.test', { stsTxt: [[renderMtaStsRecord(policy.id)], ['v=STSv10; id=y;']] });
    const report = await check('stsv10.test');
    expect(one(report, 'txt-discarded-record').message).toMatch(/postfix-mta-sts-resolver .*go-mtasts/);
    expect(codes(report, Severity.ERROR)).toEqual([]);
  });

  test('a quoted record is called our record, broken, with the fix', async () => {
    const policy = Lab.goodPolicy(['mx1.quoted.test']);
    lab.domain('quoted.test', { stsTxt: [[`"${renderMtaStsRecord(policy.id)}"`]] });
    const report = await check('quoted.test');
    expect(one(report, 'txt-version-malformed').message).toMatch(/is your MTA-STS record, but broken.*without the quotes/);
    expect(codes(report)).not.toContain('txt-unrelated-record');
  });

  test('an enforce policy whose only mx is not a pattern is an error, and the MX host is uncovered', async () => {
    lab.domain('atmx.test', { policy: servePolicy('version: STSv1\r\nmode: enforce\r\nmx: @@@@\r\nmax_age: 1209600\r\n') });
    const report = await check('atmx.test');
    expect(codes(report, Severity.ERROR)).toEqual(expect.arrayContaining(['policy-mx-invalid', 'policy-mx-none-valid', 'mx-not-covered']));
  });

  test('"Mode: enforce" is advised to be renamed, never demoted to testing', async () => {
    lab.domain('modecase.test', { policy: servePolicy('version: STSv1\r\nMode: enforce\r\nmx: mx1.modecase.test\r\nmax_age: 1209600\r\n') });
    const report = await check('modecase.test');
    expect(one(report, 'policy-mode-missing').message).toMatch(/rename "Mode" to "mode"/);
    expect(reportFindings(report).map((f) => f.message).join('\n')).not.toMatch(/mode: testing/);
  });

  test('a CNAME at _mta-sts is followed and noted', async () => {
    const policy = Lab.goodPolicy(['mx1.alias.test']);
    lab.domain('alias.test', {
      dns: {
        '_mta-sts.alias.test': { CNAME: '_mta-sts.provider.test' },
        '_mta-sts.provider.test': { TXT: [[renderMtaStsRecord(policy.id)]] },
      },
    });
    const report = await check('alias.test');
    expect(one(report, 'dns-cname').message).toMatch(/_mta-sts\.alias\.test is a CNAME to _mta-sts\.provider\.test/);
    expect(report.policyId).toBe(policy.id);
    expect(codes(report, Severity.ERROR)).toEqual([]);
  });

  test('SERVFAIL at _mta-sts is an error that points at the name servers and DNSSEC', async () => {
    lab.domain('servfail.test', { dns: { '_mta-sts.servfail.test': { behavior: DnsBehavior.SERVFAIL } } });
    const report = await check('servfail.test');
    const f = one(report, 'dns-servfail');
    expect(f.field).toBe('_mta-sts.servfail.test TXT');
    expect(f.message).toMatch(/SERVFAIL.*DNSSEC/);
    expect(codes(report)).not.toContain('txt-missing');
  });

  test('a DNS server that does not answer for a name is a timeout, not a missing record', async () => {
    lab.domain('silentdns.test', { dns: { '_smtp._tls.silentdns.test': { behavior: DnsBehavior.SILENT } } });
    const report = await check('silentdns.test', { dnsTimeoutMs: 400 });
    const f = one(report, 'dns-timeout');
    expect(f.field).toBe('_smtp._tls.silentdns.test TXT');
    expect(f.message).toMatch(/no answer .* within 400 ms/);
    expect(codes(report)).not.toContain('tlsrpt-missing');
  });

  test('an unreachable DNS server is "cannot resolve at all", said once, and the rest is skipped', async () => {
    const server = `${lab.dns.address.replace(/\.1$/, '.250')}:${lab.dns.port}`;
    const report = await checkDomain('good.test', lab.options({ dnsServer: server }));
    expect(codes(report)).toEqual(['dns-unusable', 'check-skipped']);
    expect(one(report, 'dns-unusable').message).toMatch(/DNS cannot resolve at all through .*: it cannot be reached .*check the address and port of --dns-server/);
    expect(report.resolver).toBe(server);
  });

  test('a resolver that says NXDOMAIN for everything (a sandbox) is "cannot resolve at all", not a missing domain', async () => {
    const sandbox = await new TestDnsServer(lab.dns.address.replace(/\.1$/, '.3')).start();
    try {
      const report = await checkDomain('good.test', lab.options({ dnsServer: sandbox.server }));
      expect(codes(report)).toEqual(['dns-unusable', 'check-skipped']);
      expect(one(report, 'dns-unusable').message).toMatch(
        new RegExp(`through ${sandbox.server.replace(/\./g, '\\.')}, so nothing about good\\.test was checked: it answered NXDOMAIN for good\\.test and NXDOMAIN for the root zone's NS records.*no working DNS`),
      );
      expect(sandbox.queries).toContain('NS ');
    } finally {
      await sandbox.stop();
    }
  });

  test('a domain that does not exist is an error, when the control query shows DNS works', async () => {
    const report = await check('nosuchdomain.test');
    expect(one(report, 'dns-domain-not-found').message).toMatch(/nosuchdomain\.test does not exist/);
    expect(codes(report)).toContain('https-host-not-found');
    expect(codes(report)).not.toContain('dns-unusable');
  });

  test('a good domain needs no control query', async () => {
    const before = lab.dns.queries.filter((q) => q === 'NS ').length;
    await check('good.test');
    expect(lab.dns.queries.filter((q) => q === 'NS ').length).toBe(before);
  });

  test('a domain without MX is a warning, and the implicit MX is checked', async () => {
    lab.domain('nomx.test');
    lab.dns.set('nomx.test', { A: [lab.mxAddress.get(LabMx.GOOD)!] });
    const report = await check('nomx.test');
    expect(one(report, 'dns-mx-missing').message).toMatch(/implicit MX/);
    expect(report.mx.map((m) => m.host)).toEqual(['nomx.test']);
    // The policy lists mx1.nomx.test, not nomx.test.
    expect(one(report, 'mx-not-covered').field).toBe('nomx.test');
  });

  test('a domain that is not a domain name is refused before any lookup', async () => {
    const before = lab.dns.queries.length;
    await expect(check('not a domain')).rejects.toThrow(MtaStsValidationError);
    await expect(check('192.0.2.1')).rejects.toThrow(/must be a domain name.*IP addresses are not allowed/);
    await expect(check('example..com')).rejects.toThrow(/empty label/);
    expect(lab.dns.queries.length).toBe(before);
  });
});

describe('policy fetch', () => {
  test('a redirect is an error naming the Location', async () => {
    lab.domain('redirect.test', {
      policy: (_req, res) => res.writeHead(301, { Location: 'https://www.redirect.test/mta-sts.txt' }).end(),
    });
    const report = await check('redirect.test');
    const f = one(report, 'https-redirect');
    expect(f.message).toMatch(/301 redirecting to "https:\/\/www\.redirect\.test\/mta-sts\.txt".*never follow redirects.*serve the policy directly/);
    expect(report.fetch?.location).toBe('https://www.redirect.test/mta-sts.txt');
    expect(report.policy).toBeUndefined();
  });

  test('404 is an error asking for the exact path', async () => {
    lab.domain('notfound.test', { policy: (_req, res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no') });
    const report = await check('notfound.test');
    expect(one(report, 'https-status').message).toMatch(/answers 404.*exactly \/\.well-known\/mta-sts\.txt with status 200/);
  });

  test('202 is an error too: senders need exactly 200', async () => {
    lab.domain('accepted.test', { policy: (_req, res) => res.writeHead(202, { 'Content-Type': 'text/plain' }).end('x') });
    const report = await check('accepted.test');
    expect(one(report, 'https-status').message).toMatch(/202 \(a success, but not 200\)/);
  });

  test('a wrong Content-Type is an error naming the value', async () => {
    const policy = Lab.goodPolicy(['mx1.html.test']);
    lab.domain('html.test', { policy: servePolicy(policy.text, 'text/html; charset=utf-8') });
    const report = await check('html.test');
    expect(one(report, 'https-content-type').message).toMatch(/"text\/html; charset=utf-8".*"Content-Type: text\/plain"/);
    // The body is still read and checked.
    expect(report.policy?.mode).toBe(MtaStsMode.ENFORCE);
  });

  test('a missing Content-Type is an error (postfix-mta-sts-resolver hard-fails)', async () => {
    const policy = Lab.goodPolicy(['mx1.notype.test']);
    lab.domain('notype.test', { policy: servePolicy(policy.text, null) });
    const report = await check('notype.test');
    expect(one(report, 'https-content-type-missing').message).toMatch(/no Content-Type.*postfix-mta-sts-resolver.*"Content-Type: text\/plain"/);
  });

  test('text/plain with parameters and in another case is fine', async () => {
    const policy = Lab.goodPolicy(['mx1.params.test']);
    lab.domain('params.test', { policy: servePolicy(policy.text, 'Text/Plain; charset=utf-8') });
    const report = await check('params.test');
    expect(codes(report, Severity.ERROR)).toEqual([]);
  });

  test('a body announced over 65536 bytes is refused without reading it', async () => {
    lab.domain('oversized.test', { policy: servePolicy('x'.repeat(70000)) });
    const report = await check('oversized.test');
    expect(one(report, 'https-body-too-large').message).toMatch(/Content-Length 70000.*at most 65536 bytes/);
    expect(report.fetch?.bytes).toBe(0);
  });

  test('a 1 MB body without Content-Length is cut off past 65536 bytes', async () => {
    let written = 0;
    lab.domain('megabyte.test', {
      policy: (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        const chunk = Buffer.alloc(16384, 0x78);
        const pump = () => {
          while (written < 1024 * 1024) {
            written += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('close', () => undefined);
        pump();
      },
    });
    const report = await check('megabyte.test');
    expect(one(report, 'https-body-too-large').message).toMatch(/more than 65536 bytes \(stopped reading after \d+\)/);
    expect(report.fetch?.bytes).toBeGreaterThan(65536);
    expect(report.fetch?.bytes).toBeLessThan(1024 * 1024);
  });

  test('a body exactly 65536 bytes long is read', async () => {
    const policy = Lab.goodPolicy(['mx1.exact.test']);
    const pad = 65536 - Buffer.byteLength(policy.text);
    const body = policy.text + 'x'.repeat(pad - 2) + '\r\n';
    lab.domain('exact.test', { policy: servePolicy(body) });
    const report = await check('exact.test');
    expect(codes(report)).not.toContain('https-body-too-large');
    expect(report.fetch?.bytes).toBe(65536);
    // The core reads it and names what is wrong with the content.
    expect(codes(report)).toContain('policy-large');
  });

  test('a server slower than the 4 s budget is an error', async () => {
    const policy = Lab.goodPolicy(['mx1.tooslow.test']);
    const serve = servePolicy(policy.text);
    lab.domain('tooslow.test', { policy: (req, res) => setTimeout(() => serve(req, res), 6000).unref() });
    const report = await check('tooslow.test');
    expect(one(report, 'https-timeout').message).toMatch(/within 4000 ms \(stopped waiting for the response headers\).*gives up after 4 s/);
    expect(report.fetch?.elapsedMs).toBeLessThan(5500);
  });

  test('a server between 2 and 4 s is a warning', async () => {
    const policy = Lab.goodPolicy(['mx1.slow.test']);
    const serve = servePolicy(policy.text);
    lab.domain('slow.test', { policy: (req, res) => setTimeout(() => serve(req, res), 2300).unref() });
    const report = await check('slow.test');
    expect(one(report, 'https-slow').message).toMatch(/took \d+ ms: checkdmarc gives up after 2000 ms/);
    expect(codes(report, Severity.ERROR)).toEqual([]);
  });

  test('non-ASCII bytes in the policy without a charset are a warning (postfix-mta-sts-resolver fails)', async () => {
    const policy = Lab.goodPolicy(['mx1.nonascii.test']);
    lab.domain('nonascii.test', { policy: servePolicy(Buffer.from(policy.text + 'comment: café\r\n', 'utf8')) });
    const report = await check('nonascii.test');
    expect(one(report, 'policy-non-ascii').message).toMatch(/non-ASCII.*postfix-mta-sts-resolver/);
    expect(codes(report)).toContain('policy-unknown-key');
    expect(report.fetch?.text).toContain('café');
  });

  test('a policy the core refuses is reported in the policy section', async () => {
    lab.domain('badbody.test', { policy: servePolicy('version: STSv1\r\nmx: mx1.badbody.test\r\nmax_age: 86400\r\n') });
    const report = await check('badbody.test');
    expect(one(report, 'policy-mode-missing').message).toMatch(/add a "mode:" line with enforce, testing or none/);
    expect(sectionOf(report, 'policy-mode-missing')).toBe(CheckSectionId.POLICY);
  });

  test('no address for mta-sts.<domain> is an error asking to publish one', async () => {
    lab.domain('nohost.test');
    lab.dns.set('mta-sts.nohost.test', {});
    const report = await check('nohost.test');
    expect(one(report, 'https-host-not-found').message).toMatch(/mta-sts\.nohost\.test has no A or AAAA record.*publish an address record/);
  });

  test('a policy host that refuses connections is an error', async () => {
    lab.domain('refused.test', { dns: { 'mta-sts.refused.test': { A: [lab.mxAddress.get(LabMx.CLOSED)!] } } });
    const report = await check('refused.test');
    expect(one(report, 'https-connect-failed').message).toMatch(/cannot connect to mta-sts\.refused\.test .*ECONNREFUSED.*accept HTTPS on port 443/);
  });
});

describe('policy host certificate', () => {
  test('an expired certificate is an error with its date', async () => {
    lab.domain('expired.test', { httpsCert: lab.pki.issue({ cn: 'mta-sts.expired.test', days: -1 }) });
    const report = await check('expired.test');
    expect(one(report, 'https-cert-expired').message).toMatch(/expired on \d{4}-\d\d-\d\dT.*renew it/);
    expect(report.fetch?.tls?.chainVerified).toBe(false);
  });

  test('a certificate expiring within 14 days is a warning', async () => {
    lab.domain('expiring.test', { httpsCert: lab.pki.issue({ cn: 'mta-sts.expiring.test', days: 5 }) });
    const report = await check('expiring.test');
    expect(one(report, 'https-cert-expiring').message).toMatch(/in [45] day\(s\): renew it now/);
    expect(codes(report, Severity.ERROR)).toEqual([]);
  });

  test('a certificate for another name is an error listing the names it has', async () => {
    lab.domain('wrongname.test', { httpsCert: lab.pki.issue({ cn: 'www.wrongname.test' }) });
    const report = await check('wrongname.test');
    expect(one(report, 'https-cert-name-mismatch').message).toMatch(/not valid for mta-sts\.wrongname\.test: it carries the SAN DNS names www\.wrongname\.test; reissue it with a SAN of mta-sts\.wrongname\.test/);
  });

  test('a wildcard over one label is valid, over two labels is not', async () => {
    lab.domain('wild1.test', { httpsCert: lab.pki.issue({ cn: '*.wild1.test' }) });
    lab.domain('wild2.sub.test', { httpsCert: lab.pki.issue({ cn: '*.test', san: ['*.test', '*.*.sub.test'] }) });
    const good = await check('wild1.test');
    expect(codes(good, Severity.ERROR)).toEqual([]);
    const bad = await check('wild2.sub.test');
    expect(codes(bad)).toContain('https-cert-name-mismatch');
  });

  test('an untrusted chain (another CA) is an error', async () => {
    lab.domain('untrusted.test', { httpsCert: lab.pki.issue({ cn: 'mta-sts.untrusted.test', issuer: TestCa.OTHER_INTERMEDIATE }) });
    const report = await check('untrusted.test');
    expect(one(report, 'https-cert-untrusted').message).toMatch(/Untrusted Other Intermediate.*does not chain to a trusted root.*public CA/);
  });

  test('a leaf from a private CA, sent alone, is untrusted (not a missing intermediate)', async () => {
    lab.domain('privateca.test', { httpsCert: lab.pki.issue({ cn: 'mta-sts.privateca.test', issuer: TestCa.OTHER_ROOT, leafOnly: true }) });
    const report = await check('privateca.test');
    expect(codes(report)).not.toContain('https-cert-chain-incomplete');
    expect(one(report, 'https-cert-untrusted').message).toMatch(/issued by "Untrusted Other Root", which is no trusted root.*names no CA Issuers location.*use a certificate from a public CA/);
  });

  test('a chain with a missing intermediate is an error asking for the full chain', async () => {
    lab.domain('nointermediate.test', { httpsCert: lab.pki.issue({ cn: 'mta-sts.nointermediate.test', leafOnly: true }) });
    const report = await check('nointermediate.test');
    expect(one(report, 'https-cert-chain-incomplete').message).toMatch(/its issuer "MTA-STS Test Intermediate" was not sent.*serve the full chain/);
  });

  test('a CN-only certificate is an RFC error, noting postfix-mta-sts-resolver accepts it', async () => {
    lab.domain('cnonly.test', { httpsCert: lab.pki.issue({ cn: 'mta-sts.cnonly.test', san: [] }) });
    const report = await check('cnonly.test');
    const f = one(report, 'https-cert-cn-only');
    expect(f.severity).toBe(Severity.ERROR);
    expect(f.message).toMatch(/only in its subject CN.*postfix-mta-sts-resolver accepts it; reissue it with a SAN of mta-sts\.cnonly\.test/);
    expect(codes(report)).not.toContain('https-cert-name-mismatch');
  });

  test('without --ca-file the private root is not trusted', async () => {
    lab.domain('noca.test');
    const report = await checkDomain('noca.test', { ...lab.options(), extraCaPem: undefined });
    expect(codes(report)).toContain('https-cert-untrusted');
    expect(codes(report)).toContain('mx-cert-untrusted');
  });
});

describe('MX hosts', () => {
  test('an MX host no pattern covers is an error naming the host and the patterns', async () => {
    lab.domain('uncovered.test', {
      mx: [['mx1.uncovered.test', LabMx.GOOD], ['backup.other.test', LabMx.GOOD]],
      policy: servePolicy(Lab.goodPolicy(['mx1.uncovered.test']).text),
    });
    const report = await check('uncovered.test');
    const f = one(report, 'mx-not-covered');
    expect(f.severity).toBe(Severity.ERROR);
    expect(f.message).toMatch(/MX host backup\.other\.test is matched by no mx pattern of the policy \(mx1\.uncovered\.test\).*add "mx: backup\.other\.test"/);
    expect(report.mx.find((m) => m.host === 'backup.other.test')?.covered).toBe(false);
  });

  test('a wildcard covers one label, not two', async () => {
    lab.domain('wild.test', {
      mx: [['mx1.wild.test', LabMx.GOOD], ['a.b.wild.test', LabMx.GOOD]],
      policy: servePolicy(MtaStsPolicy.create({ mode: MtaStsMode.TESTING, mx: ['*.wild.test'] }).text),
    });
    const report = await check('wild.test');
    expect(one(report, 'mx-not-covered').field).toBe('a.b.wild.test');
    expect(report.mx.map((m) => [m.host, m.covered])).toEqual([
      ['mx1.wild.test', true],
      ['a.b.wild.test', false],
    ]);
  });

  test('with mode none an uncovered MX is only a note', async () => {
    lab.domain('modenone.test', {
      mx: [['mx1.modenone.test', LabMx.GOOD]],
      policy: servePolicy(MtaStsPolicy.create({ mode: MtaStsMode.NONE, mx: ['other.modenone.test'] }).text),
    });
    const report = await check('modenone.test');
    expect(one(report, 'mx-not-covered').severity).toBe(Severity.INFO);
    expect(one(report, 'mx-pattern-unused').message).toMatch(/"other\.modenone\.test" matches none of the MX hosts/);
  });

  test('an MX with a certificate for another name is an error', async () => {
    lab.domain('mxbadcert.test', { mx: [['mx1.mxbadcert.test', LabMx.WRONG_CERT]] });
    const report = await check('mxbadcert.test');
    expect(one(report, 'mx-cert-name-mismatch').message).toMatch(/MX host mx1\.mxbadcert\.test is not valid for mx1\.mxbadcert\.test: it carries the SAN DNS names some-other-host\.example; reissue/);
    expect(sectionOf(report, 'mx-cert-name-mismatch')).toBe(CheckSectionId.MX);
    expect(lab.smtp.get(LabMx.WRONG_CERT)!.sniSeen).toContain('mx1.mxbadcert.test');
  });

  test('an MX without STARTTLS is an error', async () => {
    lab.domain('nostarttls.test', { mx: [['mx1.nostarttls.test', LabMx.NO_STARTTLS]] });
    const report = await check('nostarttls.test');
    expect(one(report, 'mx-starttls-missing').message).toMatch(/mx1\.nostarttls\.test .* does not offer STARTTLS.*enable STARTTLS with a certificate for mx1\.nostarttls\.test/);
    expect(report.mx[0]).toMatchObject({ starttls: false, stage: SmtpStage.EHLO });
  });

  test('an unreachable MX is an error', async () => {
    lab.domain('mxclosed.test', { mx: [['mx1.mxclosed.test', LabMx.CLOSED]] });
    const report = await check('mxclosed.test');
    expect(one(report, 'mx-unreachable').message).toMatch(/cannot connect to MX host mx1\.mxclosed\.test .*ECONNREFUSED.*check that the host is up/);
  });

  test('an MX that accepts but never greets times out at the banner', async () => {
    lab.domain('mxsilent.test', { mx: [['mx1.mxsilent.test', LabMx.SILENT]] });
    const report = await check('mxsilent.test', { smtpTimeoutMs: 500 });
    expect(one(report, 'mx-timeout').message).toMatch(/no answer within 500 ms waiting for the 220 greeting.*never greets/);
    expect(report.mx[0].stage).toBe(SmtpStage.BANNER);
  });

  test('an MX host without an address is an error', async () => {
    lab.domain('mxnoaddr.test', { mx: [['mx1.mxnoaddr.test', LabMx.GOOD]] });
    lab.dns.set('mx1.mxnoaddr.test', {});
    const report = await check('mxnoaddr.test');
    expect(one(report, 'mx-host-not-found').message).toMatch(/mx1\.mxnoaddr\.test has no A or AAAA record/);
  });

  test('black-holed hosts are probed in parallel: three silent hosts cost one budget, not three', async () => {
    lab.domain('threesilent.test', {
      mx: [['mx1.threesilent.test', LabMx.SILENT], ['mx2.threesilent.test', LabMx.SILENT], ['mx3.threesilent.test', LabMx.SILENT], ['mx4.threesilent.test', LabMx.GOOD]],
    });
    const report = await check('threesilent.test', { smtpTimeoutMs: 1000 });
    expect(codes(report).filter((c) => c === 'mx-timeout')).toHaveLength(3);
    expect(report.mx.find((m) => m.host === 'mx4.threesilent.test')?.stage).toBe(SmtpStage.DONE);
    // Functional: one after the other they would take at least 3 s.
    expect(report.durationMs).toBeLessThan(2500);
  });
});

describe('TLS-RPT', () => {
  test('no TLS-RPT record is a warning saying what to publish', async () => {
    lab.domain('norpt.test', { rptTxt: [] });
    const report = await check('norpt.test');
    const f = one(report, 'tlsrpt-missing');
    expect(f.severity).toBe(Severity.WARNING);
    expect(f.message).toMatch(/publish "v=TLSRPTv1; rua=mailto:tlsrpt@norpt\.test"/);
    expect(codes(report)).not.toContain('txt-missing');
  });

  test('two TLS-RPT records are an error; a bad scheme is an error', async () => {
    lab.domain('tworpt.test', { rptTxt: [['v=TLSRPTv1; rua=mailto:a@example.net'], ['v=TLSRPTv1; rua=mailto:b@example.net']] });
    lab.domain('ftprpt.test', { rptTxt: [['v=TLSRPTv1; rua=ftp://example.net/x']] });
    const two = await check('tworpt.test');
    expect(one(two, 'txt-multiple').field).toBe('_smtp._tls.tworpt.test TXT');
    expect(sectionOf(two, 'txt-multiple')).toBe(CheckSectionId.TLS_RPT);
    const ftp = await check('ftprpt.test');
    expect(one(ftp, 'rua-scheme').message).toMatch(/only mailto: and https: are allowed, not ftp:/);
  });
});
