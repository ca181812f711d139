import { createHash } from 'node:crypto';
import { error, Finding, show, throwOnErrors, warning } from './findings';
import { modeFromString, MtaStsMode } from './mode';
import { parseMxPattern } from './mx-pattern';

/** RFC 8461 section 3.2: `max_age` is at most 31557600 seconds (about one year). */
export const MAX_MAX_AGE_SECONDS = 31557600;
/** Below this, NCSC MailCheck warns about an `enforce` policy (two weeks). */
export const ENFORCE_RECOMMENDED_MIN_MAX_AGE_SECONDS = 1209600;
/** Below this, mimecast's library clamps an `enforce` policy up (one week). */
export const ENFORCE_CLAMP_MAX_AGE_SECONDS = 604800;
/** Below this, MailCheck and mimecast warn about a `testing` policy (one day). */
export const TESTING_RECOMMENDED_MIN_MAX_AGE_SECONDS = 86400;

/**
 * The default `max_age` for each mode, in seconds.
 *
 * `testing` and `none` default to one day, so a change (or a rollback) reaches senders within a
 * day. `enforce` defaults to two weeks: long enough to protect against a downgrade attack that
 * hides the TXT record, and the smallest value that no checker warns about.
 */
export function defaultMaxAgeSeconds(mode: MtaStsMode): number {
  return mode === MtaStsMode.ENFORCE ? ENFORCE_RECOMMENDED_MIN_MAX_AGE_SECONDS : TESTING_RECOMMENDED_MIN_MAX_AGE_SECONDS;
}

/** A policy id: 1 to 32 letters and digits (RFC 8461 section 3.1). */
export const POLICY_ID_PATTERN = /^[A-Za-z0-9]{1,32}$/;

/** What an MTA-STS policy is made of, as the user declares it. */
export interface MtaStsPolicyOptions {
  /** The mode. (Checked at run time too: JavaScript callers and configuration can pass anything.) */
  readonly mode: MtaStsMode;
  /** The MX patterns; order and duplicates do not matter. */
  readonly mx: string[];
  /**
   * How long senders may cache the policy, in seconds.
   * @default - `defaultMaxAgeSeconds(mode)`
   */
  readonly maxAgeSeconds?: number;
  /**
   * A fixed policy id instead of the computed one. You then own changing it whenever the
   * policy changes: prefer the computed id.
   * @default - derived from the policy body
   */
  readonly id?: string;
}

/**
 * Checks the declared options against every rule the generator profile holds, and returns the
 * findings: errors for what must be refused, warnings for legal but risky values.
 *
 * The field names in findings are those of the construct props (`mode`, `mx[i]`, `maxAge`,
 * `policyId`), so that an error points at the line the user wrote.
 */
export function validatePolicyOptions(options: MtaStsPolicyOptions): Finding[] {
  const findings: Finding[] = [];
  const mode = typeof options.mode === 'string' ? modeFromString(options.mode) : undefined;
  if (mode === undefined) {
    findings.push(
      error('mode-invalid', 'mode', `\`mode\` must be one of enforce, testing or none (lower case), got ${show(options.mode)}`),
    );
  }
  if (!Array.isArray(options.mx)) {
    findings.push(error('mx-not-a-list', 'mx', `\`mx\` must be a list of MX host names or patterns, got ${show(options.mx)}`));
  } else {
    if (options.mx.length === 0) {
      const why =
        mode === MtaStsMode.NONE
          ? 'keep listing your MX hosts in mode none too: MailCheck rejects a policy without mx'
          : `mode ${mode ?? options.mode} needs at least one, or senders reject the policy`;
      findings.push(error('mx-empty', 'mx', `\`mx\` is empty: list the MX host names (for example mail.example.com); ${why}`));
    }
    options.mx.forEach((m, i) => findings.push(...parseMxPattern(m, `mx[${i}]`).findings));
  }
  if (options.maxAgeSeconds !== undefined) {
    findings.push(...validateMaxAge(options.maxAgeSeconds, mode));
  }
  if (options.id !== undefined && (typeof options.id !== 'string' || !POLICY_ID_PATTERN.test(options.id))) {
    findings.push(
      error(
        'policy-id-invalid',
        'policyId',
        `\`policyId\` must be 1 to 32 letters and digits (no "-", "_" or spaces), got ${show(options.id)}; ` +
          'or leave it out to use the id computed from the policy',
      ),
    );
  }
  return findings;
}

/** Rules on `max_age`: an integer number of seconds in 1..31557600, with per-mode warnings. */
export function validateMaxAge(seconds: unknown, mode: MtaStsMode | undefined, field = 'maxAge'): Finding[] {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    return [error('max-age-not-a-number', field, `\`${field}\` must be a whole number of seconds, got ${show(seconds)}`)];
  }
  if (!Number.isInteger(seconds)) {
    return [error('max-age-fractional', field, `\`${field}\` must be a whole number of seconds, got ${seconds}; round it`)];
  }
  if (seconds <= 0) {
    return [
      error(
        'max-age-too-small',
        field,
        `\`${field}\` must be at least 1 second, got ${seconds}; 0 makes senders drop the policy at once and MailCheck rejects it (use at least ${TESTING_RECOMMENDED_MIN_MAX_AGE_SECONDS})`,
      ),
    ];
  }
  if (seconds > MAX_MAX_AGE_SECONDS) {
    return [error('max-age-too-large', field, `\`${field}\` must be at most ${MAX_MAX_AGE_SECONDS} seconds, got ${seconds}`)];
  }
  if (mode === MtaStsMode.ENFORCE && seconds < ENFORCE_RECOMMENDED_MIN_MAX_AGE_SECONDS) {
    return [
      warning(
        'max-age-short-enforce',
        field,
        `\`${field}\` is ${seconds} seconds with mode enforce: below ${ENFORCE_RECOMMENDED_MIN_MAX_AGE_SECONDS} (two weeks) ` +
          `MailCheck warns${seconds < ENFORCE_CLAMP_MAX_AGE_SECONDS ? ` and mimecast raises it to ${ENFORCE_CLAMP_MAX_AGE_SECONDS}` : ''}, and a short cache weakens the protection against downgrade attacks`,
      ),
    ];
  }
  if (mode === MtaStsMode.TESTING && seconds < TESTING_RECOMMENDED_MIN_MAX_AGE_SECONDS) {
    return [
      warning(
        'max-age-short-testing',
        field,
        `\`${field}\` is ${seconds} seconds with mode testing: below ${TESTING_RECOMMENDED_MIN_MAX_AGE_SECONDS} (one day) MailCheck warns and mimecast raises it to ${TESTING_RECOMMENDED_MIN_MAX_AGE_SECONDS}`,
      ),
    ];
  }
  return [];
}

/**
 * An MTA-STS policy (RFC 8461 section 3.2), validated and normalised, with its rendered body
 * and its id.
 *
 * The body is rendered in the conservative profile every known sender and checker accepts
 * without a warning: `version`, `mode`, one `mx` line per pattern (lower-case A-labels,
 * de-duplicated, sorted), `max_age`; every line ends in CRLF; nothing else. The id is the first
 * 32 hex digits of the SHA-256 of the body, so it is the same on every synth and changes exactly
 * when the body changes.
 *
 * @example
 * const policy = MtaStsPolicy.create({ mode: MtaStsMode.TESTING, mx: ['mx1.example.com', '*.mail.example.com'] });
 * policy.text; // "version: STSv1\r\nmode: testing\r\nmx: *.mail.example.com\r\nmx: mx1.example.com\r\nmax_age: 86400\r\n"
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-3.2
 */
export class MtaStsPolicy {
  /**
   * Validates `options` and builds the policy; throws `MtaStsValidationError` listing every
   * error. Warnings are kept in `findings`.
   */
  public static create(options: MtaStsPolicyOptions): MtaStsPolicy {
    const findings = validatePolicyOptions(options);
    throwOnErrors(findings);
    return new MtaStsPolicy(options, findings);
  }

  /** The mode. */
  public readonly mode: MtaStsMode;
  /** The normalised MX patterns, de-duplicated and sorted. */
  public readonly mx: string[];
  /** `max_age` in seconds. */
  public readonly maxAgeSeconds: number;
  /** The exact policy body to serve. */
  public readonly text: string;
  /** The policy id for the `_mta-sts` TXT record. */
  public readonly id: string;
  /** Whether `id` was given explicitly rather than derived from the body. */
  public readonly idOverridden: boolean;
  /** Warnings about legal but risky values. */
  public readonly findings: Finding[];

  private constructor(options: MtaStsPolicyOptions, findings: Finding[]) {
    this.mode = modeFromString(options.mode)!;
    this.mx = [...new Set(options.mx.map((m) => parseMxPattern(m).pattern!))].sort();
    this.maxAgeSeconds = options.maxAgeSeconds ?? defaultMaxAgeSeconds(this.mode);
    this.text = renderPolicy(this.mode, this.mx, this.maxAgeSeconds);
    this.id = options.id ?? policyIdOf(this.text);
    this.idOverridden = options.id !== undefined;
    this.findings = findings;
  }
}

/** Renders a policy body in the conservative profile (see `MtaStsPolicy`). */
export function renderPolicy(mode: MtaStsMode, mx: readonly string[], maxAgeSeconds: number): string {
  const lines = ['version: STSv1', `mode: ${mode}`, ...mx.map((m) => `mx: ${m}`), `max_age: ${maxAgeSeconds}`];
  return lines.map((l) => l + '\r\n').join('');
}

/** The policy id of a body: the first 32 hex digits of its SHA-256. */
export function policyIdOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);
}
