import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { DomainDns, ResolvedCollector, ResolvedDomain, ResolvedStage, StageHosting } from '../config/stage-config';
import { CERTIFICATE_REGION, certificateStackId, collectorStackId, DEDICATED_WARN_DOMAINS, domainStackId, hostingCertificateStackId, hostingStackId } from '../config/stage-stacks';
import { MtaSts } from '../constructs/mta-sts';
import { MtaStsHosting } from '../constructs/mta-sts-hosting';
import { MtaStsCertificate } from '../constructs/mta-sts-certificate';
import { TlsRptCollector, TlsRptDomain } from '../constructs/tls-rpt-collector';
import { MtaStsMonitor } from '../constructs/mta-sts-monitor';
import { buildStageMonitor } from './stage-monitor';
import { stageStack } from './stage-stack';

/** The stacks built for a stage, by group name. */
export interface StageStacks {
  readonly stacks: Map<string, Stack>;
  readonly certificateStacks: Map<string, Stack>;
  readonly domains: Map<string, MtaSts>;
  /** The stack of the stage's TLS-RPT collector, when configured. */
  readonly collectorStack?: Stack;
  readonly collector?: TlsRptCollector;
  /** The stack of the stage's shared hosting, with `"hosting": "shared"`. */
  readonly hostingStack?: Stack;
  /** The stage's shared hosting, with `"hosting": "shared"`. */
  readonly hosting?: MtaStsHosting;
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
  const stack = stageStack(app, stage, collectorStackId(stage.name), 'TLS-RPT report collector');
  const collector = new TlsRptCollector(stack, 'TlsRptCollector', {
    email: c.email && { domainName: c.email.domainName, hostedZone: zoneIn(stack, c.email), localPart: c.email.localPart },
    https: c.https && { domainName: c.https.domainName, hostedZone: zoneIn(stack, c.https), path: c.https.path },
    domains: stage.domains.map((d) => TlsRptDomain.of({ domainName: d.domainName, mx: [...d.policy.mx] })),
    trustHttpsReports: c.trustHttpsReports,
  });
  return { stack, collector };
}

/**
 * The shared hosting of a `"hosting": "shared"` stage, in its own stack in the stage's region
 * (where the domain stacks and their publishers are). Its own certificate pins the security
 * policy TLSv1.2_2021 for every tenant: `mta-sts.<first Route 53 domain of the stage>` (so a
 * stage keeps its certificate when external domains are added), or, when every domain is on
 * external DNS, `mta-sts.<delegation zone>` validated in that zone; made in the hosting stack in
 * us-east-1, otherwise in a us-east-1 stack of its own passed over with a cross-region
 * reference. The domain stacks reference the hosting through a fixed set of exports (bucket,
 * distribution, connection group), whatever the number of domains.
 */
function buildHosting(app: Construct, stage: ResolvedStage): { stack: Stack; hosting: MtaStsHosting } {
  const crossRegion = stage.region !== CERTIFICATE_REGION;
  const stack = stageStack(app, stage, hostingStackId(stage.name), 'shared MTA-STS hosting', { crossRegionReferences: crossRegion });
  // An external domain's zone (hostedZoneId/hostedZoneName) is the delegation zone.
  const own = stage.domains.find((d) => d.dns === DomainDns.ROUTE53);
  const certified = own ?? { ...stage.domains[0], domainName: stage.domains[0].hostedZoneName };
  let certStack = stack;
  if (crossRegion) {
    certStack = stageStack(app, stage, hostingCertificateStackId(stage.name), 'us-east-1 certificate of the shared hosting', { certificates: true });
    stack.addStackDependency(certStack);
  }
  const certificate = new MtaStsCertificate(certStack, 'HostingCertificate', { domainName: certified.domainName, hostedZone: zoneIn(certStack, certified) }).certificate;
  return { stack, hosting: new MtaStsHosting(stack, 'Hosting', { certificate, comment: `MTA-STS policies of stage ${stage.name} (shared hosting)`.slice(0, 128) }) };
}

/**
 * The us-east-1 certificate of Route 53 domain `d` of a stage outside us-east-1, in the
 * certificate stack of its group (made with the first such domain; `stack` depends on it).
 */
function certificateIn(app: Construct, stage: ResolvedStage, d: ResolvedDomain, certificateStacks: Map<string, Stack>, stack: Stack): acm.ICertificate {
  let certStack = certificateStacks.get(d.stack);
  if (!certStack) {
    certStack = stageStack(app, stage, certificateStackId(stage.name, d.stack), `us-east-1 certificates for ${d.stack}`, { certificates: true });
    certificateStacks.set(d.stack, certStack);
    stack.addStackDependency(certStack);
  }
  return new MtaStsCertificate(certStack, d.domainName, { domainName: d.domainName, hostedZone: zoneIn(certStack, d) }).certificate;
}

/**
 * Builds the stacks of one stage: one stack per group (by default one per domain, so stacks stay
 * far below CloudFormation's 500 resources and adding or removing a domain touches only its own
 * stack), each domain an `MtaSts` whose construct id is the domain name (stable). When the stage
 * is not in us-east-1, each group with a Route 53 domain also gets a us-east-1 stack holding its
 * certificates, passed over with cross-region references (a domain on external DNS has a
 * CloudFront-managed certificate, and its records in the stage's delegation zone). A stage with
 * a `collector` gets its TLS-RPT collector stack.
 */
export function buildStage(app: Construct, stage: ResolvedStage): StageStacks {
  const stacks = new Map<string, Stack>();
  const certificateStacks = new Map<string, Stack>();
  const domains = new Map<string, MtaSts>();
  const crossRegion = stage.region !== CERTIFICATE_REGION;
  const built = stage.collector ? buildCollector(app, stage, stage.collector) : undefined;
  const shared = stage.hosting === StageHosting.SHARED && stage.domains.length > 0 ? buildHosting(app, stage) : undefined;
  for (const d of stage.domains) {
    let stack = stacks.get(d.stack);
    if (!stack) {
      stack = stageStack(app, stage, domainStackId(stage.name, d.stack), `MTA-STS for ${d.stack}`, { crossRegionReferences: crossRegion });
      stacks.set(d.stack, stack);
    }
    const external = d.dns === DomainDns.EXTERNAL;
    // An external domain's certificate is CloudFront-managed: no ACM certificate, no certificate stack.
    const certificate = crossRegion && !external ? certificateIn(app, stage, d, certificateStacks, stack) : undefined;
    domains.set(
      d.domainName,
      new MtaSts(stack, d.domainName, {
        domainName: d.domainName,
        // An external domain's zone is the stage's delegation zone: it holds the TXT records only.
        hostedZone: external ? undefined : zoneIn(stack, d),
        delegationZone: external ? zoneIn(stack, d) : undefined,
        mode: d.mode,
        mx: d.mx,
        maxAge: d.maxAgeSeconds === undefined ? undefined : Duration.seconds(d.maxAgeSeconds),
        tlsRptDestinations: d.tlsRpt.length > 0 ? d.tlsRpt : undefined,
        certificate,
        hosting: shared?.hosting,
      }),
    );
  }
  const firstStack = stacks.values().next().value;
  if (!shared && firstStack && stage.domains.length > DEDICATED_WARN_DOMAINS) {
    Annotations.of(firstStack).addWarningV2(
      'cdk-mta-sts:dedicated-many-domains',
      `stage ${stage.name} has ${stage.domains.length} domains with a distribution, origin access control and publisher grant each ("hosting": "dedicated"): an account has 100 origin access controls and 500 distributions by default. Set "hosting": "shared" on the stage for one multi-tenant distribution whatever the number of domains; it is not the default because switching re-creates every domain's distribution.`,
    );
  }
  const monitor = buildStageMonitor(app, stage, built);
  return { stacks, certificateStacks, domains, collectorStack: built?.stack, collector: built?.collector, hostingStack: shared?.stack, hosting: shared?.hosting, monitor };
}

