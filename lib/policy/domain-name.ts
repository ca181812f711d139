import { domainToASCII } from 'node:url';
import { error, Finding, show } from './findings';

/** RFC 1035 section 2.3.4: at most 63 octets a label, 253 a name (without the root dot). */
export const MAX_LABEL_OCTETS = 63;
export const MAX_NAME_OCTETS = 253;

const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** The result of normalising a host name: the A-label form, or the findings that refuse it. */
export interface NormalizedName {
  /** Lower-case A-label form without a trailing dot; undefined when `findings` holds an error. */
  readonly name?: string;
  readonly findings: Finding[];
}

/**
 * Normalises a host name the way MTA-STS needs it: lower case, A-labels for internationalised
 * names, no trailing dot. Refuses IP literals, ports, empty labels, labels over 63 octets,
 * names over 253 octets, names of one label, anything outside letters, digits and hyphens,
 * and labels that begin or end with a hyphen.
 *
 * @param value the name as the user wrote it
 * @param field the field to name in findings (for example `domainName` or `mx[0]`)
 * @param what what the name is, for messages (for example `a domain name`)
 */
export function normalizeHostname(value: unknown, field: string, what = 'a host name'): NormalizedName {
  const refuse = (code: string, why: string): NormalizedName => ({
    findings: [error(code, field, `\`${field}\` must be ${what}, got ${show(value)}: ${why}`)],
  });
  if (typeof value !== 'string') {
    return refuse('name-not-a-string', 'give it as a string');
  }
  if (value.length === 0) {
    return refuse('name-empty', 'it is empty');
  }
  if (/\s/.test(value)) {
    return refuse('name-whitespace', 'remove the white space');
  }
  if (value.startsWith('[') || value.includes(':')) {
    return refuse('name-ip-or-port', 'IP addresses and ports are not allowed; give the host name only (for example mail.example.com)');
  }
  let name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (IPV4.test(name)) {
    return refuse('name-ip-or-port', 'IP addresses are not allowed; give the host name (for example mail.example.com)');
  }
  const labelsIn = name.split('.');
  if (labelsIn.some((l) => l.length === 0)) {
    return refuse('name-empty-label', 'it has an empty label (two dots in a row, or a leading dot); remove the extra dot');
  }
  // A-labels for IDN: WHATWG's domainToASCII applies UTS #46 and rejects invalid punycode.
  if (/[^\x00-\x7f]/.test(name) || labelsIn.some((l) => l.toLowerCase().startsWith('xn--'))) {
    const ascii = domainToASCII(name);
    if (ascii === '') {
      return refuse('name-invalid-idn', 'it is not a valid internationalised domain name');
    }
    name = ascii;
  }
  name = name.toLowerCase();
  const labels = name.split('.');
  const longLabel = labels.find((l) => Buffer.byteLength(l) > MAX_LABEL_OCTETS);
  if (longLabel !== undefined) {
    return refuse('name-label-too-long', `the label ${show(longLabel)} has ${Buffer.byteLength(longLabel)} octets, more than ${MAX_LABEL_OCTETS}; shorten it`);
  }
  if (name.length > MAX_NAME_OCTETS) {
    return refuse('name-too-long', `it has ${name.length} octets, more than ${MAX_NAME_OCTETS}; use a shorter name`);
  }
  const bad = labels.find((l) => !LDH_LABEL.test(l));
  if (bad !== undefined) {
    return refuse(
      'name-invalid-label',
      `the label ${show(bad)} may hold only letters, digits and hyphens, and may not begin or end with a hyphen`,
    );
  }
  if (labels.length < 2) {
    return refuse('name-single-label', 'it has a single label; give the fully qualified name (for example example.com)');
  }
  if (/^\d+$/.test(labels[labels.length - 1])) {
    return refuse('name-numeric-tld', 'its last label is all digits, which no top-level domain is');
  }
  return { name, findings: [] };
}

/**
 * Lower case, no trailing dot, A-labels: how host and domain names are compared (DNS names are
 * case-insensitive, and `ñaca.com` is `xn--aca-6ma.com` on the wire). A name with non-ASCII
 * characters that is no valid internationalised name is only lower-cased.
 */
export function canonicalHost(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, '');
  if (!/[^\x00-\x7f]/.test(lower)) return lower;
  const wildcard = lower.startsWith('*.');
  const ascii = domainToASCII(wildcard ? lower.slice(2) : lower);
  return ascii === '' ? lower : (wildcard ? '*.' : '') + ascii;
}

/** True when `name` equals `zone` or lies below it (compared as `canonicalHost`). */
export function isWithinZone(name: string, zone: string): boolean {
  const n = canonicalHost(name);
  const z = canonicalHost(zone);
  return n === z || n.endsWith('.' + z);
}
