import { Annotations, CustomResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DelegatedRecord, delegatedName, delegatedRecords, delegationFindings, renderZoneLines } from '../policy/delegation';
import { canonicalHost, isWithinZone, normalizeHostname } from '../policy/domain-name';
import { error, Finding, Severity, throwOnErrors } from '../policy/findings';
import { MtaStsMode } from '../policy/mode';
import { nameLimitFindings } from '../policy/name-limits';
import { MtaStsPolicy } from '../policy/policy';
import { mtaStsRecordName, policyHostName, policyUrl, renderMtaStsRecord, renderTlsRptRecord, tlsRptRecordName } from '../policy/records';
import { TlsRptDestination } from '../policy/tls-rpt-destination';
import type { MtaStsHosting } from './mta-sts-hosting';
import { addMxGuard } from './private/mx-guard';
import { acknowledgeNag } from './private/nag';
import { PolicyPublisherProvider } from './private/policy-publisher-provider';
import { SECURE_BUCKET_PROPS } from './private/secure-bucket';
import { addOutputs } from './private/outputs';

// The CNAMEs of a domain on external DNS are part of the construct API (`delegatedRecords`).
export { DelegatedRecordKind } from '../policy/delegation';
export type { DelegatedRecord } from '../policy/delegation';

/** The object key senders fetch (RFC 8461 section 3.3). */
export const POLICY_OBJECT_KEY = '.well-known/mta-sts.txt';

/**
 * What the deploy-time MX guard of `MtaSts` does when the zone's MX records at the domain are
 * not all covered by the policy's `mx` patterns (RFC 8461 section 4.1), or when there is no MX
 * record at all.
 *
 * The guard is a custom resource that lists the MX record sets of the domain in its hosted zone
 * (every routing-policy variant), or for a domain on external DNS (`delegationZone`) reads its
 * MX records through DNS, before the policy is published; the publication depends on
 * it, and the `_mta-sts` record on the publication. It runs whenever the policy changes (mode,
 * mx, max_age); a change of the live MX records alone is caught by `mta-sts plan`, not by a
 * deploy that leaves the policy as it is.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-4.1
 */
export enum MxGuard {
  /**
   * Fail the deployment, before the policy is published, when an MX host is not covered or the
   * zone has no MX record at the domain. Never fails during a rollback.
   */
  FAIL = 'fail',
  /** Report the finding in the resource's data (`Verdict`, `Report`) and the Lambda's log, and go on. */
  REPORT = 'report',
  /** No guard: no Lambda, no Route 53 read. */
  OFF = 'off',
}

/** Props of `MtaSts`. */
export interface MtaStsProps {
  /**
   * The mail domain the policy protects (the part after `@`), for example `example.com`.
   * Internationalised names are converted to A-labels.
   */
  readonly domainName: string;

  /**
   * The Route 53 hosted zone that holds the domain's records. The domain must be the zone's
   * apex or a name below it. Give exactly one of `hostedZone` and `delegationZone`.
   * @default - none: `delegationZone` is then required (the domain's DNS is at another provider)
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * The Route 53 zone of yours that holds this domain's TXT records when the domain's DNS is at
   * another provider (not in Route 53): the `_mta-sts` record is made at
   * `_mta-sts.<domainName>.<zone>` and the `_smtp._tls` record at
   * `_smtp._tls.<domainName>.<zone>`, and the user makes three CNAMEs once at their provider
   * (`mta-sts`, `_smtp._tls`, `_mta-sts` of the domain: see `delegatedRecords` and the stack
   * outputs); every later policy change is a deploy. Requires `hosting` (a distribution tenant
   * gets a CloudFront-managed certificate, validated through the `mta-sts` CNAME, when
   * `certificate` is not given). The zone must not be the domain or inside it.
   * @default - none: `hostedZone` is then required
   * @see https://www.rfc-editor.org/rfc/rfc8461#section-8.2
   */
  readonly delegationZone?: route53.IHostedZone;

  /**
   * The policy mode. Start with `TESTING`, read the TLS-RPT reports, then promote to `ENFORCE`.
   * @default MtaStsMode.TESTING
   */
  readonly mode?: MtaStsMode;

  /**
   * The MX host names or patterns (`mail.example.com`, `*.mail.example.com`) that senders may
   * deliver to. Order and duplicates do not matter. Must cover every MX record of the domain,
   * or mail to the uncovered hosts fails under `enforce`.
   */
  readonly mx: string[];

  /**
   * How long senders cache the policy.
   * @default - 1 day for testing and none, 14 days for enforce
   */
  readonly maxAge?: Duration;

  /**
   * Where senders send TLS-RPT reports; published as the `_smtp._tls` TXT record.
   * @default - no TLS-RPT record is published
   */
  readonly tlsRptDestinations?: TlsRptDestination[];

  /**
   * The certificate for `mta-sts.<domainName>`, from us-east-1.
   * @default - with `hostedZone`, a DNS-validated certificate is created (only possible when the
   * stack is in us-east-1); with `delegationZone`, the tenant gets a CloudFront-managed certificate
   */
  readonly certificate?: acm.ICertificate;

  /**
   * A fixed policy id instead of the one computed from the policy body. You then own changing
   * it whenever the policy changes.
   * @default - the first 32 hex digits of the SHA-256 of the policy body
   */
  readonly policyId?: string;

  /**
   * TTL of the `_mta-sts`, `_smtp._tls` and alias records.
   * @default Duration.minutes(5)
   */
  readonly recordTtl?: Duration;

  /**
   * The CloudFront price class.
   * @default cloudfront.PriceClass.PRICE_CLASS_ALL - the fastest answer everywhere (checkdmarc allows 2 s)
   */
  readonly priceClass?: cloudfront.PriceClass;

  /**
   * What happens to the policy bucket when the construct is removed. The bucket only holds the
   * generated policy, so by default it is emptied and deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * The deploy-time check of the zone's MX records against `mx`. With `hostedZone`, its Lambda
   * needs `route53:ListResourceRecordSets` on the hosted zone (granted) and reads the MX records
   * at `domainName` of exactly that zone; with `delegationZone`, it reads them through DNS (no
   * Route 53 grant), and a DNS failure under `FAIL` fails the deploy (retry it).
   * @default - MxGuard.FAIL for enforce, MxGuard.REPORT for testing, MxGuard.OFF for none
   */
  readonly mxGuard?: MxGuard;

  /**
   * A shared hosting to publish the policy on, for fleets of domains: no bucket, distribution,
   * origin access control or publisher grant of this domain's own. The domain is added to the
   * hosting (its tenant, certificate and A/AAAA aliases made under this construct, so in this
   * stack); the publication writes `<domainName>/.well-known/mta-sts.txt` in the hosting's
   * bucket and waits for the invalidation of the domain's tenant, and the `_mta-sts` record
   * still depends on it. `priceClass` and `removalPolicy` are the hosting's then (refused here).
   * @default - a dedicated bucket and distribution for this domain
   */
  readonly hosting?: MtaStsHosting;
}

/**
 * MTA-STS for one mail domain (RFC 8461), with its TLS-RPT record (RFC 8460).
 *
 * Publishes the policy at `https://mta-sts.<domainName>/.well-known/mta-sts.txt` from a
 * private S3 bucket through CloudFront (origin access control, HTTPS only, TLS 1.2_2021,
 * `Content-Type: text/plain`), and the `_mta-sts` TXT record whose id is derived from the policy
 * body. The TXT record depends on the publication, which waits for the CloudFront invalidation:
 * senders never see a new id while the edge still serves the old policy.
 *
 * @example
 * new MtaSts(this, 'ExampleCom', {
 *   domainName: 'example.com',
 *   hostedZone,
 *   mode: MtaStsMode.TESTING,
 *   mx: ['mx1.example.com', 'mx2.example.com'],
 *   tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.com')],
 * });
 * @see https://www.rfc-editor.org/rfc/rfc8461
 */
export class MtaSts extends Construct {
  /** The validated policy. */
  public readonly policy: MtaStsPolicy;
  /** The policy id published in the `_mta-sts` record. */
  public readonly policyId: string;
  /** The exact policy body served. */
  public readonly policyText: string;
  /** The URL senders fetch the policy from. */
  public readonly policyUrl: string;
  /** The normalised mail domain. */
  public readonly domainName: string;
  /** The bucket holding the policy. */
  public readonly bucket: s3.IBucket;
  /** The CloudFront distribution serving `mta-sts.<domainName>`. */
  public readonly distribution: cloudfront.IDistribution;
  /**
   * The certificate of `mta-sts.<domainName>`; undefined with `delegationZone` and no
   * `certificate` (the tenant's certificate is then CloudFront-managed, not an ACM resource here).
   */
  public readonly certificate?: acm.ICertificate;
  /**
   * The publication of the policy object: a custom resource that writes the object, then
   * invalidates its CloudFront path and waits for the invalidation to complete.
   */
  public readonly policyDeployment: CustomResource;
  /** The `_mta-sts` TXT record. */
  public readonly mtaStsRecord: route53.TxtRecord;
  /** The `_smtp._tls` TXT record, when destinations are given. */
  public readonly tlsRptRecord?: route53.TxtRecord;
  /** The A alias record of `mta-sts.<domainName>`; undefined with `delegationZone` (the user's CNAME instead). */
  public readonly aliasRecord?: route53.ARecord;
  /** The AAAA alias record of `mta-sts.<domainName>`; undefined with `delegationZone` (the user's CNAME instead). */
  public readonly aliasRecordIpv6?: route53.AaaaRecord;
  /**
   * With `delegationZone`: the CNAMEs the user makes once at the domain's DNS provider, in the
   * order to make them (the policy host's target is the hosting's routing endpoint, a token
   * until deploy); also stack outputs, one zone-file line each. Undefined with `hostedZone`.
   */
  public readonly delegatedRecords?: DelegatedRecord[];
  /** The MX guard custom resource (its data holds `Verdict` and `Report`); undefined with `MxGuard.OFF`. */
  public readonly mxGuardResource?: CustomResource;

  constructor(scope: Construct, id: string, props: MtaStsProps) {
    super(scope, id);
    const { domainName, policy } = validatedProps(this, props);
    this.domainName = domainName;
    this.policy = policy;
    this.policyId = this.policy.id;
    this.policyText = this.policy.text;
    this.policyUrl = policyUrl(this.domainName);
    this.addPolicyWarnings(props);

    const publisher = PolicyPublisherProvider.of(this);
    const place = props.hosting ? this.onHosting(props, props.hosting, publisher) : this.onDedicatedDistribution(props, publisher);
    this.bucket = place.bucket;
    this.certificate = place.certificate;
    this.distribution = place.distribution;
    this.aliasRecord = place.aliasRecord;
    this.aliasRecordIpv6 = place.aliasRecordIpv6;
    if (props.hosting && props.delegationZone) {
      this.delegatedRecords = delegatedRecords(this.domainName, zoneNameOf(props.delegationZone), { routingEndpoint: props.hosting.routingEndpoint, publishesTlsRpt: props.tlsRptDestinations !== undefined });
    }

    // Publication: the object, then an invalidation of its path that the resource waits for.
    this.policyDeployment = new CustomResource(this, 'PolicyDeployment', {
      serviceToken: publisher.function.functionArn,
      resourceType: 'Custom::MtaStsPolicy',
      properties: {
        BucketName: this.bucket.bucketName,
        PolicyText: this.policyText,
        PolicyId: this.policyId,
        ContentType: 'text/plain',
        CacheControl: 'max-age=60',
        ...place.target,
      },
    });
    // The grant must be in place before the first publication.
    this.policyDeployment.node.addDependency(publisher.grants);
    this.mxGuardResource = this.addGuard(props);

    const records = this.addRecords(props);
    this.mtaStsRecord = records.mtaSts;
    this.tlsRptRecord = records.tlsRpt;
    // With a hosting, its bucket and distribution are shared: one output per domain, not three.
    addOutputs(this, props.hosting ? { policyUrl: this.policyUrl } : { policyUrl: this.policyUrl, policyBucket: this.bucket.bucketName, distribution: this.distribution.distributionId });
    // One output for the domain's CNAMEs: their zone-file lines, one a line, in the order to make them.
    if (this.delegatedRecords) addOutputs(this, { cnameRecords: renderZoneLines(this.delegatedRecords).join('\n') });
  }

  /** The warnings of the policy and of the props (mode none, testing without TLS-RPT, a fixed id). */
  private addPolicyWarnings(props: MtaStsProps): void {
    for (const w of this.policy.findings.filter((f) => f.severity === Severity.WARNING)) {
      Annotations.of(this).addWarningV2(`cdk-mta-sts:${w.code}`, w.message);
    }
    if (this.policy.mode === MtaStsMode.NONE) {
      Annotations.of(this).addWarningV2(
        'cdk-mta-sts:mode-none',
        `mode none tells senders to stop applying MTA-STS for ${this.domainName}. To finish a removal (RFC 8461 section 8.3): deploy this, wait at least the old max_age, then remove the MtaSts construct.`,
      );
    }
    if (this.policy.mode === MtaStsMode.TESTING && props.tlsRptDestinations === undefined) {
      Annotations.of(this).addWarningV2(
        'cdk-mta-sts:testing-without-tls-rpt',
        `mode testing without \`tlsRptDestinations\` for ${this.domainName}: senders report the failures testing exists to find only to a TLS-RPT destination, so no one learns whether enforce is safe. Add \`tlsRptDestinations\` (for example a TlsRptCollector's \`destinations\`).`,
      );
    }
    if (this.policy.idOverridden) {
      Annotations.of(this).addWarningV2(
        'cdk-mta-sts:policy-id-override',
        `\`policyId\` is fixed to "${this.policy.id}": senders only re-fetch the policy when the id changes, so change it with every policy change, or remove it to use the computed id.`,
      );
    }
  }

  /** Shared hosting: the domain's tenant, certificate and aliases, made under this construct. */
  private onHosting(props: MtaStsProps, hosting: MtaStsHosting, publisher: PolicyPublisherProvider): Placement {
    const hosted = hosting.addDomain(this.domainName, { hostedZone: props.hostedZone, certificate: props.certificate, scope: this });
    publisher.grantPublishHosting(hosting);
    return {
      bucket: hosting.bucket,
      certificate: hosted.certificate,
      distribution: cloudfront.Distribution.fromDistributionAttributes(this, 'HostingDistribution', { distributionId: hosting.distributionId, domainName: hosting.routingEndpoint }),
      aliasRecord: hosted.aliasRecord,
      aliasRecordIpv6: hosted.aliasRecordIpv6,
      target: { ObjectKey: hosted.policyObjectKey, DistributionTenantId: hosted.tenant.attrId, InvalidationPath: `/${POLICY_OBJECT_KEY}`, RetainOnDelete: 'false' },
    };
  }

  /** A dedicated bucket (it only holds the generated policy object), certificate, distribution and aliases. */
  private onDedicatedDistribution(props: MtaStsProps, publisher: PolicyPublisherProvider): Placement {
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const host = policyHostName(this.domainName);
    const bucket = new s3.Bucket(this, 'Bucket', { ...SECURE_BUCKET_PROPS, removalPolicy });
    acknowledgeNag(bucket, [
      { id: 'AwsSolutions-S1', reason: 'The bucket only holds the generated policy file; reads are logged by CloudFront, writes by CloudTrail.' },
    ]);
    // Validated: without `hosting` there is a `hostedZone`.
    const hostedZone = props.hostedZone!;
    const certificate = props.certificate ?? new acm.Certificate(this, 'Certificate', { domainName: host, validation: acm.CertificateValidation.fromDns(hostedZone) });
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `MTA-STS policy of ${this.domainName}`,
      domainNames: [host],
      certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      sslSupportMethod: cloudfront.SSLMethod.SNI,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_ALL,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket, {
          originAccessLevels: [cloudfront.AccessLevel.READ],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: false,
      },
    });
    acknowledgeNag(distribution, [
      { id: 'AwsSolutions-CFR1', reason: 'Senders in every country must be able to fetch the policy; a geo restriction would strand their mail.' },
      { id: 'AwsSolutions-CFR2', reason: 'A static public file of a few hundred bytes; WAF would add cost and no protection.' },
      { id: 'AwsSolutions-CFR3', reason: 'Access logs of a public policy file have no audit value; TLS-RPT reports show who fetched and failed.' },
    ]);
    publisher.grantPublish(bucket, POLICY_OBJECT_KEY, distribution);
    const aliasTarget = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution));
    return {
      bucket,
      certificate,
      distribution,
      aliasRecord: new route53.ARecord(this, 'AliasRecord', { zone: hostedZone, recordName: `${host}.`, target: aliasTarget }),
      aliasRecordIpv6: new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: hostedZone, recordName: `${host}.`, target: aliasTarget }),
      target: { ObjectKey: POLICY_OBJECT_KEY, DistributionId: distribution.distributionId, RetainOnDelete: removalPolicy === RemovalPolicy.DESTROY ? 'false' : 'true' },
    };
  }

  /** The MX guard, which runs first: a policy that would strand mail is never published. */
  private addGuard(props: MtaStsProps): CustomResource | undefined {
    const mxGuard = props.mxGuard ?? defaultMxGuard(this.policy.mode);
    if (this.policy.mode === MtaStsMode.ENFORCE && mxGuard !== MxGuard.FAIL) {
      Annotations.of(this).addWarningV2(
        'cdk-mta-sts:mx-guard-not-failing',
        `\`mxGuard\` is ${mxGuard} with mode enforce: a deployment no longer stops when an MX host of ${this.domainName} is not covered by \`mx\`, and mail to it would fail; run \`mta-sts plan\` before deploying, or remove \`mxGuard\`.`,
      );
    }
    if (mxGuard === MxGuard.OFF) return undefined;
    const guard = addMxGuard(this, { hostedZone: props.hostedZone, domainName: this.domainName, policy: this.policy, mode: mxGuard });
    this.policyDeployment.node.addDependency(guard);
    return guard;
  }

  /**
   * The `_mta-sts` record, after the publication (the invariant: the id changes only once the
   * new body is live at the edge), and the `_smtp._tls` record: in the domain's zone, or with a
   * delegation zone at the names the user's CNAMEs point at.
   */
  private addRecords(props: MtaStsProps): { mtaSts: route53.TxtRecord; tlsRpt?: route53.TxtRecord } {
    const ttl = props.recordTtl ?? Duration.minutes(5);
    const zone = (props.hostedZone ?? props.delegationZone)!;
    const recordName = (name: string) => `${props.delegationZone ? delegatedName(name, zoneNameOf(props.delegationZone)) : name}.`;
    const mtaSts = new route53.TxtRecord(this, 'MtaStsRecord', { zone, recordName: recordName(mtaStsRecordName(this.domainName)), values: [renderMtaStsRecord(this.policyId)], ttl });
    mtaSts.node.addDependency(this.policyDeployment);
    const tlsRpt =
      props.tlsRptDestinations &&
      new route53.TxtRecord(this, 'TlsRptRecord', { zone, recordName: recordName(tlsRptRecordName(this.domainName)), values: [renderTlsRptRecord(props.tlsRptDestinations)], ttl });
    return { mtaSts, tlsRpt };
  }
}

/** Where a domain's policy is served from, and the publication's target properties. */
interface Placement {
  readonly bucket: s3.IBucket;
  readonly certificate?: acm.ICertificate;
  readonly distribution: cloudfront.IDistribution;
  readonly aliasRecord?: route53.ARecord;
  readonly aliasRecordIpv6?: route53.AaaaRecord;
  readonly target: Record<string, string>;
}

/**
 * Every refusal of the props at once (`throwOnErrors`), before anything is made; the normalised
 * domain and the validated policy.
 */
function validatedProps(scope: Construct, props: MtaStsProps): { domainName: string; policy: MtaStsPolicy } {
  const findings: Finding[] = [];
  const domain = normalizeHostname(props.domainName, 'domainName', 'a domain name');
  findings.push(...domain.findings);
  if (domain.name) {
    // Before CDK's own certificate check, whose message names neither the prop nor the fix.
    findings.push(...nameLimitFindings(domain.name, { createsCertificate: !props.certificate, publishesTlsRpt: props.tlsRptDestinations !== undefined }));
  }
  findings.push(...zoneFindings(props, domain.name));
  const maxAgeSeconds = props.maxAge === undefined ? undefined : props.maxAge.toSeconds({ integral: false });
  let policy: MtaStsPolicy | undefined;
  try {
    policy = MtaStsPolicy.create({ mode: props.mode ?? MtaStsMode.TESTING, mx: props.mx, maxAgeSeconds, id: props.policyId });
  } catch (e) {
    findings.push(...((e as { findings?: Finding[] }).findings ?? []));
  }
  if (props.tlsRptDestinations !== undefined && props.tlsRptDestinations.length === 0) {
    findings.push(error('tlsrpt-empty', 'tlsRptDestinations', '`tlsRptDestinations` is empty: give at least one destination, or leave the prop out to publish no TLS-RPT record'));
  }
  // With `delegationZone`, the tenant's certificate is CloudFront's: no region constraint (and
  // without either zone, `zone-missing` says all there is to say).
  if (!props.certificate && props.hostedZone) findings.push(...certificateRegionFindings(Stack.of(scope).region));
  if (props.hosting) findings.push(...hostingPropFindings(props));
  throwOnErrors(findings, `MtaSts ${scope.node.path}`);
  return { domainName: domain.name!, policy: policy! };
}

/** A zone's name as records are named here: lower case without the trailing dot (a token as it is). */
function zoneNameOf(zone: route53.IHostedZone): string {
  return Token.isUnresolved(zone.zoneName) ? zone.zoneName : canonicalHost(zone.zoneName);
}

/**
 * The findings on where the domain's records go: exactly one of `hostedZone` and
 * `delegationZone`; the domain inside `hostedZone`; `delegationZone` only with `hosting`, and
 * not inside the domain.
 */
function zoneFindings(props: MtaStsProps, domain: string | undefined): Finding[] {
  const { hostedZone, delegationZone } = props;
  if (!hostedZone && !delegationZone) {
    return [
      error(
        'zone-missing',
        'hostedZone',
        '`hostedZone` and `delegationZone` are both missing: give `hostedZone`, the Route 53 zone of the domain, or, when the domain\'s DNS is at another provider, `delegationZone` (a Route 53 zone of yours for its TXT records) with `hosting`',
      ),
    ];
  }
  if (hostedZone && delegationZone) {
    return [
      error(
        'zone-both',
        'delegationZone',
        '`hostedZone` and `delegationZone` are both given: give `hostedZone` alone when the domain is in Route 53, or `delegationZone` alone when its DNS is at another provider',
      ),
    ];
  }
  const findings: Finding[] = [];
  if (delegationZone && !props.hosting) {
    findings.push(
      error(
        'delegation-needs-hosting',
        'delegationZone',
        '`delegationZone` is given without `hosting`: a domain on another DNS provider is served by a shared hosting\'s distribution tenant (whose CloudFront-managed certificate is validated through the mta-sts CNAME): add `hosting` (an MtaStsHosting), or give `hostedZone` if the domain is in Route 53',
      ),
    );
  }
  if (domain && delegationZone && !Token.isUnresolved(delegationZone.zoneName)) {
    findings.push(...delegationFindings(domain, zoneNameOf(delegationZone), 'delegationZone'));
  }
  if (domain && hostedZone && !Token.isUnresolved(hostedZone.zoneName) && !isWithinZone(domain, hostedZone.zoneName)) {
    findings.push(
      error('domain-outside-zone', 'domainName', `\`domainName\` "${domain}" is not in the hosted zone "${hostedZone.zoneName}": give the zone that holds the domain (its apex or a parent)`),
    );
  }
  return findings;
}

/** The MX guard of a mode when `mxGuard` is not given. */
function defaultMxGuard(mode: MtaStsMode): MxGuard {
  return mode === MtaStsMode.ENFORCE ? MxGuard.FAIL : mode === MtaStsMode.TESTING ? MxGuard.REPORT : MxGuard.OFF;
}

/** With a shared hosting, the props of a dedicated distribution would be ignored: refused instead. */
function hostingPropFindings(props: MtaStsProps): Finding[] {
  return (['priceClass', 'removalPolicy'] as const)
    .filter((prop) => props[prop] !== undefined)
    .map((prop) =>
      error('hosting-prop-ignored', prop, `\`${prop}\` is given with \`hosting\`, where it has no effect (the shared distribution and bucket are the hosting's): remove \`${prop}\`, or remove \`hosting\` for a dedicated distribution`),
    );
}

/** CloudFront needs a us-east-1 certificate: the findings when this stack cannot make one. */
function certificateRegionFindings(region: string): Finding[] {
  const fixes =
    'either deploy this stack in us-east-1, or create the certificate in a us-east-1 stack (for example with MtaStsCertificate) ' +
    'with `crossRegionReferences: true` on both stacks and pass it as `certificate`';
  if (Token.isUnresolved(region)) {
    return [error('certificate-region-unknown', 'certificate', `\`certificate\` is not given and the stack's region is not known at synth time, so a us-east-1 certificate for CloudFront cannot be made: give the stack an explicit env, or ${fixes}`)];
  }
  if (region !== 'us-east-1') {
    return [error('certificate-region', 'certificate', `\`certificate\` is not given and the stack is in ${region}, but CloudFront only takes certificates from us-east-1: ${fixes}`)];
  }
  return [];
}

