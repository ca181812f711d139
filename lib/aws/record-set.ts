// The Route 53 record sets as the plan and the MX guard read them: plain data, no SDK, so that
// the pure plan logic and its tests never need a client.
import { canonicalHost } from '../policy/domain-name';

/** The bare id of a hosted zone (`Z123`), from `Z123` or `/hostedzone/Z123`. */
export function bareZoneId(hostedZoneId: string): string {
  return hostedZoneId.replace(/^\/?hostedzone\//, '');
}

/** The ARN of a hosted zone, for messages and policies. */
export function hostedZoneArn(hostedZoneId: string, partition = 'aws'): string {
  return `arn:${partition}:route53:::hostedzone/${bareZoneId(hostedZoneId)}`;
}

/** One record set of a hosted zone, as Route 53 lists it, decoded. */
export interface LiveRecordSet {
  /** The owner name: lower case, no trailing dot, Route 53's `\NNN` escapes decoded (`*.example.com`). */
  readonly name: string;
  /** The record type, upper case as Route 53 gives it (`MX`, `TXT`, `A`, `CNAME`…). */
  readonly type: string;
  /** The TTL in seconds; undefined for alias records. */
  readonly ttl?: number;
  /** The values in Route 53's presentation format (`10 mx1.example.com.`, `"v=STSv1; id=1;"`). */
  readonly values: readonly string[];
  /** Set for weighted, latency, geolocation, failover or multivalue record sets. */
  readonly setIdentifier?: string;
  /** For an alias record: the target's DNS name (lower case, no trailing dot). */
  readonly aliasTarget?: string;
}

/** One MX record: its preference and host. */
export interface MxValue {
  /** The preference (lower is preferred). */
  readonly preference: number;
  /** The host, lower case without the trailing dot; `''` for a null MX (RFC 7505: `0 .`). */
  readonly host: string;
}

/**
 * Decodes a name or character-string escape of Route 53's presentation format: `\NNN` (three
 * octal digits, as Route 53 writes `*` in `\052.example.com.`) and `\X` for any other character.
 */
export function decodeRoute53Escapes(text: string): string {
  return text.replace(/\\([0-7]{3}|.)/g, (_m, esc: string) => (esc.length === 3 ? String.fromCharCode(parseInt(esc, 8)) : esc));
}

/** A Route 53 owner name the way names are compared here: decoded, lower case, no trailing dot. */
export function canonicalRecordName(name: string): string {
  return canonicalHost(decodeRoute53Escapes(name));
}

/**
 * Splits a TXT value in presentation format into its character-strings: `"a" "b"` gives
 * `['a', 'b']`, with `\"`, `\\` and `\NNN` decoded. An unquoted value is taken as one string
 * for each word, as DNS master files read it.
 */
export function parseTxtValue(value: string): string[] {
  const strings: string[] = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    let raw = '';
    if (c === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) {
          const octal = /^[0-7]{3}/.exec(value.slice(i + 1, i + 4));
          raw += octal ? value.slice(i, i + 4) : value.slice(i, i + 2);
          i += octal ? 4 : 2;
        } else {
          raw += value[i++];
        }
      }
      i++; // the closing quote
    } else {
      while (i < value.length && value[i] !== ' ' && value[i] !== '\t') raw += value[i++];
    }
    strings.push(decodeRoute53Escapes(raw));
  }
  return strings;
}

/**
 * Parses an MX value in presentation format (`10 mx1.example.com.`); undefined when it is not
 * a preference and a host.
 */
export function parseMxValue(value: string): MxValue | undefined {
  const m = /^\s*(\d{1,5})\s+(\S+)\s*$/.exec(value);
  if (!m) return undefined;
  return { preference: Number(m[1]), host: canonicalRecordName(m[2]) };
}

/** The record sets of `sets` with owner `name` and type `type` (all routing-policy variants). */
export function recordSetsOf(sets: readonly LiveRecordSet[], name: string, type: string): LiveRecordSet[] {
  const n = canonicalRecordName(name);
  return sets.filter((s) => s.name === n && s.type === type);
}
