// The pure TLS-RPT (RFC 8460) report core: input extraction, normalisation, aggregation,
// readiness and the store layout. No aws-cdk-lib, no AWS SDK, no network or file-system I/O.
export * from './errors';
export * from './deviations';
export * from './input';
export * from './idempotency';
export * from './authentication';
export * from './report';
export * from './parse';
export * from './aggregate';
export * from './readiness';
export * from './store-layout';
export * from './untrusted-text';
