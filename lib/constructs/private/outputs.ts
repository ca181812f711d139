import { CfnOutput } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * The descriptions of the stack outputs the constructs add. Tools find an output by its
 * description (the logical ids carry a hash of the construct path), so these are stable.
 */
export const OUTPUT_DESCRIPTIONS = {
  policyUrl: 'cdk-mta-sts: policy URL',
  policyBucket: 'cdk-mta-sts: policy bucket',
  distribution: 'cdk-mta-sts: policy distribution id',
  reportBucket: 'cdk-mta-sts: TLS-RPT report bucket',
  reportEndpoint: 'cdk-mta-sts: TLS-RPT HTTPS endpoint',
  reportAddress: 'cdk-mta-sts: TLS-RPT email address',
  // A domain on external DNS: the zone-file lines of the CNAMEs the user makes once, in the order
  // to make them, one output (a stack has at most 200 outputs: one per CNAME would cap a stack
  // at 50 such domains, below what its 500 resources hold).
  cnameRecords: 'cdk-mta-sts: CNAMEs to create at the DNS provider',
  routingEndpoint: 'cdk-mta-sts: hosting routing endpoint',
} as const;

/** Adds one output per defined value under `scope`, each with its stable description. */
export function addOutputs(scope: Construct, values: Partial<Record<keyof typeof OUTPUT_DESCRIPTIONS, string>>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const id = key[0].toUpperCase() + key.slice(1) + 'Output';
    new CfnOutput(scope, id, { value, description: `${OUTPUT_DESCRIPTIONS[key as keyof typeof OUTPUT_DESCRIPTIONS]} (${scope.node.path})` });
  }
}
