// Benchmark: synth of a `"hosting": "shared"` stage with 100 and 1000 domains (stack groups of
// 50 domains, each in its own zone), beside the dedicated layout at 100 (one stack per domain,
// the default; 100 is the most a dedicated stage may have). In process: the stage config check,
// buildStage and app.synth(), CPU time (user + system) per domain. Then, from the cloud
// assembly: the largest stack's resources and template bytes, and the account footprint counted
// over every template (distributions, origin access controls, Lambda functions, IAM roles).
// Targets: the shared footprint is the same at 100 and 1000 domains except Lambdas and roles,
// which grow by stack (2 per stack of 50 domains), not by domain; CPU per domain at 1000 within
// 1.5x of 100.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildStage } from '../lib/app/build-app';
import { parseConfig, resolveStage } from '../lib/config/stage-config';

const GROUP = 50;
const COUNTED = ['AWS::CloudFront::Distribution', 'AWS::CloudFront::OriginAccessControl', 'AWS::CloudFront::DistributionTenant', 'AWS::Lambda::Function', 'AWS::IAM::Role'];

interface Layout {
  readonly name: string;
  readonly domains: number;
  readonly hosting: 'shared' | 'dedicated';
  /** Domains a stack group; 0: the default, a stack per domain. */
  readonly group: number;
}

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
          ...(l.group > 0 ? { stack: `g${Math.floor(i / l.group)}` } : {}),
        },
      ]),
    ),
    stages: { prod: { account: '111111111111', region: 'us-east-1', mode: 'testing', hosting: l.hosting } },
    defaultStage: 'prod',
  };
}

function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function run(l: Layout) {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-shared-'));
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.cpuUsage();
  const app = new App({ outdir });
  buildStage(app, resolveStage(parseConfig(config(l))));
  app.synth();
  const cpu = cpuMs(start);
  const counts = Object.fromEntries(COUNTED.map((t) => [t, 0]));
  let largest = { resources: 0, bytes: 0, stack: '' };
  let stacks = 0;
  for (const f of readdirSync(outdir).filter((f) => f.endsWith('.template.json'))) {
    stacks++;
    const path = join(outdir, f);
    const resources = Object.values<{ Type: string }>(JSON.parse(readFileSync(path, 'utf8')).Resources ?? {});
    for (const r of resources) if (r.Type in counts) counts[r.Type]++;
    if (resources.length > largest.resources) largest = { resources: resources.length, bytes: statSync(path).size, stack: f.replace('.template.json', '') };
  }
  rmSync(outdir, { recursive: true, force: true });
  return { cpu, perDomain: cpu / l.domains, counts, largest, stacks };
}

const layouts: Layout[] = [
  { name: 'dedicated, stack per domain', domains: 100, hosting: 'dedicated', group: 0 },
  { name: `shared, groups of ${GROUP}`, domains: 100, hosting: 'shared', group: GROUP },
  { name: `shared, groups of ${GROUP}`, domains: 1000, hosting: 'shared', group: GROUP },
];

// A warm-up synth, so the first measured layout does not pay for loading aws-cdk-lib.
run({ name: 'warm-up', domains: 5, hosting: 'shared', group: GROUP });
const results = layouts.map((l) => ({ l, r: run(l) }));

const short = (t: string) => t.replace(/^AWS::\w+::/, '');
console.log(
  ['layout', 'domains', 'stacks', 'CPU s', 'CPU ms/domain', 'largest stack (resources, bytes)', ...COUNTED.map(short)].join(' | '),
);
for (const { l, r } of results) {
  console.log(
    [l.name, l.domains, r.stacks, (r.cpu / 1000).toFixed(1), r.perDomain.toFixed(1), `${r.largest.resources}, ${r.largest.bytes}`, ...COUNTED.map((t) => r.counts[t])].join(' | '),
  );
}
const [, s100, s1000] = results.map((x) => x.r);
console.log(`CPU per domain, shared 1000 / shared 100: ${(s1000.perDomain / s100.perDomain).toFixed(2)} (target <= 1.5)`);
console.log(`CPU per domain, shared 100 / dedicated 100: ${(s100.perDomain / results[0].r.perDomain).toFixed(2)}`);
const constant = ['AWS::CloudFront::Distribution', 'AWS::CloudFront::OriginAccessControl'].every((t) => s100.counts[t] === s1000.counts[t]);
console.log(`distributions and origin access controls the same at 100 and 1000: ${constant ? 'yes' : 'NO'}`);
if (!constant || s1000.perDomain / s100.perDomain > 1.5) process.exitCode = 1;
