import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../lib/cli/policy-command';
import { runCli } from '../../lib/cli/program';
import { parsePolicy } from '../../lib/policy/policy-parse';
import { parseMtaStsRecords, parseTlsRptRecords } from '../../lib/policy/records';

const CDK_JSON = join(__dirname, '..', '..', 'cdk.json');

async function run(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('mta-sts policy', () => {
  test('--json prints, per domain, the body, both TXT values and the id; each reads back clean', async () => {
    const r = await run('policy', '--config', CDK_JSON, '--stage', 'prod', '--json');
    expect(r.code).toBe(0);
    const [d] = JSON.parse(r.out);
    expect(d).toMatchObject({ domain: 'example.com', stage: 'prod', mode: 'testing', maxAgeSeconds: 604800, policyUrl: 'https://mta-sts.example.com/.well-known/mta-sts.txt' });
    expect(parsePolicy(d.policyText).findings).toEqual([]);
    expect(parseMtaStsRecords([[d.mtaStsRecord.value]])).toMatchObject({ id: d.policyId, findings: [] });
    // The prod stage's collector publishes two destinations: MailCheck's note about several rua is all.
    expect(parseTlsRptRecords([[d.tlsRptRecord.value]]).findings.map((f) => f.code)).toEqual(['tlsrpt-several-rua']);
    expect(d.tlsRptRecord.value).toBe('v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt.example.com,https://tlsrpt.example.com/v1/report');
    expect(d.mtaStsRecord.name).toBe('_mta-sts.example.com');
  });

  test('text output shows the body with its line ends and both records', async () => {
    const r = await run('policy', '--config', CDK_JSON);
    expect(r.code).toBe(0);
    expect(r.out).toContain('dev.example.com  (stage dev, mode testing)');
    expect(r.out).toContain('    version: STSv1\\r\\n');
    expect(r.out).toMatch(/TXT _mta-sts.dev.example.com  "v=STSv1; id=[0-9a-f]{32};"/);
    expect(r.out).toContain('TXT _smtp._tls.dev.example.com  "v=TLSRPTv1; rua=mailto:tlsrpt@example.com"');
  });

  test('--domain filters; an unknown domain is refused with the stage\'s domains', async () => {
    expect((await run('policy', '--config', CDK_JSON, '--domain', 'DEV.example.com.', '--json')).out).toContain('"domain": "dev.example.com"');
    const r = await run('policy', '--config', CDK_JSON, '--domain', 'example.org');
    expect([r.code, r.err]).toEqual([2, 'mta-sts: --domain "example.org" is not in stage "dev"; its domains: dev.example.com\n']);
  });

  test('an unknown stage and a broken config give one line and exit 2, no stack trace', async () => {
    const s = await run('policy', '--config', CDK_JSON, '--stage', 'qa');
    expect([s.code, s.err]).toEqual([2, 'mta-sts: stage "qa" is not in mtaSts.stages; known stages: dev, prod\n']);
    const dir = mkdtempSync(join(tmpdir(), 'mta-sts-cli-'));
    const bad = join(dir, 'cdk.json');
    writeFileSync(bad, JSON.stringify({ context: { mtaSts: { domains: {}, stages: { x: { account: '1', region: 'us-east-1', mode: 'testing' } } } } }));
    const b = await run('policy', '--config', bad, '--stage', 'x');
    expect(b.code).toBe(2);
    expect(b.err).toBe('mta-sts: mtaSts.stages.x.account: a 12-digit AWS account id, got "1"\n');
  });

  test('an unknown option is a usage error', async () => {
    const r = await run('policy', '--nope');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option '--nope'/);
  });

  test.each(['constructor', '__proto__', 'toString'])('--stage %s is no such stage (own stages only)', async (name) => {
    const r = await run('policy', '--config', CDK_JSON, '--stage', name);
    expect([r.code, r.err]).toEqual([2, `mta-sts: stage "${name}" is not in mtaSts.stages; known stages: dev, prod\n`]);
  });
});
