import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { parseConfig, resolveStage } from '../../lib/config/stage-config';
import { knownRoutingEndpoint, stageReportBucket, stageRoutingEndpoint } from '../../lib/cli/stage-outputs';
import { MtaSts } from '../../lib/constructs/mta-sts';
import { MtaStsMode, TlsRptDestination } from '../../lib/policy';

const config = parseConfig({
  domains: { 'example.com': { hostedZoneId: 'Z0EXAMPLE', hostedZoneName: 'example.com', mx: ['mx1.example.com'] } },
  stages: {
    prod: { account: '222222222222', region: 'eu-west-1', mode: 'testing', collector: { https: { domainName: 'tlsrpt.example.com', hostedZoneId: 'Z0EXAMPLE', hostedZoneName: 'example.com' } } },
    bare: { account: '222222222222', region: 'eu-west-1', mode: 'testing', domains: { 'example.com': { tlsRpt: ['mailto:tlsrpt@example.com'] } } },
  },
});
const sharedConfig = parseConfig({
  domains: { 'brand.example': { dns: 'external', mx: ['mx.brand.example'] } },
  stages: { prod: { account: '222222222222', region: 'eu-west-1', mode: 'testing', hosting: 'shared', delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName: 'mta-sts.ops.example.net' } } },
});
const hostingOutputs = (value?: string) => ({
  Stacks: [{ StackName: 'MtaStsProdHosting', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE' as const, Outputs: value === undefined ? [] : [
    { OutputKey: 'HostingDistributionIdOutputEF56', OutputValue: 'E1EXAMPLE', Description: 'cdk-mta-sts: policy distribution id (MtaStsProdHosting/Hosting)' },
    { OutputKey: 'HostingRoutingEndpointOutputAB12', OutputValue: value, Description: 'cdk-mta-sts: hosting routing endpoint (MtaStsProdHosting/Hosting)' },
  ] }],
});
const cfn = mockClient(CloudFormationClient);
beforeEach(() => cfn.reset());

describe('stageReportBucket', () => {
  test('reads the bucket from the collector stack outputs, by description', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'MtaStsProdCollector' }).resolves({
      Stacks: [{ StackName: 'MtaStsProdCollector', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [
        { OutputKey: 'TlsRptCollectorReportEndpointOutputAB12', OutputValue: 'https://tlsrpt.example.com/v1/report', Description: 'cdk-mta-sts: TLS-RPT HTTPS endpoint (x)' },
        { OutputKey: 'TlsRptCollectorReportBucketOutputCD34', OutputValue: 'mtastsprodcollector-bucket-1', Description: 'cdk-mta-sts: TLS-RPT report bucket (MtaStsProdCollector/TlsRptCollector)' },
      ] }],
    });
    await expect(stageReportBucket(resolveStage(config, 'prod'), new CloudFormationClient({ region: 'eu-west-1' }))).resolves.toBe('mtastsprodcollector-bucket-1');
  });

  test('a stack not deployed: one line naming the stack, the region and --bucket', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id MtaStsProdCollector does not exist'), { name: 'ValidationError' }));
    await expect(stageReportBucket(resolveStage(config, 'prod'), new CloudFormationClient({ region: 'eu-west-1' }))).rejects.toThrow(
      'cannot read the outputs of stack MtaStsProdCollector in eu-west-1 (account 222222222222): ValidationError: Stack with id MtaStsProdCollector does not exist; deploy the stage, check cloudformation:DescribeStacks, or pass --bucket',
    );
  });

  test('an older stack without the output, and a stage without a collector, are refused with the fix', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'MtaStsProdCollector', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });
    await expect(stageReportBucket(resolveStage(config, 'prod'), new CloudFormationClient({ region: 'eu-west-1' }))).rejects.toThrow(/has no "cdk-mta-sts: TLS-RPT report bucket" output; deploy this version of the stage, or pass --bucket/);
    await expect(stageReportBucket(resolveStage(config, 'bare'), new CloudFormationClient({ region: 'eu-west-1' }))).rejects.toThrow('stage "bare" has no collector in cdk.json, so there is no report bucket to find; pass --bucket');
  });
});

describe('stageRoutingEndpoint', () => {
  const client = () => new CloudFormationClient({ region: 'eu-west-1' });

  test('reads the routing endpoint from the hosting stack outputs, by description, as a host name', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'MtaStsProdHosting' }).resolves(hostingOutputs('D111111ABCDEF8.cloudfront.net.'));
    await expect(stageRoutingEndpoint(resolveStage(sharedConfig, 'prod'), client())).resolves.toBe('d111111abcdef8.cloudfront.net');
  });

  test('a hosting stack not deployed: one line naming the stack, the region, the deploy command and --routing-endpoint', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id MtaStsProdHosting does not exist'), { name: 'ValidationError' }));
    await expect(stageRoutingEndpoint(resolveStage(sharedConfig, 'prod'), client())).rejects.toThrow(
      'cannot read the outputs of stack MtaStsProdHosting in eu-west-1 (account 222222222222): ValidationError: Stack with id MtaStsProdHosting does not exist; deploy the hosting stack (npx cdk deploy MtaStsProdHosting -c stage=prod), check cloudformation:DescribeStacks, or pass --routing-endpoint',
    );
  });

  test('a stack without the output, an output that is not a host name, and a dedicated stage are refused with the fix', async () => {
    cfn.on(DescribeStacksCommand).resolves(hostingOutputs());
    await expect(stageRoutingEndpoint(resolveStage(sharedConfig, 'prod'), client())).rejects.toThrow(
      'stack MtaStsProdHosting has no "cdk-mta-sts: hosting routing endpoint" output; deploy this version of the stage (npx cdk deploy --all -c stage=prod), or pass --routing-endpoint',
    );
    cfn.on(DescribeStacksCommand).resolves(hostingOutputs('https://d111.cloudfront.net/'));
    await expect(stageRoutingEndpoint(resolveStage(sharedConfig, 'prod'), client())).rejects.toThrow(/output of stack MtaStsProdHosting` must be a host name, got "https:\/\/d111.cloudfront.net\/": IP addresses and ports are not allowed/);
    await expect(stageRoutingEndpoint(resolveStage(config, 'prod'), client())).rejects.toThrow('stage "prod" has no shared hosting ("hosting": "shared" in cdk.json), so there is no routing endpoint to find');
  });
});

describe('knownRoutingEndpoint (records, check --stage and plan)', () => {
  const client = () => new CloudFormationClient({ region: 'eu-west-1' });
  const stage = () => resolveStage(sharedConfig, 'prod');

  test('--routing-endpoint wins: normalised, the hosting stack not read', async () => {
    cfn.on(DescribeStacksCommand).resolves(hostingOutputs('d222222abcdef8.cloudfront.net'));
    await expect(knownRoutingEndpoint(stage(), 'D111111ABCDEF8.cloudfront.net.', client())).resolves.toEqual({ name: 'd111111abcdef8.cloudfront.net' });
    expect(cfn.calls()).toHaveLength(0);
  });

  test('a --routing-endpoint that is not a host name is refused, not taken as unknown', async () => {
    await expect(knownRoutingEndpoint(stage(), 'https://d111.cloudfront.net/', client())).rejects.toThrow(/`--routing-endpoint` must be a host name, got "https:\/\/d111.cloudfront.net\/"/);
  });

  test('else the hosting stack output', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'MtaStsProdHosting' }).resolves(hostingOutputs('d111111abcdef8.cloudfront.net'));
    await expect(knownRoutingEndpoint(stage(), undefined, client())).resolves.toEqual({ name: 'd111111abcdef8.cloudfront.net' });
  });

  test("else no name and the reason: stageRoutingEndpoint's message, or no stage config", async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id MtaStsProdHosting does not exist'), { name: 'ValidationError' }));
    const notDeployed = await knownRoutingEndpoint(stage(), undefined, client());
    expect(notDeployed.name).toBeUndefined();
    expect(notDeployed.unknownBecause).toMatch(/^cannot read the outputs of stack MtaStsProdHosting in eu-west-1 .*or pass --routing-endpoint$/);
    await expect(knownRoutingEndpoint(resolveStage(config, 'prod'), undefined, client())).resolves.toEqual({ unknownBecause: expect.stringMatching(/stage "prod" has no shared hosting/) });
    await expect(knownRoutingEndpoint(undefined, undefined, client())).resolves.toEqual({ unknownBecause: 'no stage config to find the hosting stack from: give --routing-endpoint' });
  });
});

describe('MtaSts stack outputs and the testing-without-tls-rpt warning', () => {
  const make = (tlsRpt: boolean) => {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'us-east-1' } });
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
    const m = new MtaSts(stack, 'ExampleCom', { domainName: 'example.com', hostedZone, mode: MtaStsMode.TESTING, mx: ['mx1.example.com'], tlsRptDestinations: tlsRpt ? [TlsRptDestination.mailto('tlsrpt@example.com')] : undefined });
    return { stack, m };
  };

  test('policy URL, bucket and distribution are outputs with their stable descriptions', () => {
    const { stack, m } = make(true);
    const outputs = Template.fromStack(stack).toJSON().Outputs as Record<string, { Description: string; Value: unknown }>;
    const byDescription = Object.fromEntries(Object.values(outputs).map((o) => [o.Description, o.Value]));
    expect(byDescription['cdk-mta-sts: policy URL (S/ExampleCom)']).toBe('https://mta-sts.example.com/.well-known/mta-sts.txt');
    expect(byDescription['cdk-mta-sts: policy bucket (S/ExampleCom)']).toEqual(stack.resolve(m.bucket.bucketName));
    expect(byDescription['cdk-mta-sts: policy distribution id (S/ExampleCom)']).toEqual(stack.resolve(m.distribution.distributionId));
  });

  test('testing with no TLS-RPT destination warns; with one it does not', () => {
    const warned = (tlsRpt: boolean) => make(tlsRpt).m.node.metadata.filter((e) => e.type === 'aws:cdk:warning' && String(e.data).includes('cdk-mta-sts:testing-without-tls-rpt'));
    expect(warned(false)).toHaveLength(1);
    expect(String(warned(false)[0].data)).toMatch(/mode testing without `tlsRptDestinations` for example.com: .*Add `tlsRptDestinations`/);
    expect(warned(true)).toHaveLength(0);
  });
});
