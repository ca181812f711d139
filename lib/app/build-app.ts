import { Duration, Stack, Tags } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { ResolvedCollector, ResolvedStage } from '../config/stage-config';
import { CERTIFICATE_REGION, certificateStackId, collectorStackId, domainStackId } from '../config/stage-stacks';
import { MtaSts } from '../constructs/mta-sts';
import { MtaStsCertificate } from '../constructs/mta-sts-certificate';
import { TlsRptCollector, TlsRptDomain } from '../constructs/tls-rpt-collector';
import { MtaStsMonitor } from '../constructs/mta-sts-monitor';
import { buildStageMonitor } from './stage-monitor';

/** The stacks built for a stage, by group name. */
export interface StageStacks {
  readonly stacks: Map<string, Stack>;
  readonly certificateStacks: Map<string, Stack>;
  readonly domains: Map<string, MtaSts>;
  /** The stack of the stage's TLS-RPT collector, when configured. */
  readonly collectorStack?: Stack;
  readonly collector?: TlsRptCollector;
  /** The stage's drift monitor, when on (see `monitor` in the stage config). */
  readonly monitor?: MtaStsMonitor;
}

function zoneIn(scope: Construct, d: { hostedZoneId: string; hostedZoneName: string }): route53.IHostedZone {
  const id = `Zone${d.hostedZoneId}`;
  return (
    (scope.node.tryFindChild(id) as route53.IHostedZone | undefined) ??
    route53.HostedZone.fromHostedZoneAttributes(scope, id, { hostedZoneId: d.hostedZoneId, zoneName: d.hostedZoneName })
  );
}

/**
 * The stage's TLS-RPT collector, in its own stack in the stage's region, watching every domain
 * of the stage (their `_smtp._tls` records point at it unless they have their own `tlsRpt`).
 * It takes no reference from the domain stacks: its destinations are plain strings.
 */
function buildCollector(app: Construct, stage: ResolvedStage, c: ResolvedCollector): { stack: Stack; collector: TlsRptCollector } {
  const stack = new Stack(app, collectorStackId(stage.name), {
    env: { account: stage.account, region: stage.region },
    description: `cdk-mta-sts: TLS-RPT report collector (stage ${stage.name})`,
  });
  Tags.of(stack).add('cdk-mta-sts:stage', stage.name);
  const collector = new TlsRptCollector(stack, 'TlsRptCollector', {
    email: c.email && { domainName: c.email.domainName, hostedZone: zoneIn(stack, c.email), localPart: c.email.localPart },
    https: c.https && { domainName: c.https.domainName, hostedZone: zoneIn(stack, c.https), path: c.https.path },
    domains: stage.domains.map((d) => TlsRptDomain.of({ domainName: d.domainName, mx: [...d.policy.mx] })),
    trustHttpsReports: c.trustHttpsReports,
  });
  return { stack, collector };
}

/**
 * Builds the stacks of one stage: one stack per group (by default one per domain, so stacks stay
 * far below CloudFormation's 500 resources and adding or removing a domain touches only its own
 * stack), each domain an `MtaSts` whose construct id is the domain name (stable). When the stage
 * is not in us-east-1, each group also gets a us-east-1 stack holding its certificates, passed
 * over with cross-region references. A stage with a `collector` gets its TLS-RPT collector stack.
 */
export function buildStage(app: Construct, stage: ResolvedStage): StageStacks {
  const stacks = new Map<string, Stack>();
  const certificateStacks = new Map<string, Stack>();
  const domains = new Map<string, MtaSts>();
  const crossRegion = stage.region !== CERTIFICATE_REGION;
  const built = stage.collector ? buildCollector(app, stage, stage.collector) : undefined;
  for (const d of stage.domains) {
    let stack = stacks.get(d.stack);
    if (!stack) {
      stack = new Stack(app, domainStackId(stage.name, d.stack), {
        env: { account: stage.account, region: stage.region },
        crossRegionReferences: crossRegion,
        description: `cdk-mta-sts: MTA-STS for ${d.stack} (stage ${stage.name})`,
      });
      Tags.of(stack).add('cdk-mta-sts:stage', stage.name);
      stacks.set(d.stack, stack);
    }
    let certificate: acm.ICertificate | undefined;
    if (crossRegion) {
      let certStack = certificateStacks.get(d.stack);
      if (!certStack) {
        certStack = new Stack(app, certificateStackId(stage.name, d.stack), {
          env: { account: stage.account, region: CERTIFICATE_REGION },
          crossRegionReferences: true,
          description: `cdk-mta-sts: us-east-1 certificates for ${d.stack} (stage ${stage.name})`,
        });
        Tags.of(certStack).add('cdk-mta-sts:stage', stage.name);
        certificateStacks.set(d.stack, certStack);
        stack.addStackDependency(certStack);
      }
      certificate = new MtaStsCertificate(certStack, d.domainName, { domainName: d.domainName, hostedZone: zoneIn(certStack, d) }).certificate;
    }
    domains.set(
      d.domainName,
      new MtaSts(stack, d.domainName, {
        domainName: d.domainName,
        hostedZone: zoneIn(stack, d),
        mode: d.mode,
        mx: d.mx,
        maxAge: d.maxAgeSeconds === undefined ? undefined : Duration.seconds(d.maxAgeSeconds),
        tlsRptDestinations: d.tlsRpt.length > 0 ? d.tlsRpt : undefined,
        certificate,
      }),
    );
  }
  const monitor = buildStageMonitor(app, stage, built);
  return { stacks, certificateStacks, domains, collectorStack: built?.stack, collector: built?.collector, monitor };
}

