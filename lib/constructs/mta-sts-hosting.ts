import { Annotations, Aws, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { isWithinZone, normalizeHostname } from '../policy/domain-name';
import { error, Finding, throwOnErrors } from '../policy/findings';
import { nameLimitFindings } from '../policy/name-limits';
import { policyHostName } from '../policy/records';
import { POLICY_OBJECT_KEY } from './mta-sts';
import { acknowledgeNag } from './private/nag';
import { addOutputs } from './private/outputs';
import { SECURE_BUCKET_PROPS } from './private/secure-bucket';

/** The origin id of the bucket in the multi-tenant distribution. */
const ORIGIN_ID = 'PolicyBucket';

/** Props of `MtaStsHosting`. */
export interface MtaStsHostingProps {
  /**
   * What happens to the policy bucket when the hosting is removed. The bucket only holds the
   * generated policies, so by default it is emptied and deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * A us-east-1 certificate of the distribution itself, for any name (for example
   * `mta-sts.<one of the domains>`). It is what pins the security policy: CloudFormation takes
   * a `ViewerCertificate` (and with it `MinimumProtocolVersion` TLSv1.2_2021) only with a
   * certificate, and a tenant overrides the certificate, never the policy. Each tenant still
   * presents its own certificate for `mta-sts.<domain>`.
   * @default - no distribution certificate: each tenant presents its own and CloudFront chooses
   * the minimum TLS version (warning `cdk-mta-sts:hosting-security-policy`)
   */
  readonly certificate?: acm.ICertificate;

  /**
   * A comment on the multi-tenant distribution (at most 128 characters).
   * @default 'MTA-STS policies (shared hosting)'
   */
  readonly comment?: string;
}

/** Options of `MtaStsHosting.addDomain`. */
export interface MtaStsHostingDomainOptions {
  /**
   * The Route 53 hosted zone of the domain: the certificate is validated in it (when
   * `certificate` is not given) and the A and AAAA alias records of `mta-sts.<domain>` are made
   * in it, pointing at the hosting's routing endpoint.
   * @default - the domain's DNS is elsewhere: no records are made, the user points
   * `mta-sts.<domain>` at `routingEndpoint` with a CNAME, and without `certificate` the tenant
   * gets a CloudFront-managed certificate validated through that CNAME
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * The certificate of `mta-sts.<domain>`, from us-east-1.
   * @default - with `hostedZone`, a certificate DNS-validated in it (only possible when the stack
   * is in us-east-1); without, a CloudFront-managed certificate (see `MtaStsHostedDomain`)
   */
  readonly certificate?: acm.ICertificate;

  /**
   * The construct under which the domain's tenant, certificate and alias records are made, for
   * example the domain's own `MtaSts` in another stack of the same account: the per-domain
   * resources then count against that stack's 500 resources, not the hosting's, and the
   * hosting's stack holds only what is shared.
   * @default - the hosting itself
   */
  readonly scope?: Construct;
}

/**
 * One mail domain served by an `MtaStsHosting`: its distribution tenant, its certificate and,
 * when its zone is in Route 53, its alias records. Made by `MtaStsHosting.addDomain`.
 *
 * The tenant's certificate is, in this order: the given `certificate` (the tenant's
 * `Customizations.Certificate`); with `hostedZone`, an ACM certificate DNS-validated in that
 * zone (the same); otherwise (DNS at another provider) a CloudFront-managed certificate,
 * requested by the tenant itself (`ManagedCertificateRequest`, no `Customizations.Certificate`:
 * the managed certificate is the tenant's, and the customizations keep only what a tenant may
 * override, geo restrictions and a web ACL, none set here). What CloudFront documents for it:
 * - the certificate is an ACM certificate of this account, HTTP-validated, usable with
 *   CloudFront only, its key not exportable; it counts against the account's ACM quota like any
 *   other, and its common name `mta-sts.<domain>` has ACM's 64-character limit;
 * - `ValidationTokenHost: cloudfront`: CloudFront serves the validation token itself, which
 *   needs `mta-sts.<domain>` to resolve to CloudFront (the CNAME to `routingEndpoint`) — so
 *   that CNAME is the first record the user makes; renewals then run through CloudFront for as
 *   long as the CNAME stays (`self-hosted` would serve the token from elsewhere: not needed for
 *   a name nobody used before);
 * - `CertificateTransparencyLoggingPreference: enabled`, as ACM's default: senders' TLS
 *   libraries may refuse a certificate without SCTs.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/managed-cloudfront-certificates.html
 */
export class MtaStsHostedDomain extends Construct {
  /** The normalised mail domain. */
  public readonly domainName: string;
  /** The policy host, `mta-sts.<domainName>`. */
  public readonly policyHostName: string;
  /** The key of this domain's policy object in the hosting's bucket, `<domainName>/.well-known/mta-sts.txt`. */
  public readonly policyObjectKey: string;
  /** The distribution tenant serving `mta-sts.<domainName>`. */
  public readonly tenant: cloudfront.CfnDistributionTenant;
  /**
   * The certificate of `mta-sts.<domainName>`; undefined when the tenant has a CloudFront-managed
   * certificate (no `hostedZone` and no `certificate`: see the class).
   */
  public readonly certificate?: acm.ICertificate;
  /** The A alias record of `mta-sts.<domainName>`, when a hosted zone is given. */
  public readonly aliasRecord?: route53.ARecord;
  /** The AAAA alias record of `mta-sts.<domainName>`, when a hosted zone is given. */
  public readonly aliasRecordIpv6?: route53.AaaaRecord;

  /**
   * Made by `MtaStsHosting.addDomain`, which validates and normalises `domainName` first. The
   * construct id is the domain name, under `options.scope` or the hosting: stable, and never one
   * of the hosting's own ids (a domain always holds a dot).
   */
  constructor(hosting: MtaStsHosting, domainName: string, options: MtaStsHostingDomainOptions) {
    super(options.scope ?? hosting, domainName);
    this.domainName = domainName;
    this.policyHostName = policyHostName(domainName);
    this.policyObjectKey = hostingObjectKey(domainName);
    this.certificate =
      options.certificate ??
      (options.hostedZone &&
        new acm.Certificate(this, 'Certificate', {
          domainName: this.policyHostName,
          validation: acm.CertificateValidation.fromDns(options.hostedZone),
        }));

    this.tenant = new cloudfront.CfnDistributionTenant(this, 'Tenant', {
      distributionId: hosting.distributionId,
      connectionGroupId: hosting.connectionGroup.attrId,
      // Unique in the account and fixed after creation: the policy host is both.
      name: this.policyHostName,
      domains: [this.policyHostName],
      enabled: true,
      parameters: [{ name: MtaStsHosting.DOMAIN_PARAMETER, value: domainName }],
      // The tenant's own certificate. The security policy is the distribution's (see there):
      // tenant customizations carry a certificate ARN, geo restrictions and a web ACL, no policy.
      customizations: this.certificate && { certificate: { arn: this.certificate.certificateArn } },
      // Or CloudFront's, validated through the user's CNAME to the routing endpoint (see the class).
      managedCertificateRequest: this.certificate
        ? undefined
        : { validationTokenHost: 'cloudfront', primaryDomainName: this.policyHostName, certificateTransparencyLoggingPreference: 'enabled' },
    });

    if (options.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new ConnectionGroupTarget(hosting.connectionGroup));
      this.aliasRecord = new route53.ARecord(this, 'AliasRecord', { zone: options.hostedZone, recordName: `${this.policyHostName}.`, target });
      this.aliasRecordIpv6 = new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: options.hostedZone, recordName: `${this.policyHostName}.`, target });
    }
  }
}

/**
 * Shared hosting of MTA-STS policies for many mail domains (preview): one CloudFront
 * multi-tenant distribution, one connection group, one origin access control and one private
 * bucket, whatever the number of domains; each domain added with `addDomain` is a distribution
 * tenant serving `https://mta-sts.<domain>/.well-known/mta-sts.txt` from the object
 * `<domain>/.well-known/mta-sts.txt`, with its own certificate.
 *
 * Same guarantees as the dedicated distribution of `MtaSts`: HTTPS only, security policy
 * TLSv1.2_2021 with SNI (with the hosting's own `certificate`), GET and HEAD only, IPv6 (A and AAAA), no compression (the body is
 * served byte for byte), the bucket readable only by this distribution and only at the policy
 * keys. Account footprint: the distribution, connection group and origin access control count
 * once against their account quotas; each domain takes one distribution tenant (10 000 per
 * account by default) and, without `certificate`, one ACM certificate.
 *
 * Publishing the bodies and the `_mta-sts` and `_smtp._tls` records: pass the hosting to
 * `MtaSts` as `hosting`, which adds its domain here (in its own construct, with `scope`).
 *
 * @example
 * const hosting = new MtaStsHosting(this, 'Hosting', { certificate: hostingCertificate });
 * hosting.addDomain('example.com', { hostedZone });
 * hosting.addDomain('example.org', { hostedZone: orgZone });
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/distribution-config-options.html
 */
export class MtaStsHosting extends Construct {
  /**
   * The tenant parameter that holds a tenant's mail domain. The distribution's origin path is
   * `/{{domainName}}`, so a request for `/.well-known/mta-sts.txt` on `mta-sts.<d>` reads the
   * object `<d>/.well-known/mta-sts.txt`.
   */
  public static readonly DOMAIN_PARAMETER = 'domainName';

  /**
   * Distribution tenants per account (CloudFront SaaS Manager default quota). One hosting
   * never takes more; several hostings in one account share the quota.
   */
  public static readonly MAX_TENANTS_PER_ACCOUNT = 10_000;

  /** The bucket holding every domain's policy, at `<domain>/.well-known/mta-sts.txt`. */
  public readonly bucket: s3.IBucket;
  /** The multi-tenant distribution (`ConnectionMode: tenant-only`). */
  public readonly distribution: cloudfront.CfnDistribution;
  /** The id of the multi-tenant distribution. */
  public readonly distributionId: string;
  /** The ARN of the multi-tenant distribution. */
  public readonly distributionArn: string;
  /** The origin access control through which the distribution reads the bucket. */
  public readonly originAccessControl: cloudfront.IOriginAccessControl;
  /** The connection group of every tenant: IPv6 and the routing endpoint live here. */
  public readonly connectionGroup: cloudfront.CfnConnectionGroup;
  /**
   * The name every `mta-sts.<domain>` points at (an alias in Route 53, or a CNAME at another
   * DNS provider), for example `d111111abcdef8.cloudfront.net`.
   */
  public readonly routingEndpoint: string;

  private readonly hosted = new Map<string, MtaStsHostedDomain>();

  constructor(scope: Construct, id: string, props: MtaStsHostingProps = {}) {
    super(scope, id);
    const comment = props.comment ?? 'MTA-STS policies (shared hosting)';
    if (!Token.isUnresolved(comment) && comment.length > 128) {
      throw new Error(`\`comment\` must be at most 128 characters, got ${comment.length}: shorten it`);
    }

    const bucket = new s3.Bucket(this, 'Bucket', { ...SECURE_BUCKET_PROPS, removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY });
    acknowledgeNag(bucket, [
      { id: 'AwsSolutions-S1', reason: 'The bucket only holds the generated policy files; reads are logged by CloudFront, writes by CloudTrail.' },
    ]);
    this.bucket = bucket;

    this.originAccessControl = new cloudfront.S3OriginAccessControl(this, 'OriginAccessControl', {
      description: 'MTA-STS shared hosting: reads the policy objects',
      signing: cloudfront.Signing.SIGV4_ALWAYS,
    });

    // IPv6: a multi-tenant distribution has no IPv6Enabled (CloudFront refuses it there); IPv6
    // is a property of the connection group its tenants use. The default connection group's
    // routing endpoint is not exposed to CloudFormation, so the hosting makes its own (one per
    // hosting: 100 connection groups per account is not a per-domain cost).
    this.connectionGroup = new cloudfront.CfnConnectionGroup(this, 'ConnectionGroup', {
      name: Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }),
      enabled: true,
      ipv6Enabled: true,
    });
    this.routingEndpoint = this.connectionGroup.attrRoutingEndpoint;
    // Read by `mta-sts records` for the CNAMEs of domains on external DNS.
    addOutputs(this, { routingEndpoint: this.routingEndpoint });

    this.distribution = new cloudfront.CfnDistribution(this, 'Distribution', { distributionConfig: this.distributionConfig(bucket, comment, props.certificate) });
    if (!props.certificate) {
      Annotations.of(this).addWarningV2(
        'cdk-mta-sts:hosting-security-policy',
        'The shared hosting has no `certificate` of its own, so its security policy cannot be set to TLSv1.2_2021 and CloudFront chooses the minimum TLS version of every tenant: pass a us-east-1 `certificate` (any name) to MtaStsHosting to pin TLSv1.2_2021.',
      );
    }
    acknowledgeNag(this.distribution, [
      { id: 'AwsSolutions-CFR1', reason: 'Senders in every country must be able to fetch the policy; a geo restriction would strand their mail.' },
      { id: 'AwsSolutions-CFR2', reason: 'Static public files of a few hundred bytes; WAF would add cost and no protection.' },
      { id: 'AwsSolutions-CFR3', reason: 'Access logs of public policy files have no audit value; TLS-RPT reports show who fetched and failed.' },
    ]);
    this.distributionId = this.distribution.ref;
    this.distributionArn = `arn:${Aws.PARTITION}:cloudfront::${Aws.ACCOUNT_ID}:distribution/${this.distributionId}`;

    // One statement for every domain, now and later: reads by this distribution only, and only
    // of the policy objects (a key-prefix pattern, not one resource per domain).
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudFrontReadOfPolicies',
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(`*/${POLICY_OBJECT_KEY}`)],
        conditions: { StringEquals: { 'AWS:SourceArn': this.distributionArn } },
      }),
    );
  }

  /** The domains added so far, in the order they were added. */
  public get domains(): MtaStsHostedDomain[] {
    return [...this.hosted.values()];
  }

  /**
   * Serves `https://mta-sts.<domainName>/.well-known/mta-sts.txt` from the object
   * `<domainName>/.well-known/mta-sts.txt`: makes the domain's distribution tenant, its
   * certificate (unless given: DNS-validated in `hostedZone`, or without a zone
   * CloudFront-managed) and, with `hostedZone`, its A and AAAA alias records. The
   * construct id of the domain is the normalised domain name, so adding or removing other
   * domains never changes its logical ids.
   *
   * @param domainName the mail domain (the part after `@`), for example `example.com`
   */
  public addDomain(domainName: string, options: MtaStsHostingDomainOptions = {}): MtaStsHostedDomain {
    const domain = normalizeHostname(domainName, 'domainName', 'a domain name');
    const findings: Finding[] = [...domain.findings];
    if (domain.name) findings.push(...this.domainFindings(domain.name, options));
    throwOnErrors(findings, `MtaStsHosting ${this.node.path}`);
    const hosted = new MtaStsHostedDomain(this, domain.name!, options);
    this.hosted.set(domain.name!, hosted);
    return hosted;
  }

  /**
   * Grants what a publisher needs for every domain of this hosting, in statements that do not
   * grow with the number of domains: writing and deleting the policy objects (key pattern
   * `*\/.well-known/mta-sts.txt`) and invalidating paths of this account's distribution
   * tenants (ARN pattern `distribution-tenant/*`; IAM has no condition tying a tenant to its
   * distribution).
   */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    // Put and delete only (no tagging, retention or multipart actions): the publisher writes a
    // domain's object and removes it when the domain is removed.
    const objects = iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject', 's3:DeleteObject'], resourceArns: [this.bucket.arnForObjects(`*/${POLICY_OBJECT_KEY}`)] });
    const invalidations = iam.Grant.addToPrincipal({
      grantee,
      actions: ['cloudfront:CreateInvalidationForDistributionTenant', 'cloudfront:GetInvalidationForDistributionTenant'],
      resourceArns: [`arn:${Aws.PARTITION}:cloudfront::${Aws.ACCOUNT_ID}:distribution-tenant/*`],
    });
    return objects.combine(invalidations);
  }

  /**
   * The multi-tenant distribution's configuration. What CloudFront allows on a `tenant-only`
   * distribution, and what is chosen:
   * - no `Aliases`, `PriceClass`, `IPV6Enabled`, `Staging`, continuous deployment or legacy
   *   TTL fields: domains belong to tenants, IPv6 to the connection group, and the distribution
   *   always uses every edge location (what `MtaSts` chooses with PRICE_CLASS_ALL);
   * - `ViewerCertificate` carries the security policy for every tenant (a tenant only
   *   overrides the certificate) and needs exactly one certificate source: with the hosting's
   *   `certificate`, TLSv1.2_2021 with SNI, as the dedicated distribution; without it, no
   *   `ViewerCertificate` at all (AWS's documented shape for tenants that bring their own
   *   certificate; `CloudFrontDefaultCertificate` would force the policy down to TLSv1);
   * - the origin path may hold tenant parameters (`{{name}}`, at most 5 definitions): the
   *   policy objects are keyed by domain, so the path is `/{{domainName}}`, required;
   * - cache behaviour as the dedicated distribution: HTTPS only, GET and HEAD, cached with
   *   the managed CachingOptimized policy, no compression, HTTP/2 and HTTP/3.
   */
  private distributionConfig(bucket: s3.IBucket, comment: string, certificate?: acm.ICertificate): cloudfront.CfnDistribution.DistributionConfigProperty {
    const viewerCertificate = certificate && {
      acmCertificateArn: certificate.certificateArn,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      sslSupportMethod: cloudfront.SSLMethod.SNI,
    };
    return {
      enabled: true,
      comment,
      connectionMode: 'tenant-only',
      httpVersion: 'http2and3',
      viewerCertificate,
      tenantConfig: {
        parameterDefinitions: [
          {
            name: MtaStsHosting.DOMAIN_PARAMETER,
            definition: { stringSchema: { required: true, comment: 'The mail domain; its policy is the object <domainName>/.well-known/mta-sts.txt' } },
          },
        ],
      },
      origins: [
        {
          id: ORIGIN_ID,
          domainName: bucket.bucketRegionalDomainName,
          originPath: `/{{${MtaStsHosting.DOMAIN_PARAMETER}}}`,
          originAccessControlId: this.originAccessControl.originAccessControlId,
          // Required for an S3 origin; empty because access goes through the origin access control.
          s3OriginConfig: { originAccessIdentity: '' },
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: ORIGIN_ID,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: ['GET', 'HEAD'],
        cachedMethods: ['GET', 'HEAD'],
        cachePolicyId: cloudfront.CachePolicy.CACHING_OPTIMIZED.cachePolicyId,
        compress: false,
      },
    };
  }

  /** The findings that refuse adding `domain` with `options`. */
  private domainFindings(domain: string, options: MtaStsHostingDomainOptions): Finding[] {
    const findings = nameLimitFindings(domain, { createsCertificate: !options.certificate, publishesTlsRpt: false });
    if (this.hosted.has(domain)) {
      findings.push(error('hosting-domain-duplicate', 'domainName', `\`domainName\` "${domain}" is already in this hosting: add each domain once`));
    }
    if (this.hosted.size >= MtaStsHosting.MAX_TENANTS_PER_ACCOUNT) {
      findings.push(
        error(
          'hosting-too-many-domains',
          'domainName',
          `\`domainName\` "${domain}" would be domain ${this.hosted.size + 1} of this hosting, more than the ${MtaStsHosting.MAX_TENANTS_PER_ACCOUNT} distribution tenants an account has by default: raise the quota first, or split the domains across accounts`,
        ),
      );
    }
    const zone = options.hostedZone;
    if (zone && !Token.isUnresolved(zone.zoneName) && !isWithinZone(domain, zone.zoneName)) {
      findings.push(
        error('domain-outside-zone', 'hostedZone', `\`domainName\` "${domain}" is not in the hosted zone "${zone.zoneName}": give the zone that holds the domain (its apex or a parent)`),
      );
    }
    // Without a zone, the certificate is CloudFront-managed: no region constraint on this stack.
    if (zone && !options.certificate) findings.push(...certificateRegionFindings(domain, Stack.of(options.scope ?? this).region));
    if (options.scope && !Token.isUnresolved(Stack.of(options.scope).account) && !Token.isUnresolved(Stack.of(this).account) && Stack.of(options.scope).account !== Stack.of(this).account) {
      findings.push(
        error(
          'hosting-other-account',
          'scope',
          `\`scope\` of "${domain}" is in account ${Stack.of(options.scope).account}, the hosting in ${Stack.of(this).account}: a distribution tenant must be in the account of its distribution, so give a scope in a stack of the hosting's account`,
        ),
      );
    }
    return findings;
  }
}

/** The key of a domain's policy object in a hosting's bucket. */
function hostingObjectKey(domainName: string): string {
  return `${domainName}/${POLICY_OBJECT_KEY}`;
}

/**
 * A Route 53 alias target for a connection group's routing endpoint: a `cloudfront.net` name,
 * so the alias takes CloudFront's fixed hosted zone id, as an alias to a distribution does.
 */
class ConnectionGroupTarget implements route53.IAliasRecordTarget {
  constructor(private readonly group: cloudfront.CfnConnectionGroup) {}

  public bind(record: route53.IRecordSet): route53.AliasRecordTargetConfig {
    return { dnsName: this.group.attrRoutingEndpoint, hostedZoneId: targets.CloudFrontTarget.getHostedZoneId(record) };
  }
}

/** CloudFront takes certificates from us-east-1 only: the findings when this stack cannot make one. */
function certificateRegionFindings(domain: string, region: string): Finding[] {
  const fix = `deploy this stack in us-east-1, or pass a us-east-1 \`certificate\` for "${policyHostName(domain)}"`;
  if (Token.isUnresolved(region)) {
    return [error('certificate-region-unknown', 'certificate', `\`certificate\` is not given for "${domain}" and the stack's region is not known at synth time: give the stack an explicit env, or ${fix}`)];
  }
  if (region !== 'us-east-1') {
    return [error('certificate-region', 'certificate', `\`certificate\` is not given for "${domain}" and the stack is in ${region}, but CloudFront only takes certificates from us-east-1: ${fix}`)];
  }
  return [];
}
