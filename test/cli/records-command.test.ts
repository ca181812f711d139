import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import '../../lib/cli/policy-command';
import '../../lib/cli/records-command';
import { runCli } from '../../lib/cli/program';
import { UNKNOWN_ROUTING_ENDPOINT } from '../../lib/policy/delegation';

const CDK_JSON = join(__dirname, '..', '..', 'cdk.json');
const ZONE = 'mta-sts.ops.example.net';

/** A shared stage "prod" with two external domains (one publishing TLS-RPT) and one Route 53 domain; a stage of Route 53 domains only. */
const mtaSts = {
  defaultStage: 'prod',
  domains: {
    'example.com': { hostedZoneId: 'Z0EXAMPLE', hostedZoneName: 'example.com', mx: ['mx.example.com'] },
    'brand.example': { dns: 'external', mx: ['mx.brand.example'], tlsRpt: ['mailto:tlsrpt@example.com'] },
    'Other.Example.': { dns: 'external', mx: ['mx.other.example'] },
    'example.org': { hostedZoneId: 'Z0EXAMPLEORG', hostedZoneName: 'example.org', mx: ['mx.example.org'] },
  },
  stages: {
    prod: {
      account: '111111111111',
      region: 'eu-west-1',
      mode: 'testing',
      hosting: 'shared',
      delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName: `${ZONE}.` },
      domains: { 'example.com': {}, 'brand.example': {}, 'Other.Example.': {} },
    },
    route53: { account: '111111111111', region: 'us-east-1', mode: 'testing', domains: { 'example.org': {} } },
  },
};

let dir: string;
let config: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mta-sts-records-'));
  config = join(dir, 'cdk.json');
  writeFileSync(config, JSON.stringify({ app: 'true', context: { mtaSts } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cfn = mockClient(CloudFormationClient);
beforeEach(() => cfn.reset());

/** The hosting stack `MtaStsProdHosting`, deployed with its routing-endpoint output. */
const deployed = (endpoint = 'd111111abcdef8.cloudfront.net') =>
  cfn.on(DescribeStacksCommand, { StackName: 'MtaStsProdHosting' }).resolves({
    Stacks: [{ StackName: 'MtaStsProdHosting', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'HostingRoutingEndpointOutput1A2B', OutputValue: endpoint, Description: 'cdk-mta-sts: hosting routing endpoint (MtaStsProdHosting/Hosting)' }] }],
  });

async function run(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const BRAND = [
  'mta-sts.brand.example. 3600 IN CNAME d111111abcdef8.cloudfront.net.',
  `_smtp._tls.brand.example. 3600 IN CNAME _smtp._tls.brand.example.${ZONE}.`,
  `_mta-sts.brand.example. 3600 IN CNAME _mta-sts.brand.example.${ZONE}.`,
];

describe('mta-sts records', () => {
  test('zone format: the comments with the order and why, then per external domain its CNAMEs, policy host first, _mta-sts last', async () => {
    deployed();
    const r = await run('records', '--config', config, '--stage', 'prod');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toBe(
      [
        '; Stage prod: the CNAMEs to make once at the DNS provider of each domain on external DNS.',
        '; Make them in this order: mta-sts.<domain> first (CloudFront validates the domain\'s managed certificate through it),',
        '; _mta-sts.<domain> last (senders then never see a policy they cannot fetch yet).',
        `; Every later change is a cdk deploy: the app rewrites the TXT records in ${ZONE}.`,
        '',
        '; brand.example',
        ...BRAND,
        '',
        '; other.example',
        'mta-sts.other.example. 3600 IN CNAME d111111abcdef8.cloudfront.net.',
        `_mta-sts.other.example. 3600 IN CNAME _mta-sts.other.example.${ZONE}.`,
        '',
      ].join('\n'),
    );
    // The Route 53 domain has nothing to make at a provider.
    expect(r.out).not.toContain('example.com');
  });

  test('json format: one entry per external domain with kind, name, type and target', async () => {
    deployed('D111111ABCDEF8.cloudfront.net.');
    const r = await run('records', '--config', config, '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([
      {
        domain: 'brand.example',
        records: [
          { kind: 'policy-host', name: 'mta-sts.brand.example', type: 'CNAME', target: 'd111111abcdef8.cloudfront.net' },
          { kind: 'tls-rpt', name: '_smtp._tls.brand.example', type: 'CNAME', target: `_smtp._tls.brand.example.${ZONE}` },
          { kind: 'mta-sts', name: '_mta-sts.brand.example', type: 'CNAME', target: `_mta-sts.brand.example.${ZONE}` },
        ],
      },
      {
        domain: 'other.example',
        records: [
          { kind: 'policy-host', name: 'mta-sts.other.example', type: 'CNAME', target: 'd111111abcdef8.cloudfront.net' },
          { kind: 'mta-sts', name: '_mta-sts.other.example', type: 'CNAME', target: `_mta-sts.other.example.${ZONE}` },
        ],
      },
    ]);
  });

  test('--routing-endpoint is used as given (normalised) and reads no stack', async () => {
    const r = await run('records', '--config', config, '--routing-endpoint', 'D222.CloudFront.net.');
    expect(r.code).toBe(0);
    expect(r.out).toContain('mta-sts.brand.example. 3600 IN CNAME d222.cloudfront.net.\n');
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  test('hosting not deployed: the TXT CNAMEs are printed, the policy host with the placeholder, stderr says why, exit 1', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id MtaStsProdHosting does not exist'), { name: 'ValidationError' }));
    const r = await run('records', '--config', config);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`mta-sts.brand.example. 3600 IN CNAME ${UNKNOWN_ROUTING_ENDPOINT}\n${BRAND.slice(1).join('\n')}\n`);
    expect(r.err).toBe(
      'mta-sts: cannot read the outputs of stack MtaStsProdHosting in eu-west-1 (account 111111111111): ValidationError: Stack with id MtaStsProdHosting does not exist; deploy the hosting stack (npx cdk deploy MtaStsProdHosting -c stage=prod), check cloudformation:DescribeStacks, or pass --routing-endpoint\n' +
        'mta-sts: the mta-sts.<domain> records above have no target yet; the other records are complete\n',
    );
    const j = await run('records', '--config', config, '--format', 'json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)[0].records[0]).toEqual({ kind: 'policy-host', name: 'mta-sts.brand.example', type: 'CNAME', target: null });
  });

  test('a stage without external domains says so and exits 0 (json: an empty array)', async () => {
    const message = 'stage "route53" has no domain on external DNS ("dns": "external" in mtaSts.domains): its records are all in Route 53, nothing to make at a DNS provider\n';
    expect(await run('records', '--config', config, '--stage', 'route53')).toEqual({ code: 0, out: '', err: message });
    expect(await run('records', '--config', config, '--stage', 'route53', '--format', 'json')).toEqual({ code: 0, out: '[]\n', err: message });
    expect(await run('records', '--config', CDK_JSON)).toMatchObject({ code: 0, out: '' });
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  test.each([
    [['--stage', 'qa'], 'mta-sts: stage "qa" is not in mtaSts.stages; known stages: prod, route53\n'],
    [['--format', 'bind'], 'mta-sts: --format must be "zone" or "json", got "bind"\n'],
    [['--routing-endpoint', 'https://d111.cloudfront.net'], /^mta-sts: `--routing-endpoint` must be a host name, got "https:\/\/d111.cloudfront.net": .*\(a CloudFront routing endpoint such as d111111abcdef8.cloudfront.net\)\n$/],
  ])('bad input %j: one line and exit 2', async (args, message) => {
    const r = await run('records', '--config', config, ...args);
    expect([r.code, r.out]).toEqual([2, '']);
    if (typeof message === 'string') expect(r.err).toBe(message);
    else expect(r.err).toMatch(message);
  });
});

describe('mta-sts policy --json of a domain on external DNS', () => {
  test('its TXT records are named in the delegation zone, with the CNAMEs to make (routing endpoint unknown)', async () => {
    const r = await run('policy', '--config', config, '--json');
    expect(r.code).toBe(0);
    const [own, brand] = JSON.parse(r.out);
    expect(own).toMatchObject({ domain: 'example.com', dns: 'route53', mtaStsRecord: { name: '_mta-sts.example.com' } });
    expect(own.delegation).toBeUndefined();
    expect(brand).toMatchObject({
      domain: 'brand.example',
      dns: 'external',
      mtaStsRecord: { name: `_mta-sts.brand.example.${ZONE}` },
      tlsRptRecord: { name: `_smtp._tls.brand.example.${ZONE}`, value: 'v=TLSRPTv1; rua=mailto:tlsrpt@example.com' },
      delegation: {
        zone: ZONE,
        records: [
          { kind: 'policy-host', name: 'mta-sts.brand.example', type: 'CNAME' },
          { kind: 'tls-rpt', name: '_smtp._tls.brand.example', type: 'CNAME', target: `_smtp._tls.brand.example.${ZONE}` },
          { kind: 'mta-sts', name: '_mta-sts.brand.example', type: 'CNAME', target: `_mta-sts.brand.example.${ZONE}` },
        ],
      },
    });
    expect(brand.delegation.records[0].target).toBeUndefined();
  });
});

describe('the README\'s external-DNS example', () => {
  test('its config fragment, run through `mta-sts records --stage prod`, prints its example output', async () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Domains on another DNS provider\n'));
    const fragment = /```json\n([\s\S]*?)\n```/.exec(section)![1];
    const [command, ...expected] = /```console\n([\s\S]*?)\n```/.exec(section)![1].split('\n');
    expect(command).toBe('$ npx mta-sts records --stage prod');
    const file = join(dir, 'readme-cdk.json');
    writeFileSync(file, JSON.stringify({ app: 'true', context: { mtaSts: JSON.parse(`{${fragment}}`) } }));
    deployed();
    const r = await run('records', '--stage', 'prod', '--config', file);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toBe(expected.join('\n') + '\n');
  });
});
