import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStage } from '../../lib/app/build-app';
import { parseConfig, resolveStage } from '../../lib/config/stage-config';
import { resolveStageMonitor } from '../../lib/monitor/stage-monitor';
import { MtaStsMode } from '../../lib/policy/mode';

const config = (stage: Record<string, unknown>) => ({
  domains: { 'example.com': { hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', mx: ['mx1.example.com'] } },
  stages: { prod: { account: '111111111111', region: 'us-east-1', mode: 'enforce', ...stage } },
});

describe('stage config `monitor`', () => {
  test.each<[string, Parameters<typeof resolveStageMonitor>[0], MtaStsMode[], ReturnType<typeof resolveStageMonitor>]>([
    ['absent, an enforce domain: on, hourly', undefined, [MtaStsMode.TESTING, MtaStsMode.ENFORCE], { intervalMinutes: 60 }],
    ['absent, no enforce domain: off', undefined, [MtaStsMode.TESTING], undefined],
    ['false: off', false, [MtaStsMode.ENFORCE], undefined],
    ['an object: on, with its schedule and topic', { intervalMinutes: 15, alarmTopicArn: 'arn:aws:sns:us-east-1:111111111111:ops' }, [MtaStsMode.TESTING], { intervalMinutes: 15, alarmTopicArn: 'arn:aws:sns:us-east-1:111111111111:ops' }],
  ])('%s', (_name, value, modes, expected) => {
    expect(resolveStageMonitor(value, modes)).toEqual(expected);
  });

  test('a bad value is refused with its JSON path', () => {
    expect(() => parseConfig(config({ monitor: { intervalMinutes: 1 } }))).toThrow(/mtaSts\.stages\.prod\.monitor/);
    expect(() => parseConfig(config({ monitor: { alarmTopicArn: 'ops' } }))).toThrow(/mtaSts\.stages\.prod\.monitor/);
    expect(() => parseConfig(config({ monitor: { schedule: 'hourly' } }))).toThrow(/mtaSts\.stages\.prod\.monitor/);
  });

  test('an enforce stage gets its monitor stack, with the alarm topic of the config', () => {
    const stage = resolveStage(parseConfig(config({ monitor: { alarmTopicArn: 'arn:aws:sns:us-east-1:111111111111:ops' } })), 'prod');
    const app = new App();
    const built = buildStage(app, stage);
    expect(built.monitor?.monitorName).toBe('prod');
    const template = Template.fromStack(app.node.findChild('MtaStsProdMonitor') as never);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops'] });
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
  });

  test('the stage\'s zones are the app\'s: the monitor may list exactly their record sets', () => {
    const app = new App();
    buildStage(app, resolveStage(parseConfig(config({})), 'prod'));
    const template = Template.fromStack(app.node.findChild('MtaStsProdMonitor') as never);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string; Resource: unknown }[]);
    expect(statements.filter((st) => st.Action === 'route53:ListResourceRecordSets').map((st) => st.Resource)).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::hostedzone/Z1EXAMPLE']] },
    ]);
  });

  test('`monitor: false` builds none', () => {
    const app = new App();
    expect(buildStage(app, resolveStage(parseConfig(config({ monitor: false })), 'prod')).monitor).toBeUndefined();
    expect(app.node.tryFindChild('MtaStsProdMonitor')).toBeUndefined();
  });
});
