// The jsii API: the constructs, their props, enums and the few classes they take, usable from
// TypeScript, Python, Java, .NET and Go. The pure RFC core (free functions included) is
// TypeScript-only, at the subpath `cdk-mta-sts/core`. Never handlers or the CLI.
export { MtaStsMode } from './policy/mode';
export { TlsRptDestination } from './policy/tls-rpt-destination';
export { MtaStsPolicy } from './policy/policy';
export type { MtaStsPolicyOptions } from './policy/policy';
export { Severity } from './policy/findings';
export type { Finding } from './policy/findings';
export * from './constructs/mta-sts';
export * from './constructs/tls-rpt-collector';
export * from './constructs/mta-sts-certificate';
export * from './constructs/mta-sts-monitor';
export * from './constructs/mta-sts-hosting';
export * from './app/mta-sts-stages';
