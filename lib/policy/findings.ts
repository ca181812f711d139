/**
 * How serious a finding is.
 *
 * - `ERROR`: the RFC makes the input invalid, or no real sender would use it. The generator
 *   refuses it; the checker reports it and exits non-zero.
 * - `WARNING`: legal, but risky, or broken in at least one real implementation (named in the
 *   message).
 * - `INFO`: worth knowing, nothing to fix.
 */
export enum Severity {
  ERROR = 'error',
  WARNING = 'warning',
  INFO = 'info',
}

/**
 * One structured result of a rule.
 *
 * The same finding is thrown by the constructs, printed by the CLI and reported by the checker,
 * so every front end says the same thing about the same input.
 */
export interface Finding {
  /** Stable, kebab-case identifier of the rule (for example `mx-wildcard-position`). */
  readonly code: string;
  /** How serious the finding is. */
  readonly severity: Severity;
  /** The field the finding is about, as the user names it (for example `mx[2]`, `maxAge`). */
  readonly field: string;
  /** A sentence naming the field and the value, and saying the fix. */
  readonly message: string;
}

/** Builds an error finding. */
export function error(code: string, field: string, message: string): Finding {
  return { code, severity: Severity.ERROR, field, message };
}

/** Builds a warning finding. */
export function warning(code: string, field: string, message: string): Finding {
  return { code, severity: Severity.WARNING, field, message };
}

/** Builds an info finding. */
export function info(code: string, field: string, message: string): Finding {
  return { code, severity: Severity.INFO, field, message };
}

/** The error findings among `findings`. */
export function errorsOf(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === Severity.ERROR);
}

/** Renders a value for a message: strings quoted as JSON, everything else as JSON too. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Thrown when input breaks one or more rules. `message` lists every error finding, one a line,
 * so a synth or CLI run shows all problems at once rather than one per attempt.
 */
export class MtaStsValidationError extends Error {
  /** Every error finding behind this error. */
  public readonly findings: readonly Finding[];

  constructor(findings: readonly Finding[], context?: string) {
    const lines = findings.map((f) => f.message);
    super((context ? `${context}: ` : '') + (lines.length === 1 ? lines[0] : '\n  - ' + lines.join('\n  - ')));
    this.name = 'MtaStsValidationError';
    this.findings = findings;
  }
}

/** Throws `MtaStsValidationError` when `findings` holds an error; returns otherwise. */
export function throwOnErrors(findings: readonly Finding[], context?: string): void {
  const errors = errorsOf(findings);
  if (errors.length > 0) {
    throw new MtaStsValidationError(errors, context);
  }
}
