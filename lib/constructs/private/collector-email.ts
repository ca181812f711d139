import { Aws, CustomResource, Duration, Names, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { CollectorSetupProvider } from './collector-setup-provider';

/** What the email channel needs. */
export interface EmailChannelProps {
  /** The report bucket (SES writes the raw MIME into it). */
  readonly bucket: s3.Bucket;
  /** The key prefix of raw email objects (`raw/channel=email/`). */
  readonly rawPrefix: string;
  /** The receiving domain (normalised). */
  readonly domainName: string;
  /** The zone that holds it. */
  readonly hostedZone: route53.IHostedZone;
  /** The report address (`<localPart>@<domainName>`). */
  readonly address: string;
  /** An existing rule set to add the rule to. */
  readonly receiptRuleSet?: ses.IReceiptRuleSet;
  /** Activate a created rule set with the custom resource. */
  readonly activate: boolean;
  /** The stack's region (may be a token). */
  readonly region: string;
  /** TTL of the MX and DKIM records. */
  readonly recordTtl: Duration;
}

/** What the email channel created. */
export interface EmailChannel {
  readonly identity: ses.EmailIdentity;
  readonly mxRecord: route53.MxRecord;
  readonly ruleSet: ses.IReceiptRuleSet;
  readonly ruleSetCreated: boolean;
  readonly rule: ses.ReceiptRule;
  readonly activation?: CustomResource;
}

/**
 * The SES S3 action without the bucket policy `aws-ses-actions.S3` adds (that one conditions on
 * the account only): the collector adds its own statement, conditioned on the account and on
 * the exact receipt rule's ARN.
 */
class RawMimeToS3 implements ses.IReceiptRuleAction {
  constructor(
    private readonly bucketName: string,
    private readonly prefix: string,
  ) {}

  public bind(): ses.ReceiptRuleActionConfig {
    return { s3Action: { bucketName: this.bucketName, objectKeyPrefix: this.prefix } };
  }
}

/**
 * SES inbound for the report address: a domain identity (Easy DKIM, its three CNAMEs in the
 * zone, which verify the domain), the MX record to `inbound-smtp.<region>.amazonaws.com`, and a
 * receipt rule that stores the raw MIME under `rawPrefix` (construct ids `EmailIdentity`,
 * `DkimRecord1..3`, `MxRecord`, `ReceiptRuleSet`, `ReceiptRule`, `ReceiptRuleSetActivation`).
 */
export function addEmailChannel(scope: Construct, props: EmailChannelProps): EmailChannel {
  const stack = Stack.of(scope);
  const identity = new ses.EmailIdentity(scope, 'EmailIdentity', { identity: ses.Identity.domain(props.domainName) });
  // The token names are fully qualified (`<token>._domainkey.<domain>`): an L1 record set takes
  // them as they are, where `CnameRecord` would append the zone name again.
  identity.dkimRecords.forEach(
    (r, i) =>
      new route53.CfnRecordSet(scope, `DkimRecord${i + 1}`, {
        hostedZoneId: props.hostedZone.hostedZoneId,
        name: r.name,
        type: 'CNAME',
        resourceRecords: [r.value],
        ttl: String(props.recordTtl.toSeconds()),
      }),
  );
  const mxRecord = new route53.MxRecord(scope, 'MxRecord', {
    zone: props.hostedZone,
    recordName: `${props.domainName}.`,
    values: [{ priority: 10, hostName: `inbound-smtp.${props.region}.amazonaws.com` }],
    ttl: props.recordTtl,
  });

  const ruleSet = props.receiptRuleSet ?? new ses.ReceiptRuleSet(scope, 'ReceiptRuleSet', { dropSpam: false });
  // A fixed, path-derived name (stable across synths) so the bucket policy can name the exact rule.
  const ruleName = Names.uniqueResourceName(scope, { maxLength: 64, separator: '-' });
  const sourceArn = `arn:${Aws.PARTITION}:ses:${props.region}:${stack.account}:receipt-rule-set/${ruleSet.receiptRuleSetName}:receipt-rule/${ruleName}`;
  props.bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowSesReceiptRuleToStoreRawReports',
      principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [props.bucket.arnForObjects(`${props.rawPrefix}*`)],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnEquals: { 'aws:SourceArn': sourceArn },
      },
    }),
  );
  const rule = new ses.ReceiptRule(scope, 'ReceiptRule', {
    ruleSet,
    receiptRuleName: ruleName,
    recipients: [props.address],
    enabled: true,
    scanEnabled: true,
    // RFC 8460 section 3: reports must get through even when TLS does not; SES offers STARTTLS anyway.
    tlsPolicy: ses.TlsPolicy.OPTIONAL,
    actions: [new RawMimeToS3(props.bucket.bucketName, props.rawPrefix)],
  });
  // SES writes a test object when the rule is created: the policy must be in place first.
  if (props.bucket.policy) rule.node.addDependency(props.bucket.policy);

  let activation: CustomResource | undefined;
  if (!props.receiptRuleSet && props.activate) {
    const provider = CollectorSetupProvider.of(scope);
    provider.grantRuleSetActivation();
    activation = new CustomResource(scope, 'ReceiptRuleSetActivation', {
      serviceToken: provider.function.functionArn,
      resourceType: 'Custom::SesActiveReceiptRuleSet',
      properties: { RuleSetName: ruleSet.receiptRuleSetName, Region: props.region },
    });
    activation.node.addDependency(rule);
    activation.node.addDependency(provider.grants);
  }
  return { identity, mxRecord, ruleSet, ruleSetCreated: !props.receiptRuleSet, rule, activation };
}
