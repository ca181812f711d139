import { error, Finding, show, warning } from './findings';

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
  const parts = record.split(/[ \t]*;[ \t]*/);
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

/**
 * Selects the single record that begins exactly with `prefix` (for example `v=STSv1;`) among the
 * TXT records at a name, as RFC 8461 section 3.1 and RFC 8460 section 3 say: others are
 * discarded; none or several means no policy. Near misses (the version in another case, or with
 * no `;` after it) are errors that say why the record was ignored; unrelated records are
 * warnings, since go-mtasts and checkdmarc count them.
 *
 * @param records the TXT records, each as its character-strings (as `dns.resolveTxt` returns)
 * @param prefix the exact prefix, with its `;`
 * @param field the name for messages (for example `_mta-sts.example.com TXT`)
 * @param what what the record is, for messages
 */
export function selectTxtRecord(records: readonly (readonly string[])[], prefix: string, field: string, what: string): SelectedTxtRecord {
  const findings: Finding[] = [];
  const version = prefix.replace(/;$/, '');
  const selected: string[] = [];
  for (const strings of records) {
    const joined = joinTxtStrings(strings, field);
    const text = joined.text;
    if (text.startsWith(prefix)) {
      findings.push(...joined.findings);
      selected.push(text);
    } else if (text.trimStart().toLowerCase().startsWith(version.toLowerCase())) {
      findings.push(
        error('txt-version-malformed', field, `${field} ${show(text)} is ignored by senders: a ${what} must begin exactly with "${prefix}" (case-sensitive, no leading space, ";" right after the version)`),
      );
    } else {
      findings.push(warning('txt-unrelated-record', field, `${field} has an unrelated TXT record ${show(text)}: go-mtasts and checkdmarc then see no valid ${what}; move it elsewhere`));
    }
  }
  if (selected.length === 0) {
    findings.push(error('txt-missing', field, `${field}: no record begins with "${prefix}", so senders see no ${what}`));
    return { findings };
  }
  if (selected.length > 1) {
    findings.push(error('txt-multiple', field, `${field} has ${selected.length} records beginning with "${prefix}": with more than one, senders see no ${what}; keep exactly one`));
    return { findings };
  }
  return { record: selected[0], findings };
}
