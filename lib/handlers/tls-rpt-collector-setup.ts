// Custom resource handler of the TlsRptCollector, one Lambda per stack, two resource types:
//
// Custom::TlsRptCollectorConfig   writes the processor's configuration object (the domains it
//                                 expects, their mx patterns, the reporter names) into the report
//                                 bucket; too big for Lambda environment variables (4 KiB) once an
//                                 app has more than a few dozen domains.
// Custom::SesActiveReceiptRuleSet makes the collector's receipt rule set the active one of the
//                                 region, but only when no other rule set is active: SES allows one
//                                 active rule set per region, and switching it would silently stop
//                                 whatever mail the other one handles. On delete it deactivates the
//                                 rule set (only if it is still the active one), because SES refuses
//                                 to delete an active rule set.
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeActiveReceiptRuleSetCommand, SESClient, SetActiveReceiptRuleSetCommand } from '@aws-sdk/client-ses';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { CustomResourceResult, httpsResponseSender, respondTo, ResponseSender } from './private/cfn-response';

/** The resource type of the configuration object. */
export const CONFIG_RESOURCE_TYPE = 'Custom::TlsRptCollectorConfig';
/** The resource type of the rule set activation. */
export const ACTIVATION_RESOURCE_TYPE = 'Custom::SesActiveReceiptRuleSet';

/** Properties of `Custom::TlsRptCollectorConfig`. */
export interface ConfigProperties {
  readonly BucketName: string;
  readonly ObjectKey: string;
  /** The configuration JSON. */
  readonly Config: string;
}

/** Properties of `Custom::SesActiveReceiptRuleSet`. */
export interface ActivationProperties {
  readonly RuleSetName: string;
  /** The region, for messages. */
  readonly Region?: string;
}

/** Clients and helpers; tests inject their own. */
export interface SetupDeps {
  readonly s3: S3Client;
  readonly ses: SESClient;
  readonly send: ResponseSender;
  readonly log: (line: string) => void;
}

async function writeConfig(event: CloudFormationCustomResourceEvent, deps: SetupDeps): Promise<CustomResourceResult> {
  const p = event.ResourceProperties as unknown as ConfigProperties;
  const physicalResourceId = `${p.BucketName}/${p.ObjectKey}`;
  if (event.RequestType === 'Delete') {
    try {
      await deps.s3.send(new DeleteObjectCommand({ Bucket: p.BucketName, Key: p.ObjectKey }));
    } catch (e) {
      // A retained bucket may already be gone or closed to us: the object is only configuration.
      deps.log(`could not delete ${physicalResourceId}: ${(e as Error).name}`);
    }
    return { physicalResourceId: event.PhysicalResourceId };
  }
  await deps.s3.send(new PutObjectCommand({ Bucket: p.BucketName, Key: p.ObjectKey, Body: p.Config, ContentType: 'application/json' }));
  return { physicalResourceId };
}

async function activeRuleSet(deps: SetupDeps): Promise<string | undefined> {
  const out = await deps.ses.send(new DescribeActiveReceiptRuleSetCommand({}));
  return out.Metadata?.Name;
}

async function activate(event: CloudFormationCustomResourceEvent, deps: SetupDeps): Promise<CustomResourceResult> {
  const p = event.ResourceProperties as unknown as ActivationProperties;
  const physicalResourceId = `ses-active-receipt-rule-set:${p.RuleSetName}`;
  const active = await activeRuleSet(deps);
  if (event.RequestType === 'Delete') {
    if (active === p.RuleSetName) {
      await deps.ses.send(new SetActiveReceiptRuleSetCommand({}));
      deps.log(`deactivated the receipt rule set ${p.RuleSetName}`);
    } else {
      deps.log(`left the receipt rule sets alone: ${p.RuleSetName} is not the active one (${active ?? 'none is active'})`);
    }
    return { physicalResourceId: event.PhysicalResourceId };
  }
  const previous = event.RequestType === 'Update' ? (event.OldResourceProperties as unknown as ActivationProperties).RuleSetName : undefined;
  if (active === p.RuleSetName) return { physicalResourceId, data: { RuleSetName: p.RuleSetName } };
  if (active !== undefined && active !== previous) {
    const where = p.Region ? ` in ${p.Region}` : '';
    throw new Error(
      `the receipt rule set "${active}" is already active${where}, and SES allows one active rule set per region: ` +
        `activating "${p.RuleSetName}" would stop the mail "${active}" handles. Either pass the active rule set to the collector as ` +
        `\`email.receiptRuleSet\` (ses.ReceiptRuleSet.fromReceiptRuleSetName(this, 'ActiveRuleSet', '${active}')) so the report rule is added to it, ` +
        'or set `email.ruleSetActivation` to `RuleSetActivation.MANUAL` and activate a rule set yourself',
    );
  }
  await deps.ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: p.RuleSetName }));
  deps.log(`activated the receipt rule set ${p.RuleSetName}${previous && active === previous ? ` (replacing ${previous})` : ''}`);
  return { physicalResourceId, data: { RuleSetName: p.RuleSetName } };
}

/** Runs the request of either resource type. */
export async function setup(event: CloudFormationCustomResourceEvent, deps: SetupDeps): Promise<CustomResourceResult> {
  switch (event.ResourceType) {
    case CONFIG_RESOURCE_TYPE:
      return writeConfig(event, deps);
    case ACTIVATION_RESOURCE_TYPE:
      return activate(event, deps);
    default:
      throw new Error(`unknown resource type ${event.ResourceType}: this handler serves ${CONFIG_RESOURCE_TYPE} and ${ACTIVATION_RESOURCE_TYPE}`);
  }
}

let defaultDeps: SetupDeps | undefined;

/** The Lambda entry point; tests pass their own `deps`. */
export async function handler(event: CloudFormationCustomResourceEvent, _context?: unknown, deps?: SetupDeps): Promise<void> {
  const d = deps ?? (defaultDeps ??= { s3: new S3Client({}), ses: new SESClient({}), send: httpsResponseSender, log: (line) => console.log(line) });
  await respondTo(event, () => setup(event, d), d.send);
}
