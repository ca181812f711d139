import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TlsRptDimension, TlsRptMetric } from './collector-config';

/** What the alarms and the dashboard watch. */
export interface MonitoringProps {
  readonly namespace: string;
  readonly alarmPeriod: Duration;
  readonly alarmTopic?: sns.ITopic;
  readonly processor: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  readonly ingest?: lambda.IFunction;
  readonly dashboardName?: string;
  /** Where reports go, for the dashboard's header. */
  readonly destinations: string[];
  readonly bucketName: string;
  readonly glueTable: string;
}

/** What was created. */
export interface Monitoring {
  readonly failedSessionsAlarm: cw.Alarm;
  readonly quarantineAlarm: cw.Alarm;
  readonly processingFailureAlarm: cw.Alarm;
  readonly dashboard: cw.Dashboard;
}

const DAY = Duration.days(1);

/** A SEARCH over the metrics with exactly `dims` (plus the namespace), summed per `period`. */
function search(namespace: string, metric: TlsRptMetric, dims: TlsRptDimension[], period: Duration, label: string): cw.MathExpression {
  const schema = [JSON.stringify(namespace), ...dims].join(',');
  return new cw.MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${metric}"', 'Sum', ${period.toSeconds()})`,
    usingMetrics: {},
    period,
    label,
  });
}

/**
 * The three alarms (`FailedSessionsAlarm`, `QuarantineAlarm`, `ProcessingFailureAlarm`) and the
 * dashboard (`Dashboard`). The dashboard's graphs are SEARCH expressions over the `Domain`
 * dimension, so they show every domain without one widget per domain: a dashboard that stays
 * the same size for one domain or thousands.
 */
export function addMonitoring(scope: Construct, props: MonitoringProps): Monitoring {
  const ns = props.namespace;
  const failedSessionsAlarm = new cw.Alarm(scope, 'FailedSessionsAlarm', {
    alarmDescription:
      'TLS-RPT: reporters saw failed TLS sessions to the configured domains (FailedSessions > 0). Open the dashboard for the domain, ' +
      'the result type and the MX host, then the rollups or the Athena table for the details.',
    metric: new cw.Metric({ namespace: ns, metricName: TlsRptMetric.FAILED_SESSIONS, statistic: cw.Stats.SUM, period: props.alarmPeriod }),
    threshold: 0,
    comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cw.TreatMissingData.NOT_BREACHING,
  });
  const quarantineAlarm = new cw.Alarm(scope, 'QuarantineAlarm', {
    alarmDescription:
      'TLS-RPT: an input was not a readable report and was quarantined (QuarantinedReports > 0). Its bytes and a note with the reason are under quarantine/ in the report bucket.',
    metric: new cw.Metric({ namespace: ns, metricName: TlsRptMetric.QUARANTINED_REPORTS, statistic: cw.Stats.SUM, period: props.alarmPeriod }),
    threshold: 0,
    comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cw.TreatMissingData.NOT_BREACHING,
  });
  const processingFailureAlarm = new cw.Alarm(scope, 'ProcessingFailureAlarm', {
    alarmDescription:
      'TLS-RPT: the processor failed on a stored raw object after its retries; the event is in the dead-letter queue (the raw object is safe in the bucket). ' +
      'Fix the cause, then invoke the processor again with the requestPayload of the queued message.',
    metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cw.Stats.MAXIMUM, period: Duration.minutes(5) }),
    threshold: 0,
    comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cw.TreatMissingData.NOT_BREACHING,
  });
  if (props.alarmTopic) {
    for (const a of [failedSessionsAlarm, quarantineAlarm, processingFailureAlarm]) a.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
  }

  const dashboard = new cw.Dashboard(scope, 'Dashboard', {
    dashboardName: props.dashboardName,
    defaultInterval: Duration.days(30),
  });
  const D = TlsRptDimension.DOMAIN;
  const graph = (title: string, metrics: cw.IMetric[], width = 12) =>
    new cw.GraphWidget({ title, left: metrics, width, height: 6, period: DAY, statistic: cw.Stats.SUM, view: cw.GraphWidgetView.TIME_SERIES, legendPosition: cw.LegendPosition.RIGHT });
  dashboard.addWidgets(
    new cw.TextWidget({
      markdown:
        '# TLS-RPT reports\n' +
        `Reports to ${props.destinations.map((d) => `\`${d}\``).join(' and ')}, stored in \`${props.bucketName}\`. ` +
        'Values are summed per day **of processing** (a report arrives the day after the day it covers); ' +
        `the per-report-day truth is the rollups (\`rollups/\`, read by \`mta-sts reports\`) and the Athena table \`${props.glueTable}\`. ` +
        'Domains outside the collector\'s configuration, reporters outside its list and MX hosts outside the policy show as `other`.',
      width: 24,
      height: 3,
    }),
    new cw.AlarmStatusWidget({ title: 'Alarms', alarms: [failedSessionsAlarm, quarantineAlarm, processingFailureAlarm], width: 24, height: 2 }),
  );
  dashboard.addWidgets(
    graph('Failed sessions per domain and day', [search(ns, TlsRptMetric.FAILED_SESSIONS, [D], DAY, '')]),
    graph('Successful sessions per domain and day', [search(ns, TlsRptMetric.SUCCESSFUL_SESSIONS, [D], DAY, '')]),
  );
  dashboard.addWidgets(
    graph('Failed sessions by domain and result type', [search(ns, TlsRptMetric.FAILED_SESSIONS, [D, TlsRptDimension.RESULT_TYPE], DAY, '')]),
    graph('Failed sessions by domain and MX pattern', [search(ns, TlsRptMetric.FAILED_SESSIONS, [D, TlsRptDimension.MX_HOST], DAY, '')]),
  );
  dashboard.addWidgets(
    graph('Sessions by domain and reporter', [
      search(ns, TlsRptMetric.SUCCESSFUL_SESSIONS, [D, TlsRptDimension.REPORTER], DAY, ''),
      search(ns, TlsRptMetric.FAILED_SESSIONS, [D, TlsRptDimension.REPORTER], DAY, ''),
    ]),
    graph('Sessions by domain and counted policy type', [
      search(ns, TlsRptMetric.SUCCESSFUL_SESSIONS, [D, TlsRptDimension.POLICY_TYPE], DAY, ''),
      search(ns, TlsRptMetric.FAILED_SESSIONS, [D, TlsRptDimension.POLICY_TYPE], DAY, ''),
    ]),
  );
  const health: cw.IMetric[] = [
    props.processor.metricErrors({ period: Duration.hours(1) }),
    props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.hours(1), statistic: cw.Stats.MAXIMUM }),
  ];
  if (props.ingest) health.push(props.ingest.metricErrors({ period: Duration.hours(1) }));
  dashboard.addWidgets(
    graph('Reports received by channel, quarantined by reason', [
      search(ns, TlsRptMetric.REPORTS, [TlsRptDimension.CHANNEL], DAY, ''),
      search(ns, TlsRptMetric.QUARANTINED_REPORTS, [TlsRptDimension.REASON], DAY, ''),
    ]),
    new cw.GraphWidget({ title: 'Collector health (errors, dead-letter queue)', left: health, width: 12, height: 6 }),
  );
  return { failedSessionsAlarm, quarantineAlarm, processingFailureAlarm, dashboard };
}
