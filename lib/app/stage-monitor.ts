import { Duration, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DomainDns, ResolvedStage } from '../config/stage-config';
import { monitorStackId } from '../config/stage-stacks';
import { MtaStsMonitor, MtaStsMonitorDomain } from '../constructs/mta-sts-monitor';
import { TlsRptCollector } from '../constructs/tls-rpt-collector';
import { stageStack } from './stage-stack';

/**
 * The stage's drift monitor (when `stage.monitor` is set, or by default for a stage with an
 * `enforce` domain): in the collector's stack when the stage has one (it reads the rollups and
 * joins the collector's dashboard), otherwise in its own stack `MtaSts<Stage>Monitor`.
 */
export function buildStageMonitor(app: Construct, stage: ResolvedStage, collector?: { stack: Stack; collector: TlsRptCollector }): MtaStsMonitor | undefined {
  const m = stage.monitor;
  if (m === undefined) return undefined;
  let stack = collector?.stack;
  if (!stack) {
    stack = stageStack(app, stage, monitorStackId(stage.name), 'MTA-STS drift monitor');
  }
  return new MtaStsMonitor(stack, 'MtaStsMonitor', {
    monitorName: stage.name,
    interval: Duration.minutes(m.intervalMinutes),
    alarmTopic: m.alarmTopicArn ? sns.Topic.fromTopicArn(stack, 'MonitorAlarmTopic', m.alarmTopicArn) : undefined,
    domains: stage.domains.map((d) =>
      MtaStsMonitorDomain.of({
        domainName: d.domainName,
        mode: d.policy.mode,
        mx: [...d.policy.mx],
        maxAge: Duration.seconds(d.policy.maxAgeSeconds),
        tlsRptDestinations: d.tlsRpt.length > 0 ? d.tlsRpt : undefined,
        // The stage's zones are the app's: the monitor also reads their MX record sets. An
        // external domain's MX is at its DNS provider (its zone here is the delegation zone,
        // which holds no MX): read through DNS only.
        hostedZoneId: d.dns === DomainDns.ROUTE53 ? d.hostedZoneId : undefined,
      }),
    ),
    rollups: collector ? { bucket: collector.collector.bucket } : undefined,
    dashboard: collector?.collector.dashboard,
  });
}
