// Reporter-controlled text made safe to show: in a log line, a terminal, a quarantine note or a
// finding's message. Everything here is linear in its input and never recurses on untrusted depth.

/** The longest text `safeText` returns by default, in UTF-16 code units of the input kept. */
export const DEFAULT_SAFE_TEXT_MAX_LENGTH = 256;

/**
 * What is escaped: C0 and C1 controls and DEL (`\p{Cc}`: CR/LF forge log lines, ESC starts
 * ANSI CSI and OSC sequences, U+009B is the one-byte CSI), format characters (`\p{Cf}`: the
 * bidi embeddings, overrides and isolates U+202A..U+202E and U+2066..U+2069, the marks
 * U+200E, U+200F and U+061C, zero-width characters, the BOM, tag characters), the line and
 * paragraph separators U+2028 and U+2029, and lone surrogates. With ESC and the C1 CSI
 * escaped, no terminal escape sequence survives: what follows them is plain text.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const UNSAFE_OR_BACKSLASH = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\\]/gu;
const UNSAFE_GLOBAL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const SHORT_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\\', '\\\\'],
]);

/** `\uHHHH` for every UTF-16 code unit of `ch` (also valid inside a JSON string). */
function unicodeEscape(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += '\\u' + ch.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}

function escapeChar(ch: string): string {
  return SHORT_ESCAPES.get(ch) ?? unicodeEscape(ch);
}

/** Options of `safeText`. */
export interface SafeTextOptions {
  /**
   * The most characters of the input kept; the rest is replaced by `…(N more characters)`.
   * @default DEFAULT_SAFE_TEXT_MAX_LENGTH
   */
  readonly maxLength?: number;
}

/**
 * Makes a reporter-controlled string (`organization-name`, `report-id`, a header, a file name)
 * safe to show on one line of a log or a terminal: controls, format characters (bidi
 * overrides and isolates), line separators and lone surrogates become `\n`, `\r`, `\t` or
 * `\uHHHH`, a backslash becomes `\\` (so the escaping is unambiguous), and text past
 * `maxLength` is cut (never inside a surrogate pair) and its length noted. Printable text,
 * non-ASCII letters included, is unchanged. Linear in the input.
 *
 * @param value the untrusted string
 * @param options the length cap
 * @example safeText('Evil\r\n\u001b[2Jorg') // 'Evil\\r\\n\\u001b[2Jorg'
 */
export function safeText(value: string, options: SafeTextOptions = {}): string {
  const max = options.maxLength ?? DEFAULT_SAFE_TEXT_MAX_LENGTH;
  let kept = value;
  let cut = '';
  if (value.length > max) {
    let end = Math.max(0, max);
    const last = value.charCodeAt(end - 1);
    if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
    kept = value.slice(0, end);
    cut = `…(${value.length - end} more characters)`;
  }
  if (kept.indexOf('\\') < 0 && !UNSAFE.test(kept)) return kept + cut;
  return kept.replace(UNSAFE_OR_BACKSLASH, escapeChar) + cut;
}

/** Escapes what `safeText` escapes, except the backslash: for text already in JSON's escaped form. */
function escapeJsonText(json: string): string {
  return UNSAFE.test(json) ? json.replace(UNSAFE_GLOBAL, unicodeEscape) : json;
}

/** Limits of `showValue`. */
const SHOW_MAX_DEPTH = 3;
const SHOW_MAX_ENTRIES = 8;
const SHOW_MAX_STRING = 120;
const SHOW_MAX_TOTAL = 400;

/**
 * Renders an untrusted value for a message, as JSON would (`"text"`, `12`, `{"a":[1]}`,
 * `nothing` for undefined), but bounded and safe: at most 3 levels deep (deeper containers
 * are `[…]` and `{…}`), 8 entries a container, 120 characters a string, 400 characters in all,
 * with the characters `safeText` escapes escaped. It never recurses on the value's own depth,
 * so a 100 000-level array is shown as `[[[[…]]]]`, not a stack overflow.
 *
 * @param value any parsed JSON value (or undefined)
 */
export function showValue(value: unknown): string {
  const out = showAt(value, 0);
  return out.length > SHOW_MAX_TOTAL ? `${out.slice(0, SHOW_MAX_TOTAL)}…` : out;
}

function showString(s: string): string {
  if (s.length <= SHOW_MAX_STRING) return escapeJsonText(JSON.stringify(s));
  let end = SHOW_MAX_STRING;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${escapeJsonText(JSON.stringify(s.slice(0, end)))}…(${s.length} characters)`;
}

function showAt(value: unknown, depth: number): string {
  if (value === undefined) return depth === 0 ? 'nothing' : 'null';
  if (typeof value === 'string') return showString(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(JSON.stringify(value));
  if (typeof value !== 'object') return escapeJsonText(String(value));
  if (Array.isArray(value)) {
    if (depth >= SHOW_MAX_DEPTH) return value.length === 0 ? '[]' : '[…]';
    const parts: string[] = [];
    for (let i = 0; i < value.length && i < SHOW_MAX_ENTRIES; i++) parts.push(showAt(value[i], depth + 1));
    if (value.length > SHOW_MAX_ENTRIES) parts.push(`…(${value.length} entries)`);
    return `[${parts.join(',')}]`;
  }
  const parts: string[] = [];
  let n = 0;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (depth >= SHOW_MAX_DEPTH) return '{…}';
    if (n++ >= SHOW_MAX_ENTRIES) {
      parts.push('…');
      break;
    }
    parts.push(`${showString(key)}:${showAt((value as { readonly [k: string]: unknown })[key], depth + 1)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * `JSON.stringify` with every character `safeText` escapes written as `\uHHHH`: the same JSON
 * value, but no bidi override, line separator or other format character reaches a terminal that
 * shows it (JSON.stringify itself escapes only C0 controls).
 *
 * @param value any value JSON can hold (of bounded depth: our own verdicts and summaries)
 * @param space the indentation, as for `JSON.stringify`
 */
export function safeJson(value: unknown, space?: number): string {
  // Outside strings JSON has only its own white space; inside, JSON.stringify has escaped C0 already.
  return JSON.stringify(value, null, space).replace(JSON_UNSAFE, unicodeEscape);
}

/** What `JSON.stringify` leaves raw and a terminal must not see: DEL, C1 controls, format characters, separators, lone surrogates. */
const JSON_UNSAFE = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * Multi-line text (a rendered table or verdict) made safe for a terminal: each line through
 * `safeText`, with no length cap, the line breaks kept.
 *
 * @param text text whose lines may hold reporter- or DNS-controlled values
 */
export function terminalSafe(text: string): string {
  return text
    .split('\n')
    .map((l) => safeText(l, { maxLength: Number.MAX_SAFE_INTEGER }))
    .join('\n');
}
