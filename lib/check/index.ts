// The live checker: what real sending MTAs see for a domain (DNS, HTTPS policy fetch, STARTTLS).
// The RFC rules are the core's (lib/policy); this folder only adds the network.
export * from './check-options';
export * from './check-report';
export * from './dns-lookup';
export * from './policy-fetch';
export * from './smtp-probe';
export * from './check-domain';
export * from './delegation-check';
