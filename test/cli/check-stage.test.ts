// `mta-sts check --stage` on a two-domain stage served by the checker's loopback servers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../lib/cli/check-command';
import { renderStageText, StageCheck, StageVerdict } from '../../lib/cli/check-stage';
import { runCli } from '../../lib/cli/program';
import { renderMtaStsRecord } from '../../lib/policy/records';
import { Lab, LabMx } from '../check/servers/lab';

let lab: Lab;
let dir: string;
let configPath: string;
let caFile: string;

const CONFIG = {
  domains: {
    'good.test': { hostedZoneId: 'Z1GOOD', hostedZoneName: 'good.test', mx: ['mx1.good.test'], tlsRpt: ['mailto:tlsrpt@example.net'] },
    // The stage publishes a second MX host; the policy host still serves the old body.
    'drift.test': { hostedZoneId: 'Z2DRIFT', hostedZoneName: 'drift.test', mx: ['mx1.drift.test', 'mx2.drift.test'], tlsRpt: ['mailto:tlsrpt@example.net'] },
  },
  stages: { prod: { account: '111111111111', region: 'us-east-1', mode: 'enforce' } },
};

const ZONE = 'mta-sts.ops.example.net';
const ENDPOINT = 'd111111abcdef8.cloudfront.net';
/** A shared stage with domains on external DNS: their TXT records in ZONE, the user's CNAMEs at "their provider" (the lab's DNS). */
const EXTERNAL = {
  domains: {
    'ext.test': { dns: 'external', mx: ['mx1.ext.test'], tlsRpt: ['mailto:tlsrpt@example.net'] },
    'shadow.test': { dns: 'external', mx: ['mx1.shadow.test'], tlsRpt: ['mailto:tlsrpt@example.net'] },
  },
  stages: { shared: { account: '111111111111', region: 'us-east-1', mode: 'enforce', hosting: 'shared', delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName: ZONE } } },
};
let externalPath: string;

/** Serves `domain` as delegated: the three CNAMEs, the TXT records at the delegated names, the policy host behind the routing endpoint. */
function delegated(domain: string, over: Record<string, object> = {}): void {
  const id = Lab.goodPolicy([`mx1.${domain}`]).id;
  lab.domain(domain, {
    dns: {
      [`_mta-sts.${domain}`]: { CNAME: `_mta-sts.${domain}.${ZONE}` },
      [`_mta-sts.${domain}.${ZONE}`]: { TXT: [[renderMtaStsRecord(id)]] },
      [`_smtp._tls.${domain}`]: { CNAME: `_smtp._tls.${domain}.${ZONE}` },
      [`_smtp._tls.${domain}.${ZONE}`]: { TXT: [[Lab.goodTlsRpt()]] },
      [`mta-sts.${domain}`]: { CNAME: ENDPOINT },
      [ENDPOINT]: { A: [lab.https.address] },
      ...over,
    },
  });
}

beforeAll(async () => {
  lab = await new Lab().start();
  lab.domain('good.test');
  lab.domain('drift.test', { mx: [['mx1.drift.test', LabMx.GOOD]] });
  dir = mkdtempSync(join(tmpdir(), 'mta-sts-stage-'));
  configPath = join(dir, 'cdk.json');
  caFile = join(dir, 'root.pem');
  writeFileSync(configPath, JSON.stringify({ app: 'x', context: { mtaSts: CONFIG } }));
  writeFileSync(caFile, lab.pki.rootPem);
  externalPath = join(dir, 'external.json');
  writeFileSync(externalPath, JSON.stringify({ app: 'x', context: { mtaSts: EXTERNAL } }));
  delegated('ext.test');
  delegated('shadow.test', { '_mta-sts.shadow.test': { TXT: [[renderMtaStsRecord(Lab.goodPolicy(['mx1.shadow.test']).id)]] } });
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
  return ['--config', configPath, '--dns-server', lab.dns.server, '--ca-file', caFile, '--https-port', String(lab.https.port), '--smtp-port', String(lab.smtpPort), '--timeout', '1500'];
}

describe('mta-sts check --stage', () => {
  test('one table for the stage, the drifted policy named, exit 2 as check on an error', async () => {
    const r = await run('check', '--stage', 'prod', ...labArgs());
    expect(r.code).toBe(2);
    // Not a terminal: no progress on stderr.
    expect(r.err).toBe('');
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('MTA-STS check of stage prod (2 domain(s))');
    expect(lines.slice(2, 5)).toEqual([
      expect.stringMatching(/^DOMAIN\s+MODE\s+VERDICT\s+ERRORS\s+WARNINGS$/),
      expect.stringMatching(/^good\.test\s+enforce\s+ok\s+0\s+0$/),
      expect.stringMatching(/^drift\.test\s+enforce\s+errors\s+1\s+0$/),
    ]);
    expect(r.out).toMatch(/error https:\/\/mta-sts\.drift\.test\/\.well-known\/mta-sts\.txt serves a body that is not the one this app published .*\[drift-policy-body\]/);
    expect(r.out).toMatch(/1 domain\(s\) with errors, 0 with warnings only, 1 all good/);
  });

  test('--json: each domain with its verdict, findings and the checker report', async () => {
    const r = await run('check', '--stage', 'prod', '--json', ...labArgs());
    expect(r.code).toBe(2);
    const result = JSON.parse(r.out) as StageCheck;
    expect(result.stage).toBe('prod');
    expect(result.domains.map((d) => [d.domain, d.verdict])).toEqual([
      ['good.test', StageVerdict.OK],
      ['drift.test', StageVerdict.ERRORS],
    ]);
    expect(result.domains[1].findings.map((f) => f.code)).toContain('drift-policy-body');
    // SMTP is probed from the CLI (not from the monitor): the good MX host passed STARTTLS.
    expect(result.domains[0].report.mx[0].starttls).toBe(true);
  });

  test('a domain of the stage alone: exit 0 when it is good', async () => {
    const r = await run('check', 'good.test', '--stage', 'prod', ...labArgs());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\(1 domain\(s\)\)/);
    expect(r.out).not.toMatch(/drift\.test/);
  });

  test('an unknown stage and a missing domain are one line each, exit 2', async () => {
    const unknown = await run('check', '--stage', 'staging', ...labArgs());
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/stage "staging" is not in mtaSts\.stages; known stages: prod/);
    const none = await run('check');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/give a domain \(`mta-sts check example\.com`\), or a stage of the config/);
  });

  describe('a stage with domains on external DNS', () => {
    const external = (...args: string[]) => run('check', ...args, '--stage', 'shared', ...labArgs().slice(2), '--config', externalPath, '--routing-endpoint', ENDPOINT);

    test('three CNAMEs to what the app manages: verified, and the domain checked as senders see it through them (RFC 8461 section 8.2), exit 0', async () => {
      const r = await external('ext.test', '--json');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const d = (JSON.parse(r.out) as StageCheck).domains[0];
      expect(d.verdict).toBe(StageVerdict.OK);
      expect(d.delegation!.records.map((x) => [x.name, x.status])).toEqual([
        ['mta-sts.ext.test', 'ok'],
        ['_smtp._tls.ext.test', 'ok'],
        ['_mta-sts.ext.test', 'ok'],
      ]);
      // The checker followed the _mta-sts CNAME to the TXT record in the delegation zone, and fetched the policy through the policy host's CNAME.
      expect(d.report.policyId).toBe(Lab.goodPolicy(['mx1.ext.test']).id);
      expect(d.report.fetch?.status).toBe(200);
      expect(d.findings.map((f) => f.code)).toContain('dns-cname');
    });

    test('a TXT record of its own at _mta-sts instead of the CNAME: an error, though senders see a valid record, exit 2', async () => {
      const r = await external('shadow.test');
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/^shadow\.test\s+enforce\s+errors\s+1\s+0$/m);
      expect(r.out).toContain(
        `error _mta-sts.shadow.test holds 1 TXT record(s) of its own at your DNS provider ("${renderMtaStsRecord(Lab.goodPolicy(['mx1.shadow.test']).id)}") instead of a CNAME: senders read those, never the app's record; ` +
          `delete them and create "_mta-sts.shadow.test. 3600 IN CNAME _mta-sts.shadow.test.${ZONE}." at your DNS provider [delegation-cname-shadowed]`,
      );
    });

    test('another routing endpoint than the policy host points to: an error', async () => {
      const r = await run('check', 'ext.test', '--stage', 'shared', ...labArgs().slice(2), '--config', externalPath, '--routing-endpoint', 'd999999zzzzzz9.cloudfront.net');
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/error mta-sts\.ext\.test is a CNAME to d111111abcdef8\.cloudfront\.net, not to d999999zzzzzz9\.cloudfront\.net: senders fetch the policy elsewhere.*\[delegation-cname-wrong\]/);
    });
  });

  test('the table pads columns and right-aligns the counts', () => {
    const text = renderStageText({
      stage: 's',
      domains: [
        { domain: 'a.example', mode: 'testing', verdict: StageVerdict.WARNINGS, errors: 0, warnings: 12, findings: [], report: undefined as never },
        { domain: 'longer-name.example', mode: 'enforce', verdict: StageVerdict.OK, errors: 0, warnings: 0, findings: [], report: undefined as never },
      ],
    });
    expect(text.split('\n').slice(2, 5)).toEqual([
      'DOMAIN               MODE     VERDICT   ERRORS  WARNINGS',
      'a.example            testing  warnings       0        12',
      'longer-name.example  enforce  ok             0         0',
    ]);
  });
});
