// Public API: the pure RFC core (policy and reports) and the constructs. Never handlers or the CLI.
export * from './policy';
