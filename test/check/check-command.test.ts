import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The command module registers itself; import it directly so this test does not depend on the
// other commands loaded by lib/cli/index.ts.
import '../../lib/cli/check-command';
import { runCli } from '../../lib/cli/program';
import { CheckReport, reportFindings } from '../../lib/check/check-report';
import { TestDnsServer } from './servers/dns-server';
import { servePolicy } from './servers/https-server';
import { Lab } from './servers/lab';

let lab: Lab;
let dir: string;
let caFile: string;

beforeAll(async () => {
  lab = await new Lab().start();
  dir = mkdtempSync(join(tmpdir(), 'mta-sts-cli-'));
  caFile = join(dir, 'root.pem');
  writeFileSync(caFile, lab.pki.rootPem);
  lab.domain('good.test');
  lab.domain('warn.test', { rptTxt: [] });
  lab.domain('bad.test', { policy: servePolicy(Lab.goodPolicy(['mx1.bad.test']).text, 'text/html') });
  lab.domain('evil.test', { rptTxt: [['v=TLSRPTv1; rua=mailto:a@evil.test\r\n\u001b]0;owned\u0007\u001b[2J\u202eok']] });
});

afterAll(async () => {
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

function labArgs(): string[] {
  return ['--dns-server', lab.dns.server, '--ca-file', caFile, '--https-port', String(lab.https.port), '--smtp-port', String(lab.smtpPort), '--timeout', '1500'];
}

describe('mta-sts check', () => {
  test('exit 0 and a text report grouped by section for a good domain', async () => {
    const r = await run('check', 'good.test', ...labArgs());
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^MTA-STS check of good\.test/);
    const headings = r.out.split('\n').filter((l) => /^[A-Z0-9]/.test(l));
    expect(headings).toEqual([expect.stringMatching(/^MTA-STS check/), 'DNS', 'Policy', 'MX hosts', 'TLS-RPT', '0 error(s), 0 warning(s): all good']);
    expect(r.out).toMatch(/ {2}ok {4}https:\/\/mta-sts\.good\.test\/\.well-known\/mta-sts\.txt answers 200/);
  });

  test('hostile DNS text (CR/LF, OSC, CSI, a bidi override) never reaches the terminal raw, in text or JSON', async () => {
    for (const json of [[], ['--json']]) {
      const r = await run('check', 'evil.test', ...labArgs(), ...json);
      expect(r.out).toMatch(/evil\.test/);
      expect(r.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
  });

  test('warnings only: exit 0, or 1 with --strict', async () => {
    const plain = await run('check', 'warn.test', ...labArgs());
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/ {2}warn {2}.*\[tlsrpt-missing\]/);
    const strict = await run('check', 'warn.test', '--strict', ...labArgs());
    expect(strict.code).toBe(1);
  });

  test('errors: exit 2, with or without --strict', async () => {
    const r = await run('check', 'bad.test', ...labArgs());
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/ {2}error .*"text\/html".*\[https-content-type\]/);
    expect((await run('check', 'bad.test', '--strict', ...labArgs())).code).toBe(2);
  });

  test('no working DNS: exit 3 (not 2), the resolver named', async () => {
    const sandbox = await new TestDnsServer(lab.dns.address.replace(/\.1$/, '.4')).start();
    try {
      const r = await run('check', 'good.test', ...labArgs().map((a) => (a === lab.dns.server ? sandbox.server : a)));
      expect(r.code).toBe(3);
      expect(r.out.split('\n')[0]).toContain(`resolver ${sandbox.server}`);
      expect(r.out).toMatch(/\[dns-unusable\]/);
      expect(r.out.trimEnd().split('\n').pop()).toMatch(/DNS does not work here, so the domain was not checked$/);
    } finally {
      await sandbox.stop();
    }
  });

  test('--json prints the report as JSON', async () => {
    const r = await run('check', 'bad.test', '--json', ...labArgs());
    expect(r.code).toBe(2);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.domain).toBe('bad.test');
    expect(report.fetch?.contentType).toBe('text/html');
    expect(reportFindings(report).map((f) => f.code)).toContain('https-content-type');
    expect(report.sections.map((s) => s.id)).toEqual(['dns', 'policy', 'mx', 'tls-rpt']);
  });

  test('a domain that is not a domain name is refused with a message, exit 2', async () => {
    const r = await run('check', 'exa mple.com', ...labArgs());
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/`domain` must be a domain name, got "exa mple\.com": remove the white space/);
    const ip = await run('check', '127.0.0.1');
    expect(ip.code).toBe(2);
    expect(ip.err).toMatch(/IP addresses are not allowed/);
  });

  test('bad options are refused with a message naming them', async () => {
    const dns = await run('check', 'good.test', '--dns-server', 'ns1.example.com');
    expect(dns.code).toBe(2);
    expect(dns.err).toMatch(/`--dns-server` must be an IP address with an optional port.*"ns1\.example\.com"/);
    const port = await run('check', 'good.test', '--smtp-port', '70000');
    expect(port.err).toMatch(/`--smtp-port` must be a whole number from 1 to 65535, got "70000"/);
    const ca = await run('check', 'good.test', '--ca-file', join(dir, 'missing.pem'));
    expect(ca.err).toMatch(/`--ca-file` ".*missing\.pem" cannot be read \(ENOENT\)/);
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect((await run('check', 'good.test', '--ca-file', notPem)).err).toMatch(/holds no PEM certificate/);
  });
});
