// Synth cost, two ways, each against a hand-written stack of the same AWS resources:
// 1. The whole example app (`node dist/bin/app.js`, the default stage of cdk.json, as `cdk synth`
//    runs it) against bench/synth-hand-written-app.ts, each its own process, CPU seconds (user +
//    system of the child, every thread), median of 15 alternating runs (BENCH_APP_RUNS; with
//    fewer, the validation engine's start, which alone varies by a second, decides the ratio).
//    Target: app / hand-written <= 1.05. Printed by phase: before app.synth() (loading modules, the config,
//    the constructs), aws-cdk-lib's CloudFormation template validation inside synth (its WASM
//    engine; the same work for both apps and most of the time, and its CPU varies by a second
//    from run to run on a shared machine), and the rest; with the median of the ratios of each
//    alternating pair beside the ratio of the medians.
// 2. The MtaSts construct in process (publisher, MX guard, records; no validation, no warnings),
//    wall time measured alternately in one run, and the size of each cloud assembly. Target <= 1.2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { App, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { transformSync } from 'esbuild';
import { MtaSts } from '../lib/constructs/mta-sts';
import { MtaStsMode, TlsRptDestination } from '../lib/policy';

const ENV = { account: '111111111111', region: 'us-east-1' };
const BODY = 'version: STSv1\r\nmode: testing\r\nmx: mx1.example.com\r\nmax_age: 86400\r\n';

function zone(stack: Stack) {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });
}

function withMtaSts(outdir: string): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bench', { env: ENV });
  new MtaSts(stack, 'ExampleCom', {
    domainName: 'example.com',
    hostedZone: zone(stack),
    mode: MtaStsMode.TESTING,
    mx: ['mx1.example.com'],
    tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.com')],
  });
  app.synth();
}

/** The same resources, written by hand with plain aws-cdk-lib constructs. */
function handWritten(outdir: string): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bench', { env: ENV });
  const hostedZone = zone(stack);
  const bucket = new s3.Bucket(stack, 'Bucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const certificate = new acm.Certificate(stack, 'Certificate', { domainName: 'mta-sts.example.com', validation: acm.CertificateValidation.fromDns(hostedZone) });
  const distribution = new cloudfront.Distribution(stack, 'Distribution', {
    domainNames: ['mta-sts.example.com'],
    certificate,
    minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
    defaultBehavior: { origin: origins.S3BucketOrigin.withOriginAccessControl(bucket), viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY },
  });
  const logGroup = new logs.LogGroup(stack, 'LogGroup', { retention: logs.RetentionDays.THREE_MONTHS });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('.well-known/mta-sts.txt')] }));
  const fn = new lambda.Function(stack, 'Publisher', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(join(__dirname, '..', 'assets', 'policy-publisher')),
    role,
    logGroup,
    timeout: Duration.minutes(15),
  });
  const guardRole = new iam.Role(stack, 'GuardRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  guardRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'], resources: [hostedZone.hostedZoneArn] }));
  const guardFn = new lambda.Function(stack, 'Guard', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(join(__dirname, '..', 'assets', 'mx-guard')),
    role: guardRole,
    logGroup: new logs.LogGroup(stack, 'GuardLogGroup', { retention: logs.RetentionDays.THREE_MONTHS }),
    timeout: Duration.minutes(3),
  });
  const guard = new CustomResource(stack, 'GuardCheck', { serviceToken: guardFn.functionArn, properties: { HostedZoneId: hostedZone.hostedZoneId, MxPatterns: ['mx1.example.com'] } });
  const publication = new CustomResource(stack, 'Publication', { serviceToken: fn.functionArn, properties: { BucketName: bucket.bucketName, PolicyText: BODY } });
  publication.node.addDependency(guard);
  const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution));
  new route53.ARecord(stack, 'A', { zone: hostedZone, recordName: 'mta-sts.example.com.', target });
  new route53.AaaaRecord(stack, 'Aaaa', { zone: hostedZone, recordName: 'mta-sts.example.com.', target });
  new route53.TxtRecord(stack, 'Sts', { zone: hostedZone, recordName: '_mta-sts.example.com.', values: ['v=STSv1; id=1;'] }).node.addDependency(publication);
  new route53.TxtRecord(stack, 'TlsRpt', { zone: hostedZone, recordName: '_smtp._tls.example.com.', values: ['v=TLSRPTv1; rua=mailto:tlsrpt@example.com'] });
  app.synth();
}

function sizeOf(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? sizeOf(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

function timeOnce(build: (outdir: string) => void): { ms: number; bytes: number } {
  const outdir = mkdtempSync(join(tmpdir(), 'mta-sts-bench-'));
  const t0 = performance.now();
  build(outdir);
  const ms = performance.now() - t0;
  const bytes = sizeOf(outdir);
  rmSync(outdir, { recursive: true, force: true });
  return { ms, bytes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ROOT = join(__dirname, '..');

/** CPU seconds of one app run: all of it, the part before `app.synth()` (load and construct), and aws-cdk-lib's template validation. */
interface AppCpu {
  readonly total: number;
  readonly beforeSynth: number;
  readonly validation: number;
  /** What the run synthesized (read after it, not measured): resources by type, outputs and templates. */
  readonly made: string;
}

/** Resources by type, outputs and the number of templates in a cloud assembly, as one line. */
function madeIn(outdir: string): string {
  const types = new Map<string, number>();
  let outputs = 0;
  const templates = readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
  for (const f of templates) {
    const t = JSON.parse(readFileSync(join(outdir, f), 'utf8')) as { Resources?: Record<string, { Type: string }>; Outputs?: object };
    for (const r of Object.values(t.Resources ?? {})) types.set(r.Type, (types.get(r.Type) ?? 0) + 1);
    outputs += Object.keys(t.Outputs ?? {}).length;
  }
  const resources = [...types].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `${n} ${t}`);
  return `${templates.length} template(s), ${outputs} outputs: ${resources.join(', ')}`;
}

/** Runs a CDK app as `cdk synth` does (context and outdir in the environment); its CPU seconds. */
function appCpuSeconds(script: string, work: string, context: string): AppCpu {
  const outdir = mkdtempSync(join(work, 'out-'));
  const cpuFile = join(outdir, 'bench-cpu.json');
  const r = spawnSync(process.execPath, ['--require', join(work, 'cpu.js'), script], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: context, BENCH_CPU_FILE: cpuFile, BENCH_ROOT: ROOT, NODE_PATH: join(ROOT, 'node_modules') },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  const cpu = { ...(JSON.parse(readFileSync(cpuFile, 'utf8')) as Omit<AppCpu, 'made'>), made: madeIn(outdir) };
  rmSync(outdir, { recursive: true, force: true });
  return cpu;
}

// Loaded into each child with --require: it reports the child's own CPU time (every thread, from
// process start) when it exits, how much of it was spent before the first `app.synth()`, and how
// much in aws-cdk-lib's CloudFormation template validation (every thread while it runs).
const CPU_PRELOAD = `
const seconds = (c) => (c.user + c.system) / 1e6;
const { App, CloudFormationValidatePlugin } = require('aws-cdk-lib');
const synth = App.prototype.synth;
let beforeSynth;
App.prototype.synth = function (...args) {
  if (beforeSynth === undefined) beforeSynth = seconds(process.cpuUsage());
  return synth.apply(this, args);
};
const validate = CloudFormationValidatePlugin.prototype.validate;
let validation = 0;
CloudFormationValidatePlugin.prototype.validate = function (...args) {
  const start = process.cpuUsage();
  try {
    return validate.apply(this, args);
  } finally {
    validation += seconds(process.cpuUsage(start));
  }
};
process.on('exit', () => require('fs').writeFileSync(process.env.BENCH_CPU_FILE, JSON.stringify({ total: seconds(process.cpuUsage()), beforeSynth, validation })));
`;

/** The whole example app against the hand-written app, as processes, in CPU seconds. */
function wholeApp(): void {
  const runs = Number(process.env.BENCH_APP_RUNS ?? 15);
  const work = mkdtempSync(join(tmpdir(), 'mta-sts-bench-app-'));
  writeFileSync(join(work, 'cpu.js'), CPU_PRELOAD);
  // Plain JavaScript, like dist/bin/app.js: no transpiler in the measured process.
  const src = readFileSync(join(ROOT, 'bench', 'synth-hand-written-app.ts'), 'utf8');
  writeFileSync(join(work, 'hand-written-app.js'), transformSync(src, { loader: 'ts', format: 'cjs', target: 'node20' }).code);
  const context = JSON.stringify(JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context);
  const app = join(ROOT, 'dist', 'bin', 'app.js');
  const hand = join(work, 'hand-written-app.js');
  const ours: AppCpu[] = [];
  const theirs: AppCpu[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate the order so that neither always runs after the other on a warm page cache.
    if (i % 2 === 0) {
      ours.push(appCpuSeconds(app, work, context));
      theirs.push(appCpuSeconds(hand, work, context));
    } else {
      theirs.push(appCpuSeconds(hand, work, context));
      ours.push(appCpuSeconds(app, work, context));
    }
  }
  rmSync(work, { recursive: true, force: true });
  // The comparison holds only for the same resources: a construct that gains one must gain it in
  // the hand-written app too.
  const made = new Set([...ours, ...theirs].map((x) => x.made));
  if (made.size !== 1) {
    console.log(`  FAIL: the two apps synthesize different resources, the comparison does not hold:\n    app: ${ours[0].made}\n    hand-written: ${theirs[0].made}`);
    process.exitCode = 1;
  }
  const phases: [string, (x: AppCpu) => number][] = [
    ['total', (x) => x.total],
    ['before synth', (x) => x.beforeSynth],
    ['validation', (x) => x.validation],
    ['synth outside validation', (x) => x.total - x.beforeSynth - x.validation],
  ];
  const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
  console.log(`synth, whole example app (default stage), ${runs} alternating runs, CPU seconds, median (all runs in brackets):`);
  for (const [name, of] of phases) {
    const a = ours.map(of);
    const b = theirs.map(of);
    console.log(`  ${name.padEnd(25)} app ${median(a).toFixed(2)} (${list(a)})   hand-written ${median(b).toFixed(2)} (${list(b)})   app +${(median(a) - median(b)).toFixed(2)} s`);
  }
  const total = (x: AppCpu) => x.total;
  const ratio = median(ours.map(total)) / median(theirs.map(total));
  const paired = median(ours.map((x, i) => x.total / theirs[i].total));
  const outside = (x: AppCpu) => x.total - x.validation;
  const outsideRatio = median(ours.map(outside)) / median(theirs.map(outside));
  console.log(`  ratio app / hand-written = ${ratio.toFixed(3)} (target <= 1.05) ${ratio <= 1.05 ? 'OK' : 'OVER TARGET'}; median of the ${runs} pair ratios ${paired.toFixed(3)}`);
  console.log(`  ratio outside the template validation = ${outsideRatio.toFixed(3)} (${median(ours.map(outside)).toFixed(2)} s / ${median(theirs.map(outside)).toFixed(2)} s)`);
  if (made.size === 1) console.log(`  both synthesize ${ours[0].made}`);
}

wholeApp();
if (process.env.BENCH_APP_ONLY === '1') process.exit(0);

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
timeOnce(withMtaSts);
timeOnce(handWritten);
const ours: number[] = [];
const theirs: number[] = [];
let oursBytes = 0;
let theirsBytes = 0;
for (let i = 0; i < ROUNDS; i++) {
  // Alternate the order so that neither always runs on a warmer process.
  const pair = i % 2 === 0 ? [withMtaSts, handWritten] : [handWritten, withMtaSts];
  for (const build of pair) {
    const r = timeOnce(build);
    if (build === withMtaSts) {
      ours.push(r.ms);
      oursBytes = r.bytes;
    } else {
      theirs.push(r.ms);
      theirsBytes = r.bytes;
    }
  }
}
const ratio = median(ours) / median(theirs);
console.log(`synth, one domain, ${ROUNDS} alternating rounds (median):`);
console.log(`  MtaSts construct     ${median(ours).toFixed(1)} ms   cdk.out ${(oursBytes / 1024).toFixed(1)} KiB`);
console.log(`  hand-written stack   ${median(theirs).toFixed(1)} ms   cdk.out ${(theirsBytes / 1024).toFixed(1)} KiB`);
console.log(`  ratio MtaSts / hand-written = ${ratio.toFixed(2)} (target <= 1.2) ${ratio <= 1.2 ? 'OK' : 'OVER TARGET'}`);
