import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { MtaStsPolicy } from '../../policy/policy';
import type { MxGuard } from '../mta-sts';
import { StackSingletonFunction } from './stack-singleton-function';

/** The construct id of the provider in its stack: one per stack, shared by every domain in it. */
const PROVIDER_ID = 'CdkMtaStsMxGuard';

/**
 * The Lambda function behind every MX guard of a stack: one per stack. Its role may list the
 * record sets of exactly the hosted zones of the stack's domains (one statement, one ARN per
 * zone, made with the first zone: a stack whose domains are all on external DNS, read through
 * DNS, has none) and read the status of exactly its own stack (to never fail a rollback).
 */
export class MxGuardProvider extends StackSingletonFunction {
  /** The provider of `scope`'s stack, created on first use. */
  public static of(scope: Construct): MxGuardProvider {
    return StackSingletonFunction.singleton(scope, PROVIDER_ID, (stack, id) => new MxGuardProvider(stack, id));
  }

  private zoneStatement?: iam.PolicyStatement;
  private readonly zones = new Set<string>();

  private constructor(scope: Stack, id: string) {
    super(scope, id, {
      handler: 'mx-guard',
      description: 'checks the live MX records of a domain against its MTA-STS policy before it is published',
      // Route 53 throttling is retried with backoff for about a minute (ROUTE53_MAX_ATTEMPTS).
      timeout: Duration.minutes(3),
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [scope.stackId] }));
  }

  /** Lets the guard list the record sets of `zone` (each zone once). */
  public grantRead(zone: route53.IHostedZone): void {
    const key = JSON.stringify(Stack.of(this).resolve(zone.hostedZoneArn));
    if (this.zones.has(key)) return;
    this.zones.add(key);
    if (!this.zoneStatement) {
      this.zoneStatement = new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'] });
      this.role.addToPrincipalPolicy(this.zoneStatement);
    }
    this.zoneStatement.addResources(zone.hostedZoneArn);
  }
}

/** What `addMxGuard` needs. */
export interface MxGuardResourceProps {
  /**
   * The zone whose MX records are read (granted to the provider's role).
   * @default - the domain's DNS is elsewhere: its MX records are read through DNS (`MxSource: dns`)
   */
  readonly hostedZone?: route53.IHostedZone;
  /** The normalised mail domain. */
  readonly domainName: string;
  /** The policy about to be published. */
  readonly policy: MtaStsPolicy;
  /** What to do with a finding (never `OFF`: then there is no guard). */
  readonly mode: MxGuard.FAIL | MxGuard.REPORT;
}

/** The `MxSource` property of a guard that reads the MX records through DNS (absent: Route 53). */
export const MX_SOURCE_DNS = 'dns';

/**
 * Adds the MX guard custom resource (construct id `MxGuard`) to `scope`: checks, at deploy
 * time, the zone's MX records at the domain against the policy's mx patterns. Without a
 * hosted zone (a domain on external DNS), the guard reads them through DNS instead: property
 * `MxSource: dns` and no `HostedZoneId`, and no Route 53 grant. A guard of a Route 53 zone has
 * no `MxSource` (its properties, so its deployed resources, stay as they were).
 *
 * Its properties hold the policy id and the patterns, so CloudFormation re-runs it whenever the
 * policy changes; a change of the live MX records alone is not seen before the next policy
 * change (see the handler's header: a per-deploy nonce would break deterministic synths).
 */
export function addMxGuard(scope: Construct, props: MxGuardResourceProps): CustomResource {
  const provider = MxGuardProvider.of(scope);
  if (props.hostedZone) provider.grantRead(props.hostedZone);
  const resource = new CustomResource(scope, 'MxGuard', {
    serviceToken: provider.function.functionArn,
    resourceType: 'Custom::MtaStsMxGuard',
    properties: {
      ...(props.hostedZone ? { HostedZoneId: props.hostedZone.hostedZoneId } : { MxSource: MX_SOURCE_DNS }),
      DomainName: props.domainName,
      GuardMode: props.mode,
      PolicyMode: props.policy.mode,
      PolicyId: props.policy.id,
      MxPatterns: [...props.policy.mx],
    },
  });
  // The grant must be in place before the first run.
  resource.node.addDependency(provider.grants);
  return resource;
}
