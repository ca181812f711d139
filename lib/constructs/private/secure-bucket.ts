import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * The secure settings every bucket of cdk-mta-sts sets explicitly, whatever the consumer's
 * feature flags: no public access, S3-managed encryption, TLS 1.2+ only, bucket-owner-enforced
 * objects. Unversioned: each bucket's keys are never overwritten (or are regenerated).
 */
export const SECURE_BUCKET_PROPS = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  versioned: false,
} as const satisfies s3.BucketProps;
