// The pure RFC core, TypeScript only (`import { parsePolicy } from 'cdk-mta-sts/core'`): the
// policy model, MX patterns, the TXT records, TLS-RPT report parsing, aggregation and the
// readiness verdict. No aws-cdk-lib, no I/O. Published as one bundled file with its libraries
// inside (see scripts/bundle-cli.mjs), so it adds no runtime dependency to the package.
export * from './policy';
export * from './reports';
