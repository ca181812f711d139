import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { normalizeHostname, throwOnErrors } from '../policy';
import { nameLimitFindings } from '../policy/name-limits';
import { policyHostName } from '../policy/records';

/** Props of `MtaStsCertificate`. */
export interface MtaStsCertificateProps {
  /** The mail domain (the policy domain), for example `example.com`. */
  readonly domainName: string;
  /** The Route 53 hosted zone that holds `mta-sts.<domainName>`, for DNS validation. */
  readonly hostedZone: route53.IHostedZone;
}

/**
 * The ACM certificate for `mta-sts.<domainName>`, validated through DNS in the hosted zone.
 *
 * CloudFront only takes certificates from us-east-1. `MtaSts` makes this certificate itself
 * when its stack is in us-east-1; for a stack elsewhere, put an `MtaStsCertificate` in a
 * us-east-1 stack with `crossRegionReferences: true` and pass its `certificate` to `MtaSts`.
 *
 * @example
 * const certStack = new Stack(app, 'Certs', { env: { account, region: 'us-east-1' }, crossRegionReferences: true });
 * const cert = new MtaStsCertificate(certStack, 'ExampleCom', { domainName: 'example.com', hostedZone });
 * new MtaSts(euStack, 'ExampleCom', { domainName: 'example.com', hostedZone, mx: ['mx1.example.com'], certificate: cert.certificate });
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
 */
export class MtaStsCertificate extends Construct {
  /** The certificate. */
  public readonly certificate: acm.ICertificate;

  constructor(scope: Construct, id: string, props: MtaStsCertificateProps) {
    super(scope, id);
    const domain = normalizeHostname(props.domainName, 'domainName', 'a domain name');
    throwOnErrors([...domain.findings, ...(domain.name ? nameLimitFindings(domain.name, { createsCertificate: true, publishesTlsRpt: false }) : [])], `MtaStsCertificate ${this.node.path}`);
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: policyHostName(domain.name!),
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });
  }
}
