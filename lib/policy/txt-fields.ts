import { error, Finding, show, warning } from './findings';
import { splitOnWspSeparator, trimWspStart } from './private/text';

/** One `name=value` field of a TXT record. */
export interface TxtField {
  readonly name: string;
  readonly value: string;
}

/** Extension names shared by both records (RFC 8461 section 3.1, RFC 8460 section 3). */
export const EXTENSION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** Extension values: printable ASCII except `;`, `=` and space. */
export const EXTENSION_VALUE = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;

/**
 * Splits a TXT record (already joined) into `name=value` fields, on `*WSP ";" *WSP`, a trailing
 * `;` allowed. Each field must be `name=value` with no white space around the `=`; a field
 * that is not is reported as an error naming the record.
 */
export function splitTxtFields(record: string, field: string): { fields: TxtField[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const fields: TxtField[] = [];
  const parts = splitOnWspSeparator(record, ';');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (part === '') {
      findings.push(error('txt-empty-field', field, `${field} ${show(record)} has an empty field (";;"); remove the extra ";"`));
      continue;
    }
    if (eq <= 0 || /[ \t]/.test(part)) {
      findings.push(
        error('txt-field-malformed', field, `${field} ${show(record)}: the field ${show(part)} is not name=value without spaces; separate fields with ";"`),
      );
      continue;
    }
    fields.push({ name: part.slice(0, eq), value: part.slice(eq + 1) });
  }
  return { fields, findings };
}

/**
 * Joins a TXT record's character-strings with no separator (RFC 8461 section 3.1) and warns when
 * a string boundary falls inside a value: mimecast's library reads each string as a separate
 * word, so such a record breaks there.
 */
export function joinTxtStrings(strings: readonly string[], field: string): { text: string; findings: Finding[] } {
  const findings: Finding[] = [];
  let text = '';
  for (let i = 0; i < strings.length; i++) {
    if (i > 0) {
      const left = text.slice(-1);
      const right = strings[i].slice(0, 1);
      if (!/[;\s]/.test(left) && !/[;\s]/.test(right)) {
        findings.push(
          warning(
            'txt-split-inside-value',
            field,
            `${field} is split into ${strings.length} strings and one boundary falls inside a value (after ${show(text.slice(-12))}): mimecast reads it as two words; publish it as one string`,
          ),
        );
      }
    }
    text += strings[i];
  }
  if (/[^\x00-\x7f]/.test(text)) {
    findings.push(error('txt-non-ascii', field, `${field} ${show(text)} holds non-ASCII characters: postfix-mta-sts-resolver drops it; use US-ASCII only`));
  }
  return { text, findings };
}

/**
 * Keeps the first value of each field name (RFC 8461 section 3.2: the first of duplicates
 * wins) and warns about later duplicates, naming the implementations that read the last one.
 */
export function firstOfEach(fields: readonly TxtField[], field: string, lastWins: string): { values: Map<string, string>; findings: Finding[] } {
  const values = new Map<string, string>();
  const findings: Finding[] = [];
  for (const f of fields) {
    if (!values.has(f.name)) {
      values.set(f.name, f.value);
    } else {
      findings.push(
        warning('txt-duplicate-field', field, `${field}: \`${f.name}\` appears more than once; the first (${show(values.get(f.name))}) counts, but ${lastWins} use the last; keep one`),
      );
    }
  }
  return { values, findings };
}

/** The records at a name, selected by their version prefix, with the findings of the selection. */
export interface SelectedTxtRecord {
  /** The one record that begins with the prefix, joined; undefined when there is not exactly one. */
  readonly record?: string;
  readonly findings: Finding[];
}

/** Which record `selectTxtRecord` looks for, and who breaks on the records beside it. */
export interface TxtRecordKind {
  /** The exact prefix, with its `;` (for example `v=STSv1;`). */
  readonly prefix: string;
  /** What the record is, for messages (for example `MTA-STS record`). */
  readonly what: string;
  /** The implementations that count every TXT record at the name, for warnings. */
  readonly countsEveryRecord: string;
  /**
   * The implementations that keep records by the version alone, without the `;`
   * (so `v=STSv10` counts), for warnings.
   * @default - none: only `countsEveryRecord` is named
   */
  readonly keepsByVersionPrefix?: string;
}

/**
 * Selects the record of `kind` among the TXT records at a name, as RFC 8461 section 3.1 and
 * RFC 8460 section 3 say. When several records are returned, those that do not begin exactly
 * with the prefix (`v=STSv1;`) are discarded, and exactly one must remain. A single record is
 * judged by the ABNF, which allows white space before the `;` (`v=STSv1 ; id=x`): it is the
 * record, with a warning, since checkdmarc rejects it.
 *
 * A record that is ours but broken (quoted, a leading space, the version in another case, another
 * version, no `;`) is an error saying why senders ignore it when no good record is there, and a
 * warning naming who fails on the pair when a good one is. Unrelated records are warnings
 * naming the implementations that count them.
 *
 * @param records the TXT records, each as its character-strings (as `dns.resolveTxt` returns)
 * @param kind which record, and who breaks on others beside it
 * @param field the name for messages (for example `_mta-sts.example.com TXT`)
 */
export function selectTxtRecord(records: readonly (readonly string[])[], kind: TxtRecordKind, field: string): SelectedTxtRecord {
  const { prefix, what } = kind;
  const version = prefix.slice(0, -1);
  const findings: Finding[] = [];
  const joined = records.map((strings) => joinTxtStrings(strings, field));
  const single = joined.length === 1 && startsWithVersionThenWspSemicolon(joined[0].text, version);
  const selected = joined.filter((j) => j.text.startsWith(prefix) || single);
  if (single) {
    findings.push(
      warning(
        'txt-wsp-before-semicolon',
        field,
        `${field} ${show(joined[0].text)} has white space before the first ";": valid by the RFC grammar as the only TXT record at the name, and senders read it, but checkdmarc rejects it; write "${prefix} …"`,
      ),
    );
  }
  for (const j of selected) findings.push(...j.findings);
  const good = selected.length === 1;
  for (const { text } of joined.filter((j) => !selected.includes(j))) {
    findings.push(otherRecordFinding(text, kind, field, good));
  }
  if (selected.length === 0) {
    findings.push(error('txt-missing', field, `${field}: no record begins with "${prefix}", so senders see no ${what}`));
    return { findings };
  }
  if (selected.length > 1) {
    findings.push(error('txt-multiple', field, `${field} has ${selected.length} records beginning with "${prefix}": with more than one, senders see no ${what}; keep exactly one`));
    return { findings };
  }
  return { record: selected[0].text, findings };
}

/** True when `text` is `version`, then white space, then `;` (valid by the ABNF, not by the multi-record filter). */
function startsWithVersionThenWspSemicolon(text: string, version: string): boolean {
  if (!text.startsWith(version)) return false;
  const rest = text.slice(version.length);
  const after = trimWspStart(rest);
  return after !== rest && after.startsWith(';');
}

/** The finding about a record that was not selected (`good`: another record was). */
function otherRecordFinding(text: string, kind: TxtRecordKind, field: string, good: boolean): Finding {
  const version = kind.prefix.slice(0, -1);
  const why = whyNotOurs(text, kind.prefix);
  if (why === undefined) {
    return warning(
      'txt-unrelated-record',
      field,
      `${field} has an unrelated TXT record ${show(text)}: ${kind.countsEveryRecord} count every TXT record at the name and then see no valid ${kind.what}; move it elsewhere`,
    );
  }
  if (!good) {
    return error('txt-version-malformed', field, `${field} ${show(text)} is your ${kind.what}, but broken, so senders ignore it: ${why}`);
  }
  const breaks = text.startsWith(version) && kind.keepsByVersionPrefix ? `${kind.keepsByVersionPrefix} (it keeps every record beginning "${version}", ";" or not) and ${kind.countsEveryRecord}` : kind.countsEveryRecord;
  return warning(
    'txt-discarded-record',
    field,
    `${field} has a second record ${show(text)} beside the good one: RFC 8461 discards it (${why}), but ${breaks} count it, see two records and apply no policy; remove it`,
  );
}

/**
 * Why `text` is a broken record of ours (it names our record family, as `v=STS…` or
 * `v=TLSRPT…`, possibly quoted or in another case), or undefined when it is another record.
 */
function whyNotOurs(text: string, prefix: string): string | undefined {
  const version = prefix.slice(0, -1);
  const family = version.replace(/v\d+$/, '').toLowerCase();
  let i = 0;
  while (i < text.length && ' \t"\''.includes(text[i])) i++;
  const core = text.slice(i);
  if (!core.toLowerCase().startsWith(family)) return undefined;
  if (/^[ \t]*["']/.test(text)) return `the value holds quote characters, which DNS consoles often store as part of the value; enter it without the quotes: "${prefix} …"`;
  if (core !== text) return `it starts with white space; it must begin exactly with "${prefix}"`;
  const versionOk = core.startsWith(version) && !/^[A-Za-z0-9]/.test(core.slice(version.length));
  if (!versionOk) {
    const sameLetters = core.toLowerCase().startsWith(version.toLowerCase()) && !/^[A-Za-z0-9]/.test(core.slice(version.length));
    return sameLetters ? `"${version}" is case-sensitive; write it exactly so` : `the version must be exactly "${version}" (the only one the RFC defines), followed by ";"`;
  }
  if (trimWspStart(core.slice(version.length)).startsWith(';')) {
    return `the white space before ";" is allowed only when it is the only TXT record at the name; write "${prefix}"`;
  }
  return `put ";" right after the version: "${prefix} …"`;
}
