/**
 * End to end, with a real MTA-STS client: synthesize each stage of the shipped example
 * config with the README's command, take the policy body, its Content-Type and the two TXT
 * values FROM the synthesized templates, serve them on loopback (DNS + HTTPS with a private CA,
 * inside throwaway namespaces: see harness/real-client.sh), and ask the resolver Postfix
 * installations use (Debian's postfix-mta-sts-resolver: `mta-sts-query`, and `mta-sts-daemon`
 * over its socketmap) what it makes of them.
 *
 * Needs mta-sts-query, mta-sts-daemon, dnsmasq, unshare, ip and openssl
 * (`bash scripts/test-deps.sh` installs them). Where they are missing the tests skip with a
 * warning, except under CI=true, where that is a failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..');
const HARNESS = join(__dirname, 'harness', 'real-client.sh');
const SYNTH_TIMEOUT_MS = 240_000;
const HARNESS_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Can the real client run here?
const prerequisites = spawnSync('bash', [HARNESS, 'check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const unavailable = prerequisites.status === 0
  ? undefined
  : `${prerequisites.stdout}${prerequisites.stderr}`.trim() || `harness check exited ${prerequisites.status}`;
const inCi = process.env.CI === 'true';
if (unavailable && !inCi) {
  console.warn(`SKIPPING test/e2e/real-client.test.ts (real MTA-STS client): ${unavailable}`);
}

// ---------------------------------------------------------------------------------------------
// The shipped example config: the stages, their domains and the mode each domain should get.
interface StageExpectation {
  readonly stage: string;
  /** domain -> mode, resolved as the app does: the stage's per-domain override, else the stage's mode. */
  readonly modes: Record<string, string>;
}

function exampleStages(): StageExpectation[] {
  const config = JSON.parse(readFileSync(join(REPO, 'cdk.json'), 'utf8')).context.mtaSts;
  return Object.entries<any>(config.stages).map(([stage, s]) => {
    const names = Object.keys(s.domains ?? config.domains);
    return { stage, modes: Object.fromEntries(names.map((d) => [d, s.domains?.[d]?.mode ?? s.mode])) };
  });
}

/**
 * A `"hosting": "shared"` stage over every domain of the shipped config plus one on external DNS
 * (the stage "shared", in us-east-1, every other domain in enforce), synthesized in an app folder
 * of its own whose cdk.json holds that config and runs the repository's built app.
 */
const SHARED_STAGE = 'shared';
/** The external domain of the shared stage, its delegation zone, and a routing endpoint standing in for the hosting's. */
const EXTERNAL = { domain: 'brand.example', zone: 'mta-sts.ops.example.net', endpoint: 'd111111abcdef8.cloudfront.net' };
function sharedStageConfig() {
  const cdkJson = JSON.parse(readFileSync(join(REPO, 'cdk.json'), 'utf8'));
  const config = cdkJson.context.mtaSts;
  config.domains[EXTERNAL.domain] = { dns: 'external', mx: [`mx1.${EXTERNAL.domain}`, `*.mx.${EXTERNAL.domain}`], tlsRpt: ["mailto:tlsrpt@example.com"] };
  const names = Object.keys(config.domains);
  const overrides = Object.fromEntries(names.map((d, i) => [d, { mode: i % 2 === 0 ? 'testing' : 'enforce' }]));
  const stage = {
    account: '111111111111', region: 'us-east-1', mode: 'testing', hosting: 'shared', domains: overrides,
    delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName: EXTERNAL.zone },
  };
  const cdkJsonOfStage = { app: `node ${join(REPO, cdkJson.app.replace(/^node /, ''))}`, context: { mtaSts: { ...config, defaultStage: SHARED_STAGE, stages: { [SHARED_STAGE]: stage } } } };
  return { expectation: { stage: SHARED_STAGE, modes: Object.fromEntries(names.map((d) => [d, overrides[d].mode])) }, cdkJson: cdkJsonOfStage };
}

/** Writes the shared stage's app folder under `dir`; returns the folder. */
function sharedStageApp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cdk.json'), JSON.stringify(sharedStageConfig().cdkJson));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// What the synthesized templates publish, per domain.
interface Artefacts {
  readonly domain: string;
  /** The policy body, the exact text the publisher writes to S3. */
  readonly policy: string;
  readonly contentType: string;
  /** `_mta-sts.<domain>` TXT values, one per resource record, unquoted. */
  readonly stsRecords: string[];
  /** `_smtp._tls.<domain>` TXT values, one per resource record, unquoted. */
  readonly tlsRptRecords: string[];
  /** For a domain on external DNS: the delegation zone its TXT records are in. */
  readonly delegationZone?: string;
}

/** One zone-file TXT rdata (RFC 1035 §5.1 character-strings, quoted or not) to its value, strings joined. */
function unquoteTxt(rdata: string): string {
  const strings: string[] = [];
  let i = 0;
  while (i < rdata.length) {
    if (/\s/.test(rdata[i])) { i++; continue; }
    const quoted = rdata[i] === '"';
    if (quoted) i++;
    let s = '';
    for (; i < rdata.length; i++) {
      const c = rdata[i];
      if (quoted ? c === '"' : /\s/.test(c)) break;
      if (c === '\\') {
        const ddd = /^\d{3}/.exec(rdata.slice(i + 1));
        s += ddd ? String.fromCharCode(Number(ddd[0])) : rdata[i + 1];
        i += ddd ? 3 : 1;
      } else {
        s += c;
      }
    }
    if (quoted && rdata[i] !== '"') throw new Error(`unterminated quoted TXT string in ${JSON.stringify(rdata)}`);
    i++;
    strings.push(s);
  }
  return strings.join('');
}

function templatesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f.startsWith('asset.') ? [] : templatesUnder(p);
    return f.endsWith('.template.json') ? [p] : [];
  });
}

function extractArtefacts(outDir: string, delegationZones: readonly string[] = []): Artefacts[] {
  interface Found { readonly file: string; readonly id: string; readonly path: string[]; readonly props: any }
  const policies: Found[] = [];
  const txt: Found[] = [];
  for (const file of templatesUnder(outDir)) {
    const resources = JSON.parse(readFileSync(file, 'utf8')).Resources ?? {};
    for (const [id, r] of Object.entries<any>(resources)) {
      const found = { file, id, path: String(r.Metadata?.['aws:cdk:path'] ?? '').split('/'), props: r.Properties ?? {} };
      if (r.Type === 'Custom::MtaStsPolicy') policies.push(found);
      if (r.Type === 'AWS::Route53::RecordSet' && found.props.Type === 'TXT') txt.push(found);
    }
  }
  const where = (f: Found) => `${f.id} in ${f.file}`;
  const values = (f: Found): string[] => (f.props.ResourceRecords ?? []).map((rr: unknown) => {
    if (typeof rr !== 'string') throw new Error(`${where(f)}: ResourceRecords entry is not a literal string: ${JSON.stringify(rr)}`);
    return unquoteTxt(rr);
  });
  const named = (prefix: string) => txt.filter((f) => typeof f.props.Name === 'string' && f.props.Name.startsWith(prefix));
  const sts = named('_mta-sts.');
  const tlsRpt = named('_smtp._tls.');

  const common = (a: string[], b: string[]) => { let n = 0; while (n < a.length && n < b.length && a[n] === b[n]) n++; return n; };
  return sts.map((record) => {
    const owner = record.props.Name.slice('_mta-sts.'.length).replace(/\.$/, '').toLowerCase();
    // A domain on external DNS has its records at `_mta-sts.<domain>.<delegation zone>`.
    const delegationZone = delegationZones.find((z) => owner.endsWith(`.${z}`));
    const domain = delegationZone === undefined ? owner : owner.slice(0, -delegationZone.length - 1);
    const inZone = (name: string) => (delegationZone === undefined ? `${name}.` : `${name}.${delegationZone}.`);
    // The policy published for this record: the one in the same construct scope (the longest
    // common construct path), which must be unique.
    const score = policies.map((p) => (p.file === record.file ? common(p.path, record.path) : -1));
    const best = Math.max(...score);
    const matches = policies.filter((_, i) => score[i] === best);
    if (policies.length === 0 || best < 0 || matches.length !== 1) {
      throw new Error(`cannot tell which Custom::MtaStsPolicy belongs to ${where(record)} (${record.props.Name}): candidates ${policies.map(where).join(', ') || 'none'}`);
    }
    const { PolicyText: policy, ContentType: contentType } = matches[0].props;
    if (typeof policy !== 'string' || typeof contentType !== 'string') {
      throw new Error(`${where(matches[0])}: PolicyText and ContentType must be literal strings, got ${JSON.stringify({ policy, contentType })}`);
    }
    return {
      domain,
      policy,
      contentType,
      stsRecords: values(record),
      tlsRptRecords: tlsRpt.filter((f) => f.props.Name.toLowerCase() === inZone(`_smtp._tls.${domain}`)).flatMap(values),
      delegationZone,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Child processes.
interface Ran { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly output: string; readonly ms: number }

function run(cmd: string, args: string[], timeoutMs: number, cwd = REPO): Promise<Ran> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGTERM' });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, output, ms: Date.now() - started }));
  });
}

async function synth(stage: string, outDir: string, cwd = REPO, delegationZones: readonly string[] = []): Promise<Artefacts[]> {
  // The repository's cdk, also from an app folder of its own (npx would look for it there).
  const r = await run(join(REPO, 'node_modules', '.bin', 'cdk'), ['synth', '-q', '-c', `stage=${stage}`, '-o', outDir], SYNTH_TIMEOUT_MS, cwd);
  if (r.code !== 0) {
    throw new Error(`cdk synth -q -c stage=${stage} (in ${cwd}) failed (exit ${r.code}, signal ${r.signal}, ${r.ms} ms):\n${r.output}`);
  }
  return extractArtefacts(outDir, delegationZones);
}

/** What the harness's last line says (see harness/helper.py, cmd_verdict). */
interface Verdict {
  /** VALID | NONE | FETCH_ERROR | NOT_CHANGED, or the harness's NO_OUTPUT | UNPARSEABLE. */
  readonly client: string;
  readonly id: string | null;
  readonly policy: { version: string; mode: string; mx: string[]; max_age: number } | null;
  readonly client_said: string | null;
  /** GETs of the well-known URL the client made; TLS handshakes that failed at the server. */
  readonly policy_requests: number;
  readonly tls_failures: number;
  /** mta-sts-daemon socketmap replies per zone: `postfix` (default), `strict` (strict_testing). */
  readonly daemon: Record<string, string>;
}

interface ClientRun { readonly verdict: Verdict; readonly output: string }

let work: string;

async function askRealClient(a: Artefacts, name: string, tweak: Partial<Record<'content-type' | 'cert-name' | 'mta-sts.record', string>> = {}): Promise<ClientRun> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'domain'), a.domain);
  writeFileSync(join(dir, 'policy'), a.policy); // the exact text: UTF-8, here ASCII
  writeFileSync(join(dir, 'content-type'), a.contentType);
  writeFileSync(join(dir, 'mta-sts.record'), a.stsRecords.map((v) => `${v}\n`).join(''));
  writeFileSync(join(dir, 'tlsrpt.record'), a.tlsRptRecords.map((v) => `${v}\n`).join(''));
  // On external DNS the harness serves the user's three CNAMEs, as `mta-sts records` prints them.
  if (a.delegationZone !== undefined) writeFileSync(join(dir, 'delegation'), `${a.delegationZone} ${EXTERNAL.endpoint}\n`);
  for (const [file, content] of Object.entries(tweak)) writeFileSync(join(dir, file), content);
  const r = await run('bash', [HARNESS, dir], HARNESS_TIMEOUT_MS);
  const last = r.output.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !last.startsWith('VERDICT ')) {
    throw new Error(`the harness did not run (exit ${r.code}, signal ${r.signal}, ${r.ms} ms):\n${r.output}`);
  }
  return { verdict: JSON.parse(last.slice('VERDICT '.length)), output: r.output };
}

/** Run assertions; on failure, show what the client and the servers did. */
function explain(run: ClientRun, assertions: () => void): void {
  try {
    assertions();
  } catch (e) {
    (e as Error).message += `\n\n--- harness output ---\n${run.output}`;
    throw e;
  }
}

/** An independent reading of a policy body: `key ":" *WSP value *WSP` lines (RFC 8461 §3.2). */
function readPolicy(body: string) {
  const fields = new Map<string, string[]>();
  for (const line of body.replace(/\r?\n$/, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0) throw new Error(`policy line without ":": ${JSON.stringify(line)}`);
    const key = line.slice(0, colon);
    fields.set(key, [...(fields.get(key) ?? []), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
  }
  const one = (k: string) => {
    const v = fields.get(k) ?? [];
    if (v.length !== 1) throw new Error(`policy must have exactly one "${k}" line, has ${v.length}: ${JSON.stringify(body)}`);
    return v[0];
  };
  return { version: one('version'), mode: one('mode'), mx: fields.get('mx') ?? [], maxAge: Number(one('max_age')) };
}

/** What mta-sts-daemon answers Postfix for a policy in `mode`, per zone. */
function expectedDaemonReplies(mode: string, mx: string[]): Record<string, string | Set<string>> {
  const secure = new Set(mx.map((m) => m.replace(/^\*/, ''))); // `*.x.y` becomes `.x.y`
  switch (mode) {
    case 'enforce': return { postfix: secure, strict: secure };
    case 'testing': return { postfix: 'NOTFOUND', strict: secure }; // only strict_testing zones enforce testing
    default: return { postfix: 'NOTFOUND', strict: 'NOTFOUND' };
  }
}

function expectDaemonReplies(replies: Record<string, string>, want: Record<string, string | Set<string>>): void {
  for (const [zone, w] of Object.entries(want)) {
    const got = (replies[zone] ?? '(no reply)').trim();
    if (typeof w === 'string') {
      expect(`${zone}: ${got}`).toBe(`${zone}: ${w}`);
    } else {
      const m = /^OK secure match=(\S+) servername=hostname$/.exec(got);
      expect(`${zone}: ${m ? 'OK secure' : got}`).toBe(`${zone}: OK secure`);
      expect(new Set(m![1].split(':'))).toEqual(w);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The test's own TXT reading must be right for the rest to mean anything.
describe('unquoteTxt (zone-file TXT rdata as in the template)', () => {
  test.each([
    ['"v=STSv1; id=abc;"', 'v=STSv1; id=abc;'],
    ['"v=TLSRPTv1; " "rua=mailto:a@example.com"', 'v=TLSRPTv1; rua=mailto:a@example.com'],
    ['"say \\"hi\\" \\\\ \\065"', 'say "hi" \\ A'],
    ['unquoted', 'unquoted'],
  ])('%s', (rdata, value) => {
    expect(unquoteTxt(rdata)).toBe(value);
  });
  test('an unterminated string is refused', () => {
    expect(() => unquoteTxt('"v=STSv1; id=abc;')).toThrow(/unterminated/);
  });
});

const stages: StageExpectation[] = [...exampleStages(), sharedStageConfig().expectation];
const describeIfRunnable = unavailable ? describe.skip : describe;

if (unavailable && inCi) {
  test('the real MTA-STS client can run (required when CI=true)', () => {
    throw new Error(`${unavailable}\nscripts/test-deps.sh should have installed it; see its output above.`);
  });
}

describeIfRunnable('real MTA-STS client (postfix-mta-sts-resolver) against the synthesized example app', () => {
  const synthesized = new Map<string, Promise<Artefacts[]>>();

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cdk-mta-sts-e2e-'));
    // Every stage at once: the synths are most of this file's time.
    for (const { stage } of stages) {
      const cwd = stage === SHARED_STAGE ? sharedStageApp(join(work, 'shared-app')) : REPO;
      const p = synth(stage, join(work, `cdk.out-${stage}`), cwd, stage === SHARED_STAGE ? [EXTERNAL.zone] : []);
      p.catch(() => undefined); // reported by the test that awaits it
      synthesized.set(stage, p);
    }
  });
  afterAll(async () => {
    await Promise.allSettled(synthesized.values());
    if (work && process.env.MTA_STS_E2E_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  }, SYNTH_TIMEOUT_MS);

  test.each(stages.map((s) => [s.stage, s] as const))('stage %s: the client accepts what we publish, as published', async (stage, expected) => {
    const published = await synthesized.get(stage)!;
    expect(published.map((a) => a.domain).sort()).toEqual(Object.keys(expected.modes).sort());
    if (stage === SHARED_STAGE) {
      // Really on the shared hosting: one multi-tenant distribution, a tenant per domain.
      const types = templatesUnder(join(work, `cdk.out-${stage}`)).flatMap((f) => Object.values<any>(JSON.parse(readFileSync(f, 'utf8')).Resources ?? {}).map((r) => r.Type));
      expect(types.filter((t) => t === 'AWS::CloudFront::Distribution')).toHaveLength(1);
      expect(types.filter((t) => t === 'AWS::CloudFront::DistributionTenant')).toHaveLength(published.length);
      // The external domain's TXT records are in the delegation zone, reached through its CNAMEs.
      expect(published.filter((a) => a.delegationZone !== undefined).map((a) => [a.domain, a.delegationZone, a.tlsRptRecords.length])).toEqual([[EXTERNAL.domain, EXTERNAL.zone, 1]]);
    }

    for (const a of published) {
      const body = readPolicy(a.policy);
      expect(`${a.domain}: mode ${body.mode}`).toBe(`${a.domain}: mode ${expected.modes[a.domain]}`);
      const stsId = /(?:^|;)\s*id=([^;\s]*)/.exec(a.stsRecords[0] ?? '')?.[1];

      const client = await askRealClient(a, `${stage}-${a.domain}`);
      explain(client, () => {
        const { verdict } = client;
        expect(verdict.client).toBe('VALID');
        expect(verdict.id).toBe(stsId);
        expect(verdict.policy!.version).toBe(body.version);
        expect(verdict.policy!.mode).toBe(body.mode);
        expect([...verdict.policy!.mx].sort()).toEqual([...body.mx].sort());
        expect(verdict.policy!.max_age).toBe(body.maxAge);
        expect(verdict.policy_requests).toBe(1);
        expectDaemonReplies(verdict.daemon, expectedDaemonReplies(body.mode, body.mx));
      });
    }
  }, SYNTH_TIMEOUT_MS + 2 * HARNESS_TIMEOUT_MS);

  // Negative controls: the same published artefacts, one thing broken. Each proves a part of
  // the harness is real (the client does read the header, the TXT record, the certificate), so
  // the VALID above means something.
  describe('negative controls: the harness can fail', () => {
    // The first domain of the first stage (dev.example.com in the shipped config).
    const firstDomain = async () => {
      const published = await synthesized.get(stages[0].stage)!;
      expect(published.length).toBeGreaterThan(0);
      return published[0];
    };

    test('the same body served as text/html: FETCH_ERROR', async () => {
      const client = await askRealClient(await firstDomain(), 'neg-text-html', { 'content-type': 'text/html' });
      explain(client, () => {
        expect(client.verdict.client).toBe('FETCH_ERROR');
        expect(client.verdict.policy_requests).toBe(1); // it fetched, and refused the response
        expectDaemonReplies(client.verdict.daemon, expectedDaemonReplies('none', []));
      });
    }, SYNTH_TIMEOUT_MS + HARNESS_TIMEOUT_MS);

    test('the _mta-sts TXT record without its id: NONE, and no fetch', async () => {
      const a = await firstDomain();
      const noId = a.stsRecords.map((v) => v.replace(/\s*id=[^;]*;?/, ''));
      expect(noId).not.toEqual(a.stsRecords);
      const client = await askRealClient(a, 'neg-no-id', { 'mta-sts.record': noId.map((v) => `${v}\n`).join('') });
      explain(client, () => {
        expect(client.verdict.client).toBe('NONE');
        expect(client.verdict.policy_requests).toBe(0);
        expectDaemonReplies(client.verdict.daemon, expectedDaemonReplies('none', []));
      });
    }, SYNTH_TIMEOUT_MS + HARNESS_TIMEOUT_MS);

    test('a certificate for another name (from the same trusted CA): FETCH_ERROR at the TLS handshake', async () => {
      const a = await firstDomain();
      const client = await askRealClient(a, 'neg-cert-name', { 'cert-name': `www.${a.domain}` });
      explain(client, () => {
        expect(client.verdict.client).toBe('FETCH_ERROR');
        expect(client.verdict.client_said).toMatch(/certificate verify failed/i);
        expect(client.verdict.tls_failures).toBeGreaterThan(0);
        expect(client.verdict.policy_requests).toBe(0);
        expectDaemonReplies(client.verdict.daemon, expectedDaemonReplies('none', []));
      });
    }, SYNTH_TIMEOUT_MS + HARNESS_TIMEOUT_MS);
  });
});
