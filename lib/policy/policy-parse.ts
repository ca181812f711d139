import { error, Finding, info, show, warning } from './findings';
import { modeFromString, MtaStsMode } from './mode';
import { parseMxPattern } from './mx-pattern';
import { MAX_MAX_AGE_SECONDS, validateMaxAge } from './policy';
import { trimWsp } from './private/text';

/** The largest body a real sender accepts (postfix-mta-sts-resolver: 65536 bytes). */
export const MAX_POLICY_BYTES = 65536;
/** Above this, mimecast's library refuses the body (64000 characters). */
export const MIMECAST_MAX_POLICY_CHARS = 64000;

const KNOWN_KEYS = new Set(['version', 'mode', 'mx', 'max_age']);
/** `sts-policy-field-name`: a letter or digit, then up to 31 letters, digits, `_`, `-` or `.`. */
const FIELD_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** A policy body read the way RFC 8461 section 3.2 says, with every finding on the way. */
export interface ParsedPolicy {
  /** `version`, when present (first occurrence). */
  readonly version?: string;
  /** `mode`, when present and valid. */
  readonly mode?: MtaStsMode;
  /** Every `mx` value, in order, as written (trimmed). */
  readonly mx: string[];
  /** `max_age` in seconds, when present and valid. */
  readonly maxAgeSeconds?: number;
  /** Unknown keys and their first values. */
  readonly extensions: Record<string, string>;
  /** Errors (no sender will use the policy) and warnings (some implementation breaks). */
  readonly findings: Finding[];
}

/**
 * Parses a policy body in the checker profile (RFC-NOTES section 3.2): the RFC grammar decides,
 * and each quirk that breaks a real implementation is a warning naming it.
 *
 * Lines end in CRLF or LF; a line splits at its first `:`; white space after the colon and at
 * the end of a line is trimmed; keys and enumerated values are case-sensitive; among duplicate
 * keys the first wins (`mx` repeats).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-3.2
 */
export function parsePolicy(text: string): ParsedPolicy {
  const findings: Finding[] = [];
  const values = new Map<string, string>();
  const mx: string[] = [];
  const extensions: Record<string, string> = {};

  const rawLines = text.split('\n');
  const lastEnded = text.endsWith('\n');
  if (lastEnded) rawLines.pop();
  let lfOnly = 0;
  let blank = 0;
  rawLines.forEach((raw, i) => {
    const n = i + 1;
    const ended = i < rawLines.length - 1 || lastEnded;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (ended && !raw.endsWith('\r')) lfOnly++;
    if (line.includes('\r')) {
      findings.push(
        warning('policy-bare-cr', `line ${n}`, `line ${n} holds a bare CR: postfix-mta-sts-resolver ends the line there, other senders do not; end lines with CRLF`),
      );
    }
    if (line.trim() === '') {
      blank++;
      return;
    }
    const colon = line.indexOf(':');
    if (colon < 0) {
      findings.push(error('policy-line-malformed', `line ${n}`, `line ${n} ${show(line)} is not "key: value": it has no ":"`));
      return;
    }
    const key = line.slice(0, colon);
    const value = trimWsp(line.slice(colon + 1));
    if (/^[ \t]/.test(key)) {
      findings.push(error('policy-line-malformed', `line ${n}`, `line ${n} ${show(line)} starts with white space; the key must start the line`));
      return;
    }
    if (/[ \t]$/.test(key)) {
      findings.push(error('policy-line-malformed', `line ${n}`, `line ${n} ${show(line)} has white space before the ":"; write "${key.trim()}: value"`));
      return;
    }
    if (!FIELD_NAME.test(key)) {
      findings.push(error('policy-line-malformed', `line ${n}`, `line ${n} has an invalid key ${show(key)}`));
      return;
    }
    if (value.includes(':')) {
      findings.push(warning('policy-value-colon', key, `\`${key}\` value ${show(value)} holds a ":": go-mtasts (maddy) rejects the whole policy`));
    }
    if (key === 'mx') {
      mx.push(value);
      return;
    }
    if (!KNOWN_KEYS.has(key)) {
      // defineProperty: a key such as `constructor` is stored as data, never looked up on the prototype.
      if (!Object.hasOwn(extensions, key)) Object.defineProperty(extensions, key, { value, enumerable: true, writable: true, configurable: true });
      findings.push(unknownKeyFinding(key, n));
      return;
    }
    if (values.has(key)) {
      findings.push(
        warning(
          'policy-duplicate-key',
          key,
          `\`${key}\` appears more than once (line ${n}): the first value ${show(values.get(key))} counts, but postfix-mta-sts-resolver and go-mtasts use the last; keep one`,
        ),
      );
      return;
    }
    values.set(key, value);
  });

  if (lfOnly > 0) {
    findings.push(warning('policy-lf-line-ends', 'body', `${lfOnly} line(s) end in LF, not CRLF: mimecast warns "Policy EOL not CRLF"; end every line with CRLF`));
  }
  if (rawLines.length > 0 && !lastEnded) {
    findings.push(warning('policy-no-final-eol', 'body', 'the last line has no line end: mimecast warns "EOL not found"; end it with CRLF'));
  }
  if (blank > 0) {
    findings.push(
      warning('policy-blank-line', 'body', `${blank} blank line(s): go-mtasts (maddy) rejects the policy and MailCheck stops reading at the first one; remove them`),
    );
  }

  const version = values.get('version');
  if (version === undefined) {
    findings.push(error('policy-version-missing', 'version', '`version` is missing' + (caseVariant(extensions, 'version') ?? ': add "version: STSv1" as the first line')));
  } else if (version !== 'STSv1') {
    findings.push(error('policy-version-invalid', 'version', `\`version\` must be exactly STSv1, got ${show(version)}`));
  }

  const modeText = values.get('mode');
  const mode = modeText === undefined ? undefined : modeFromString(modeText);
  if (modeText === undefined) {
    // Never suggest a value: "mode: testing" would demote a policy meant as enforce.
    findings.push(error('policy-mode-missing', 'mode', '`mode` is missing' + (caseVariant(extensions, 'mode') ?? ': add a "mode:" line with enforce, testing or none')));
  } else if (mode === undefined) {
    findings.push(error('policy-mode-invalid', 'mode', `\`mode\` must be enforce, testing or none (lower case), got ${show(modeText)}`));
  }

  let maxAgeSeconds: number | undefined;
  const maxAgeText = values.get('max_age');
  if (maxAgeText === undefined) {
    findings.push(error('policy-max-age-missing', 'max_age', '`max_age` is missing' + (caseVariant(extensions, 'max_age') ?? ': add "max_age: 86400" (seconds)')));
  } else if (!/^\d{1,10}$/.test(maxAgeText)) {
    findings.push(error('policy-max-age-invalid', 'max_age', `\`max_age\` must be 1 to 10 digits, got ${show(maxAgeText)}`));
  } else {
    const n = Number(maxAgeText);
    if (n > MAX_MAX_AGE_SECONDS) {
      findings.push(error('policy-max-age-too-large', 'max_age', `\`max_age\` must be at most ${MAX_MAX_AGE_SECONDS}, got ${n}`));
    } else {
      maxAgeSeconds = n;
      if (n === 0) {
        findings.push(warning('policy-max-age-zero', 'max_age', '`max_age` is 0: senders drop the policy at once and MailCheck reports an error; use at least 86400'));
      } else if (/^0/.test(maxAgeText)) {
        findings.push(warning('policy-max-age-leading-zero', 'max_age', `\`max_age\` ${show(maxAgeText)} has a leading zero; write ${n}`));
      } else {
        findings.push(...validateMaxAge(n, mode, 'max_age'));
      }
    }
  }

  if (mx.length === 0) {
    if (mode === MtaStsMode.TESTING || mode === MtaStsMode.ENFORCE) {
      findings.push(error('policy-mx-missing', 'mx', `mode ${mode} needs at least one \`mx\` line; senders reject the policy without one` + (caseVariant(extensions, 'mx') ?? '')));
    } else if (mode === MtaStsMode.NONE) {
      findings.push(warning('policy-mx-missing-none', 'mx', 'no `mx` line: legal with mode none, but MailCheck reports it as an error; keep your MX hosts listed'));
    }
  }
  findings.push(...mxFindings(mx, mode));

  return { version, mode, mx, maxAgeSeconds, extensions, findings };
}

/**
 * The findings about the `mx` values.
 *
 * The choice (RFC-NOTES section 3.2): a value that is not a pattern at all (empty, a character
 * outside letters, digits, "-" and ".", a "*" other than the whole left-most label, an empty
 * label) breaks the `["*."] Domain` grammar of RFC 8461 section 3.2, so it is an error whatever
 * the other lines say: a sender that checks the grammar rejects the whole policy, and one that
 * does not can never match it. A trailing dot or an IP address is a warning, as is a pattern
 * that parses but is too broad or one label: senders read those lines and merely match nothing
 * with them. On top of that, a testing or enforce policy left with no usable mx at all gets
 * its own error, since under enforce such a policy refuses every MX host.
 */
function mxFindings(mx: readonly string[], mode: MtaStsMode | undefined): Finding[] {
  const findings: Finding[] = [];
  let usable = 0;
  mx.forEach((m, i) => {
    if (m.endsWith('.') || /^\d{1,3}(\.\d{1,3}){3}$/.test(m) || m.startsWith('[')) {
      findings.push(warning('policy-mx-form', `mx[${i}]`, `\`mx\` ${show(m)} is not a valid pattern (no trailing dot, no IP address): MailCheck rejects it and it matches no MX host name`));
      return;
    }
    const parsed = parseMxPattern(m, `mx[${i}]`);
    if (parsed.pattern === undefined) {
      const notAPattern = parsed.findings.some((f) => !MX_PARSES_BUT_MATCHES_NOTHING.has(f.code));
      findings.push(
        ...parsed.findings.map((f) =>
          notAPattern
            ? error('policy-mx-invalid', f.field, `${f.message} (the policy grammar allows only a host name, optionally after "*."; fix or remove the line)`)
            : warning('policy-mx-form', f.field, `${f.message} (it matches no MX host)`),
        ),
      );
      return;
    }
    usable++;
    if (parsed.pattern !== m) {
      findings.push(info('policy-mx-not-canonical', `mx[${i}]`, `\`mx\` ${show(m)} is better written ${show(parsed.pattern)} (lower-case A-labels)`));
    }
  });
  if (mx.length > 0 && usable === 0 && (mode === MtaStsMode.ENFORCE || mode === MtaStsMode.TESTING)) {
    findings.push(
      error(
        'policy-mx-none-valid',
        'mx',
        `mode ${mode} with no valid \`mx\` pattern (${mx.map(show).join(', ')}): no MX host can match, so under enforce senders refuse to deliver any mail; list your MX host names (for example mx1.example.com or *.mail.example.com)`,
      ),
    );
  }
  return findings;
}

/** `parseMxPattern` codes for values that fit the grammar but match no real MX host. */
const MX_PARSES_BUT_MATCHES_NOTHING = new Set(['mx-wildcard-too-broad', 'name-single-label', 'name-numeric-tld']);

/** The finding for an unknown key; a known key in another case gets the advice to rename it. */
function unknownKeyFinding(key: string, line: number): Finding {
  const known = key.toLowerCase();
  if (KNOWN_KEYS.has(known)) {
    return warning('policy-key-case', key, `line ${line}: keys are case-sensitive, so senders ignore ${show(key)} as an unknown key; rename it to "${known}" and keep its value`);
  }
  return warning('policy-unknown-key', key, `unknown key ${show(key)} (line ${line}): senders ignore it, but checkdmarc and MailCheck report it as an error; remove it`);
}

/** The end of a "missing" message when the key is there in another case, else undefined. */
function caseVariant(extensions: Record<string, string>, key: string): string | undefined {
  const found = Object.keys(extensions).find((k) => k.toLowerCase() === key);
  return found === undefined ? undefined : `: the policy has ${show(found)}, but keys are case-sensitive; rename ${show(found)} to "${key}"`;
}

/** A policy body decoded from the bytes a server sent, with the findings about the bytes. */
export interface DecodedPolicyBody {
  readonly text: string;
  readonly findings: Finding[];
}

/**
 * Decodes a fetched policy body and reports what senders do with its bytes: too large
 * (over 65536 bytes no sender reads it; over 64000 mimecast refuses), a UTF-8 BOM or non-ASCII
 * bytes without a charset (postfix-mta-sts-resolver decodes as ASCII and fails).
 *
 * @param body the bytes as served
 * @param contentType the Content-Type header, if any
 */
export function decodePolicyBody(body: Uint8Array, contentType: string | undefined): DecodedPolicyBody {
  const findings: Finding[] = [];
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length > MAX_POLICY_BYTES) {
    findings.push(error('policy-too-large', 'body', `the body has ${buf.length} bytes, more than ${MAX_POLICY_BYTES}: postfix-mta-sts-resolver refuses it; list fewer mx patterns (use a wildcard)`));
  } else if (buf.length > MIMECAST_MAX_POLICY_CHARS) {
    findings.push(warning('policy-large', 'body', `the body has ${buf.length} bytes, more than ${MIMECAST_MAX_POLICY_CHARS}: mimecast refuses it`));
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  if (bom) {
    findings.push(warning('policy-bom', 'body', 'the body starts with a UTF-8 byte order mark: postfix-mta-sts-resolver fails to read it; save the file without a BOM'));
  }
  if (buf.subarray(bom ? 3 : 0).some((b) => b > 0x7f) && charset !== 'utf-8' && charset !== 'utf8') {
    findings.push(
      warning('policy-non-ascii', 'body', 'the body holds non-ASCII bytes and the Content-Type names no charset=utf-8: postfix-mta-sts-resolver decodes it as ASCII and fails'),
    );
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text, findings };
}
