// Benchmark: synth of a `"hosting": "shared"` stage with 100, 1000 and 5000 domains placed
// automatically (no `stack` keys: each domain in one of the default placement stacks, chosen by
// a hash of its name), beside the dedicated layout at 100 (one stack per domain, the default; 100
// is the most a dedicated stage may have). Each layout runs as its own process of plain
// JavaScript on the compiled library (dist/, which `npm run bench` builds first), the way a
// user's `cdk synth` runs the app: the config in the app's context (as cdk.json gives it),
// `MtaStsStages.fromContext` (config check, stage resolution, buildStage) and app.synth() into a
// temporary cloud assembly, after a warm-up synth of 5 domains so that loading aws-cdk-lib is
// not counted. Measured: CPU
// time (user + system), wall time and the process's peak RSS; from the cloud assembly, the
// largest stack's resources and template bytes (the file as synthesized) and the account
// footprint over every template (distributions, origin access controls, tenants, Lambda
// functions, IAM roles).
// Targets: CPU per domain at the largest size within 1.5x of the figure at 100; one distribution
// and one origin access control; Lambda functions and IAM roles at most 2 per placement stack
// (not growing with the domains: the same at 1000 and 5000 once every placement stack is in
// use); every stack within CloudFormation's 500 resources and 1 MB template. A miss prints FAIL
// and exits non-zero.
// BENCH_SHARED_SIZES=100,1000 measures fewer shared sizes (the 5000 run takes about 75 CPU seconds
// and 1.4 GB).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PLACEMENT_STACKS } from '../lib/config/placement';
import { MAX_STACK_RESOURCES, MAX_TEMPLATE_BYTES } from '../lib/config/stage-stacks';

const COUNTED = ['AWS::CloudFront::Distribution', 'AWS::CloudFront::OriginAccessControl', 'AWS::CloudFront::DistributionTenant', 'AWS::Lambda::Function', 'AWS::IAM::Role'];
/** The account footprint that does not grow with the domains (bounded by the placement stacks). */
const BOUNDED = COUNTED.filter((t) => t !== 'AWS::CloudFront::DistributionTenant');

interface Layout {
  readonly domains: number;
  readonly hosting: 'shared' | 'dedicated';
}

interface Result {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly maxRssMb: number;
  readonly stacks: number;
  readonly counts: Record<string, number>;
  readonly largest: { readonly resources: number; readonly bytes: number; readonly stack: string };
  readonly biggestTemplate: { readonly resources: number; readonly bytes: number; readonly stack: string };
}

/** A stage config as a user writes it in cdk.json: every domain in its own zone, no `stack` key. */
function config(l: Layout) {
  const name = (i: number) => `d${i}.example.com`;
  return {
    domains: Object.fromEntries(
      Array.from({ length: l.domains }, (_, i) => [
        name(i),
        {
          hostedZoneId: `Z${i}`.padEnd(21, 'A'),
          hostedZoneName: 'example.com',
          mx: [`mx1.${name(i)}`, `*.mx.${name(i)}`],
          tlsRpt: ['mailto:tlsrpt@reports.example.com'],
        },
      ]),
    ),
    stages: { prod: { account: '111111111111', region: 'us-east-1', mode: 'testing', hosting: l.hosting } },
    defaultStage: 'prod',
  };
}

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist', 'lib', 'index.js');

// The measured process: reads the config (argv[2]), synthesizes a 5-domain warm-up of the same
// hosting, then the config into argv[3] through the stage config path, and prints the CPU and
// wall milliseconds of that synth and the process's peak RSS as JSON.
const CHILD = `
const { App } = require('aws-cdk-lib');
const { MtaStsStages } = require(${JSON.stringify(DIST)});
const fs = require('fs');
const [config, warmConfig, outdir, warmOutdir] = process.argv.slice(2);
function synth(file, dir) {
  const context = { mtaSts: JSON.parse(fs.readFileSync(file, 'utf8')) };
  globalThis.gc?.();
  const start = process.cpuUsage();
  const t0 = performance.now();
  const app = new App({ outdir: dir, context });
  MtaStsStages.fromContext(app);
  app.synth();
  const d = process.cpuUsage(start);
  return { cpuMs: (d.user + d.system) / 1000, wallMs: performance.now() - t0 };
}
synth(warmConfig, warmOutdir);
const time = synth(config, outdir);
process.stdout.write(JSON.stringify({ ...time, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\\n');
`;

/** Counts the footprint and finds the largest stacks in a cloud assembly. */
function inspect(outdir: string): Pick<Result, 'stacks' | 'counts' | 'largest' | 'biggestTemplate'> {
  const counts = Object.fromEntries(COUNTED.map((t) => [t, 0]));
  let largest = { resources: 0, bytes: 0, stack: '' };
  let biggestTemplate = largest;
  let stacks = 0;
  for (const f of readdirSync(outdir).filter((f) => f.endsWith('.template.json'))) {
    stacks++;
    const path = join(outdir, f);
    const resources = Object.values<{ Type: string }>(JSON.parse(readFileSync(path, 'utf8')).Resources ?? {});
    for (const r of resources) if (r.Type in counts) counts[r.Type]++;
    const stack = { resources: resources.length, bytes: statSync(path).size, stack: f.replace('.template.json', '') };
    if (stack.resources > largest.resources) largest = stack;
    if (stack.bytes > biggestTemplate.bytes) biggestTemplate = stack;
  }
  return { stacks, counts, largest, biggestTemplate };
}

/** Synthesizes `l` in a process of its own; its figures and what its cloud assembly holds. */
function measure(l: Layout, work: string): Result {
  const files = { config: join(work, 'config.json'), warm: join(work, 'warm.json') };
  writeFileSync(files.config, JSON.stringify(config(l)));
  writeFileSync(files.warm, JSON.stringify(config({ domains: 5, hosting: l.hosting })));
  const outdir = mkdtempSync(join(work, 'out-'));
  const warmOutdir = mkdtempSync(join(work, 'warm-'));
  const r = spawnSync(process.execPath, ['--expose-gc', join(work, 'child.js'), files.config, files.warm, outdir, warmOutdir], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', NODE_PATH: join(ROOT, 'node_modules') },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${l.hosting} ${l.domains}: the synth failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
  const time = JSON.parse(r.stdout.trim().split('\n').pop()!) as Pick<Result, 'cpuMs' | 'wallMs' | 'maxRssMb'>;
  const result = { ...time, ...inspect(outdir) };
  rmSync(outdir, { recursive: true, force: true });
  rmSync(warmOutdir, { recursive: true, force: true });
  return result;
}

function main(): void {
  const sizes = (process.env.BENCH_SHARED_SIZES ?? '100,1000,5000').split(',').map(Number);
  const layouts: Layout[] = [{ domains: 100, hosting: 'dedicated' }, ...sizes.map((domains): Layout => ({ domains, hosting: 'shared' }))];
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run npm run build (npm run bench does)`);
  const work = mkdtempSync(join(tmpdir(), 'bench-shared-'));
  writeFileSync(join(work, 'child.js'), CHILD);
  const results = layouts.map((l) => ({ l, r: measure(l, work) }));
  rmSync(work, { recursive: true, force: true });
  console.log(`placement stacks: ${DEFAULT_PLACEMENT_STACKS} (the default), one process per layout, after a 5-domain warm-up synth`);
  console.log(['hosting', 'domains', 'stacks', 'CPU s', 'CPU ms/domain', 'wall s', 'peak RSS MB', 'largest stack (resources, bytes)', 'largest template (bytes)', ...COUNTED.map(short)].join(' | '));
  for (const { l, r } of results) {
    const row = [l.hosting, l.domains, r.stacks, (r.cpuMs / 1000).toFixed(1), (r.cpuMs / l.domains).toFixed(1), (r.wallMs / 1000).toFixed(1), r.maxRssMb.toFixed(0)];
    console.log([...row, `${r.largest.resources}, ${r.largest.bytes}`, r.biggestTemplate.bytes, ...COUNTED.map((t) => r.counts[t])].join(' | '));
  }
  const failures = [...limitFailures(results), ...targetFailures(results)];
  for (const f of failures) console.log(`FAIL: ${f}`);
  if (failures.length > 0) process.exitCode = 1;
}

/** Every stack of every layout within CloudFormation's limits. */
function limitFailures(results: { l: Layout; r: Result }[]): string[] {
  const failures: string[] = [];
  for (const { l, r } of results) {
    const at = `${l.hosting} ${l.domains}`;
    if (r.largest.resources > MAX_STACK_RESOURCES) failures.push(`${at}: stack ${r.largest.stack} has ${r.largest.resources} resources (limit ${MAX_STACK_RESOURCES})`);
    if (r.biggestTemplate.bytes > MAX_TEMPLATE_BYTES) failures.push(`${at}: template of ${r.biggestTemplate.stack} is ${r.biggestTemplate.bytes} bytes (limit ${MAX_TEMPLATE_BYTES})`);
  }
  return failures;
}

/** CPU per domain linear; the footprint bounded by the placement stacks, whatever the domains. */
function targetFailures(results: { l: Layout; r: Result }[]): string[] {
  const shared = results.filter((x) => x.l.hosting === 'shared');
  const failures: string[] = [];
  const perDomain = (x: { l: Layout; r: Result }) => x.r.cpuMs / x.l.domains;
  const first = shared[0];
  const last = shared[shared.length - 1];
  if (first && last !== first) {
    const ratio = perDomain(last) / perDomain(first);
    const marginal = (last.r.cpuMs - first.r.cpuMs) / (last.l.domains - first.l.domains);
    console.log(`CPU per domain, shared ${last.l.domains} / shared ${first.l.domains}: ${ratio.toFixed(2)} (target <= 1.5); marginal CPU per added domain ${marginal.toFixed(1)} ms`);
    if (ratio > 1.5) failures.push(`CPU per domain at ${last.l.domains} is ${ratio.toFixed(2)}x the figure at ${first.l.domains} (target <= 1.5)`);
  }
  const dedicated = results.find((x) => x.l.hosting === 'dedicated' && x.l.domains === first?.l.domains);
  if (first && dedicated) console.log(`CPU per domain, shared ${first.l.domains} / dedicated ${dedicated.l.domains}: ${(perDomain(first) / perDomain(dedicated)).toFixed(2)}`);
  // One distribution and one origin access control whatever the domains; per placement stack in
  // use a publisher and an MX guard (a Lambda function and a role each), so at most 2 per
  // placement stack: 1000 names may leave a placement stack empty, 5000 fill them all.
  const bound = 2 * DEFAULT_PLACEMENT_STACKS;
  for (const x of shared) {
    const at = `shared ${x.l.domains}`;
    for (const t of ['AWS::CloudFront::Distribution', 'AWS::CloudFront::OriginAccessControl']) {
      if (x.r.counts[t] !== 1) failures.push(`${at}: ${x.r.counts[t]} ${short(t)} (expected 1)`);
    }
    for (const t of ['AWS::Lambda::Function', 'AWS::IAM::Role']) {
      if (x.r.counts[t] > bound) failures.push(`${at}: ${x.r.counts[t]} ${short(t)} (bound: 2 per placement stack, ${bound})`);
    }
  }
  const big = shared.filter((x) => x.l.domains >= 1000);
  if (big.length > 1) {
    const same = BOUNDED.every((t) => big.every((x) => x.r.counts[t] === big[0].r.counts[t]));
    const inUse = big.map((x) => `${x.r.stacks - 1} at ${x.l.domains}`).join(', ');
    console.log(
      `footprint at ${big.map((x) => x.l.domains).join(' and ')}: ${same ? 'the same' : 'not the same'}; ` +
        `placement stacks in use: ${inUse} of ${DEFAULT_PLACEMENT_STACKS}; Lambda functions and IAM roles bounded by ${bound}: ${failures.length === 0 ? 'yes' : 'NO'}`,
    );
  }
  return failures;
}

function short(t: string): string {
  return t.replace(/^AWS::\w+::/, '');
}

main();
