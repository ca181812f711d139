// Public API: the pure RFC core (policy and reports) and the constructs. Never handlers or the CLI.
export * from './policy';
export * from './reports';
export * from './constructs/mta-sts';
export * from './constructs/tls-rpt-collector';
export * from './constructs/mta-sts-certificate';
export * from './constructs/mta-sts-monitor';
