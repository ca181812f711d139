import { canonicalHost, normalizeHostname } from './domain-name';
import { error, Finding, show } from './findings';

/** The result of parsing one `mx` pattern. */
export interface ParsedMxPattern {
  /** The normalised pattern (`*.example.com` or `mail.example.com`); undefined on error. */
  readonly pattern?: string;
  readonly findings: Finding[];
}

/**
 * Parses and normalises one `mx` pattern (RFC 8461 section 3.2 and 4.1).
 *
 * A pattern is a host name, or `*.` followed by a host name of at least two labels: the
 * wildcard may only be the whole left-most label (so `*`, `*.com`, `mail.*.example.com`,
 * `**.example.com` and `*mail.example.com` are refused). The host name is normalised to lower
 * case A-labels without a trailing dot.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-4.1
 */
export function parseMxPattern(value: unknown, field = 'mx'): ParsedMxPattern {
  if (typeof value !== 'string') {
    return { findings: [error('mx-not-a-string', field, `\`${field}\` must be a string, got ${show(value)}`)] };
  }
  const wildcard = value.startsWith('*.');
  const rest = wildcard ? value.slice(2) : value;
  if (rest.includes('*') || value === '*') {
    return {
      findings: [
        error(
          'mx-wildcard-position',
          field,
          `\`${field}\` ${show(value)} is not a valid MX pattern: a wildcard may only be the whole left-most label, ` +
            'followed by at least two labels (for example *.mail.example.com), or give the exact host name',
        ),
      ],
    };
  }
  if (wildcard && !rest.replace(/\.$/, '').includes('.')) {
    return {
      findings: [
        error(
          'mx-wildcard-too-broad',
          field,
          `\`${field}\` ${show(value)} is too broad: after "*." give at least two labels (for example *.example.com)`,
        ),
      ],
    };
  }
  const host = normalizeHostname(rest, field, 'an MX host name or pattern');
  if (host.name === undefined) {
    // Name the whole pattern the user wrote, not the part after "*.".
    return { findings: host.findings.map((f) => ({ ...f, message: f.message.replace(show(rest), show(value)) })) };
  }
  return { pattern: wildcard ? `*.${host.name}` : host.name, findings: [] };
}

/**
 * True when MX host `host` matches `pattern` under RFC 8461 section 4.1: case-insensitive, the
 * trailing dot ignored, and a wildcard matching exactly one whole left-most label
 * (`*.example.com` matches `mail.example.com`, not `example.com` nor `a.b.example.com`).
 */
export function mxPatternMatches(pattern: string, host: string): boolean {
  const p = canonicalHost(pattern);
  const h = canonicalHost(host);
  if (p.startsWith('*.')) {
    // A wildcard over a single label ("*.com") is no valid pattern and matches nothing.
    const dot = h.indexOf('.');
    return p.slice(2).includes('.') && dot > 0 && h.slice(dot + 1) === p.slice(2);
  }
  return p === h;
}

/** The MX coverage of a policy: which hosts no pattern matches, which patterns match no host. */
export interface MxCoverage {
  /** MX hosts matched by no pattern: mail to them fails under `enforce`. */
  readonly uncoveredHosts: string[];
  /** Patterns that match none of the hosts: harmless, but often a typo. */
  readonly unusedPatterns: string[];
}

/** Computes the MX coverage of `patterns` over the live MX `hosts`. */
export function mxCoverage(patterns: readonly string[], hosts: readonly string[]): MxCoverage {
  return {
    uncoveredHosts: hosts.filter((h) => !patterns.some((p) => mxPatternMatches(p, h))).map(canonicalHost),
    unusedPatterns: patterns.filter((p) => !hosts.some((h) => mxPatternMatches(p, h))),
  };
}
