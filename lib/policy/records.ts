import { error, Finding, info, show, warning } from './findings';
import { POLICY_ID_PATTERN } from './policy';
import { checkRuaUri, TlsRptDestination } from './tls-rpt-destination';
import { splitOnWspSeparator } from './private/text';
import { EXTENSION_NAME, EXTENSION_VALUE, firstOfEach, selectTxtRecord, splitTxtFields, TxtRecordKind } from './txt-fields';

const MTA_STS_RECORD_KIND: TxtRecordKind = {
  prefix: 'v=STSv1;',
  what: 'MTA-STS record',
  countsEveryRecord: 'go-mtasts and checkdmarc',
  keepsByVersionPrefix: 'postfix-mta-sts-resolver',
};
const TLS_RPT_RECORD_KIND: TxtRecordKind = { prefix: 'v=TLSRPTv1;', what: 'TLS-RPT record', countsEveryRecord: 'checkdmarc' };

/** The longest TXT character-string (RFC 1035): we publish each record as a single string. */
export const MAX_TXT_STRING_BYTES = 255;

/** The name of the `_mta-sts` record for `domain`. */
export function mtaStsRecordName(domain: string): string {
  return `_mta-sts.${domain}`;
}

/** The name of the TLS-RPT record for `domain`. */
export function tlsRptRecordName(domain: string): string {
  return `_smtp._tls.${domain}`;
}

/** The host that serves the policy for `domain`. */
export function policyHostName(domain: string): string {
  return `mta-sts.${domain}`;
}

/** The URL senders fetch the policy of `domain` from (RFC 8461 section 3.3). */
export function policyUrl(domain: string): string {
  return `https://${policyHostName(domain)}/.well-known/mta-sts.txt`;
}

/**
 * Renders the `_mta-sts` TXT value in the generator profile: exactly `v=STSv1; id=<id>;`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-3.1
 */
export function renderMtaStsRecord(id: string): string {
  if (!POLICY_ID_PATTERN.test(id)) {
    throw new Error(`\`policyId\` must be 1 to 32 letters and digits, got ${show(id)}`);
  }
  return `v=STSv1; id=${id};`;
}

/**
 * Renders the `_smtp._tls` TXT value in the generator profile: `v=TLSRPTv1; rua=<uri>[,<uri>…]`,
 * commas without spaces, in a single string of at most 255 bytes.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8460#section-3
 */
export function renderTlsRptRecord(destinations: readonly TlsRptDestination[]): string {
  if (destinations.length === 0) {
    throw new Error('`tlsRpt` is empty: give at least one destination, or leave the prop out to publish no TLS-RPT record');
  }
  const uris = [...new Set(destinations.map((d) => d.uri))];
  const value = `v=TLSRPTv1; rua=${uris.join(',')}`;
  if (Buffer.byteLength(value) > MAX_TXT_STRING_BYTES) {
    throw new Error(
      `\`tlsRpt\` makes a TXT value of ${Buffer.byteLength(value)} bytes, more than ${MAX_TXT_STRING_BYTES}: mimecast loses URIs split across strings; give fewer or shorter destinations`,
    );
  }
  return value;
}

/** The `_mta-sts` record as senders read it. */
export interface ParsedMtaStsRecord {
  /** The selected record, joined. */
  readonly record?: string;
  /** The policy id, when valid. */
  readonly id?: string;
  readonly findings: Finding[];
}

/**
 * Reads the TXT records at `_mta-sts.<domain>` the way RFC 8461 section 3.1 says, in the checker
 * profile: selects the one record that begins `v=STSv1;`, joins its strings, splits its fields,
 * takes the first `id` and checks it is 1 to 32 letters and digits.
 *
 * @param records the TXT records, each as its character-strings
 * @param field the record's name, for messages
 */
export function parseMtaStsRecords(records: readonly (readonly string[])[], field = '_mta-sts TXT'): ParsedMtaStsRecord {
  const selected = selectTxtRecord(records, MTA_STS_RECORD_KIND, field);
  const findings = [...selected.findings];
  if (selected.record === undefined) return { findings };
  const split = splitTxtFields(selected.record, field);
  findings.push(...split.findings);
  const first = firstOfEach(split.fields.slice(1), field, 'postfix-mta-sts-resolver and go-mtasts');
  findings.push(...first.findings);
  for (const [name, value] of first.values) {
    if (name === 'id') continue;
    if (!EXTENSION_NAME.test(name) || !EXTENSION_VALUE.test(value)) {
      findings.push(error('sts-txt-extension-malformed', field, `${field}: the field ${show(`${name}=${value}`)} is not a valid extension (name of letters, digits, "_-.", value of printable ASCII without ";" "=" or space)`));
    } else {
      findings.push(warning('sts-txt-extension', field, `${field}: the extension field ${show(name)} is ignored by senders, but checkdmarc rejects the record; remove it`));
    }
  }
  const id = first.values.get('id');
  if (id === undefined) {
    findings.push(error('sts-txt-id-missing', field, `${field} ${show(selected.record)} has no id field: add "id=<1 to 32 letters and digits>;"`));
    return { record: selected.record, findings };
  }
  if (!POLICY_ID_PATTERN.test(id)) {
    findings.push(error('sts-txt-id-invalid', field, `${field}: the id ${show(id)} must be 1 to 32 letters and digits`));
    return { record: selected.record, findings };
  }
  return { record: selected.record, id, findings };
}

/** The `_smtp._tls` record as senders read it. */
export interface ParsedTlsRptRecord {
  readonly record?: string;
  /** The `rua` URIs, as written. */
  readonly rua: string[];
  readonly findings: Finding[];
}

/**
 * Reads the TXT records at `_smtp._tls.<domain>` (RFC 8460 section 3) in the checker profile:
 * exactly one record beginning `v=TLSRPTv1;`, a `rua` of one or more `mailto:` or `https:` URIs
 * separated by `*WSP "," *WSP`.
 */
export function parseTlsRptRecords(records: readonly (readonly string[])[], field = '_smtp._tls TXT'): ParsedTlsRptRecord {
  const selected = selectTxtRecord(records, TLS_RPT_RECORD_KIND, field);
  const findings = [...selected.findings];
  if (selected.record === undefined) return { rua: [], findings };
  // `rua` may hold "*WSP , *WSP" between URIs: join those before the field split sees spaces.
  const compact = selected.record.replace(/(rua=)([^;]*)/, (_m, name: string, value: string) => name + splitOnWspSeparator(value, ',').join(','));
  if (compact !== selected.record) {
    findings.push(warning('tlsrpt-rua-spaces', field, `${field}: white space around "," in rua is legal, but checkdmarc rejects it; write the URIs separated by "," alone`));
  }
  const split = splitTxtFields(compact, field);
  findings.push(...split.findings);
  const first = firstOfEach(split.fields.slice(1), field, 'some parsers');
  findings.push(...first.findings);
  for (const name of first.values.keys()) {
    if (name !== 'rua') {
      findings.push(warning('tlsrpt-extension', field, `${field}: the extension field ${show(name)} is ignored by senders, but MailCheck and checkdmarc report it as an error; remove it`));
    }
  }
  const ruaText = first.values.get('rua');
  if (ruaText === undefined || ruaText === '') {
    findings.push(error('tlsrpt-rua-missing', field, `${field} ${show(selected.record)} has no rua: add "rua=mailto:tlsrpt@<your domain>"`));
    return { record: selected.record, rua: [], findings };
  }
  const rua = ruaText.split(',');
  rua.forEach((uri, i) => findings.push(...checkRuaUri(uri, `${field} rua[${i}]`)));
  if (rua.length > 1) {
    findings.push(info('tlsrpt-several-rua', field, `${field} lists ${rua.length} destinations: MailCheck notes that only one is guaranteed to be used`));
  }
  return { record: selected.record, rua, findings };
}
