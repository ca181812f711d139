import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { addCommand, CliError } from './program';
import { packageVersion } from './version';

/** The versions a scaffolded project pins: the ones this release is built and tested with. */
export interface ScaffoldVersions {
  readonly cdkMtaSts: string;
  readonly awsCdkLib: string;
  readonly constructs: string;
  readonly awsCdk: string;
  readonly typescript: string;
  readonly tsx: string;
  readonly typesNode: string;
}

/** Reads the versions from this package's package.json (its devDependencies pin them exactly). */
export function scaffoldVersions(from: string = __dirname): ScaffoldVersions {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== 'cdk-mta-sts') {
    if (dirname(dir) === dir) throw new CliError('cannot find the package.json of cdk-mta-sts to read the versions to pin');
    dir = dirname(dir);
  }
  const dev = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
  return {
    cdkMtaSts: packageVersion(from),
    awsCdkLib: dev['aws-cdk-lib'],
    constructs: dev.constructs,
    awsCdk: dev['aws-cdk'],
    typescript: dev.typescript,
    tsx: dev.tsx,
    typesNode: dev['@types/node'],
  };
}

/** The example stage config: one domain, one stage, starting in `testing` with TLS-RPT. */
export const EXAMPLE_CONFIG = {
  defaultStage: 'prod',
  domains: {
    'example.com': {
      hostedZoneId: 'Z0123456789EXAMPLE',
      hostedZoneName: 'example.com',
      mx: ['mx1.example.com', 'mx2.example.com'],
      tlsRpt: ['mailto:tlsrpt@example.com'],
    },
  },
  stages: {
    prod: { account: '111111111111', region: 'us-east-1', mode: 'testing' },
  },
};

const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

function packageJson(name: string, v: ScaffoldVersions): string {
  return json({
    name,
    version: '0.1.0',
    private: true,
    scripts: { synth: 'cdk synth', deploy: 'cdk deploy --all', policy: 'mta-sts policy', plan: 'mta-sts plan' },
    dependencies: { 'aws-cdk-lib': v.awsCdkLib, constructs: v.constructs, 'cdk-mta-sts': v.cdkMtaSts },
    devDependencies: { '@types/node': v.typesNode, 'aws-cdk': v.awsCdk, tsx: v.tsx, typescript: v.typescript },
  });
}

const CDK_JSON = json({ app: 'npx tsx bin/app.ts', watch: { include: ['bin/**'] }, context: { mtaSts: EXAMPLE_CONFIG } });

const APP_TS = `#!/usr/bin/env node
// The stacks of one stage of \`context.mtaSts\` in cdk.json (\`cdk synth -c stage=NAME\`).
import { MtaStsStages } from 'cdk-mta-sts';

MtaStsStages.app().synth();
`;

const TSCONFIG = json({
  compilerOptions: { target: 'ES2022', module: 'commonjs', lib: ['ES2022'], strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true, types: ['node'] },
  include: ['bin/**/*.ts'],
});

const README = `# MTA-STS for your mail domains

Made with \`mta-sts init\` (cdk-mta-sts). The stacks come from \`context.mtaSts\` in \`cdk.json\`:

| key | meaning |
| --- | --- |
| \`defaultStage\` | the stage used when none is given (\`-c stage=NAME\` for cdk, \`--stage NAME\` for mta-sts) |
| \`domains.<name>.hostedZoneId\`, \`hostedZoneName\` | the Route 53 hosted zone that holds the domain (its apex or a parent) |
| \`domains.<name>.mx\` | the MX host names or patterns (\`*.mx.example.com\`) senders may deliver to |
| \`domains.<name>.tlsRpt\` | where senders send TLS-RPT reports (\`mailto:\` or \`https:\`); start with one |
| \`domains.<name>.maxAge\` | optional, seconds senders cache the policy; default 1 day (testing), 14 days (enforce) |
| \`domains.<name>.stack\` | optional stack group; default one stack per domain |
| \`stages.<name>.account\`, \`region\` | where the stage deploys |
| \`stages.<name>.mode\` | \`testing\` (start here: senders deliver anyway and report), \`enforce\`, or \`none\` (removal) |
| \`stages.<name>.domains\` | optional: the stage's domains, each with overrides (\`mode\`, \`mx\`, \`maxAge\`, \`tlsRpt\`) |
| \`stages.<name>.collector\` | optional: a TLS-RPT collector (\`email\` and/or \`https\`, each \`domainName\`, \`hostedZoneId\`, \`hostedZoneName\`) |

Replace the example account, hosted zone, domain and MX hosts with yours, then:

\`\`\`sh
npm install
npx mta-sts policy          # the policy and TXT records each domain will publish (offline)
npx cdk synth               # the stacks (offline)
npx mta-sts plan            # what a deploy changes in Route 53 (needs AWS credentials)
npx cdk deploy --all        # deploy the default stage (-c stage=NAME for another)
\`\`\`

Promote to \`enforce\` only when \`npx mta-sts readiness --domain example.com --stage prod\` says ready.
`;

const GITIGNORE = 'node_modules/\ncdk.out/\ncdk.context.json\n';

/** The files `mta-sts init` writes, by path relative to the project folder. */
export function scaffoldFiles(name: string, versions: ScaffoldVersions): Map<string, string> {
  return new Map([
    ['package.json', packageJson(name, versions)],
    ['cdk.json', CDK_JSON],
    ['bin/app.ts', APP_TS],
    ['tsconfig.json', TSCONFIG],
    ['README.md', README],
    ['.gitignore', GITIGNORE],
  ]);
}

/** A package name from a folder name (npm names are lower case, URL-safe). */
function projectName(dir: string): string {
  return basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '') || 'mta-sts-app';
}

/** Writes the scaffold into `dir`; refuses, writing nothing, when any of its files exists. */
export function scaffold(dir: string, versions: ScaffoldVersions = scaffoldVersions()): string[] {
  const root = resolve(dir);
  const files = scaffoldFiles(projectName(root), versions);
  const existing = [...files.keys()].filter((f) => existsSync(join(root, f)));
  if (existing.length > 0) throw new CliError(`${root} already has ${existing.join(', ')}; choose an empty folder (mta-sts init DIR)`);
  for (const [f, text] of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), text);
  }
  return [...files.keys()];
}

addCommand((program, ctx) => {
  program
    .command('init')
    .description('Scaffold a CDK project using the stage config (cdk.json starting in testing); does not run npm install')
    .argument('[dir]', 'the project folder (created when missing)', '.')
    .action((dir: string) => {
      const written = scaffold(dir);
      ctx.out(`created ${written.join(', ')} in ${resolve(dir)}\nnext: cd ${dir} && npm install && npx mta-sts policy && npx cdk synth\n`);
    });
});
