// The stage config's `monitor` key: its schema and how it resolves. Pure; lib/config/stage-config.ts
// holds it in the stage schema, lib/app/build-app.ts builds the MtaStsMonitor from the result.
import { z } from '../private/zod';
import { MtaStsMode } from '../policy/mode';

/** `false`, or the schedule (minutes between runs) and the SNS topic the alarm notifies. */
export const stageMonitorSchema = z.union([
  z.literal(false),
  z.strictObject({
    intervalMinutes: z.number().int().min(5).max(1440).optional(),
    alarmTopicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)').optional(),
  }),
]);

/** The stage's drift monitor, when it has one. */
export interface ResolvedMonitor {
  /** Minutes between runs. */
  readonly intervalMinutes: number;
  /** The SNS topic the alarm notifies, if any. */
  readonly alarmTopicArn?: string;
}

/**
 * The monitor of a stage: off with `false`; on with an object; when absent, on for a stage
 * that publishes `enforce` for any domain (hourly, no topic).
 */
export function resolveStageMonitor(value: z.infer<typeof stageMonitorSchema> | undefined, modes: readonly MtaStsMode[]): ResolvedMonitor | undefined {
  if (value === false) return undefined;
  if (value === undefined) return modes.includes(MtaStsMode.ENFORCE) ? { intervalMinutes: 60 } : undefined;
  return { intervalMinutes: value.intervalMinutes ?? 60, alarmTopicArn: value.alarmTopicArn };
}
