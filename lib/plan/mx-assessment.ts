import { LiveRecordSet, parseMxValue } from '../aws/record-set';
import { mxCoverage, mxPatternMatches } from '../policy/mx-pattern';

/** What the live MX records mean for a policy's `mx` patterns. */
export enum MxVerdict {
  /** Every MX host is matched by a pattern. */
  COVERED = 'covered',
  /** At least one MX host is matched by no pattern: mail to it fails under `enforce`. */
  UNCOVERED = 'uncovered',
  /** The zone has no MX record at the domain. */
  NO_MX = 'no-mx',
  /** The domain publishes a null MX (RFC 7505 `0 .`): it receives no mail. */
  NULL_MX = 'null-mx',
}

/** One live MX host and the patterns that match it. */
export interface MxHostCoverage {
  /** The host, lower case without the trailing dot. */
  readonly host: string;
  /** The lowest preference it is published with. */
  readonly preference: number;
  /** The policy patterns that match it (none: not covered). */
  readonly matchedBy: string[];
}

/** The result of `assessMx`. */
export interface MxAssessment {
  /** The verdict. */
  readonly verdict: MxVerdict;
  /** Every live MX host (null MX excluded), by preference then name, each once. */
  readonly hosts: MxHostCoverage[];
  /** Hosts matched by no pattern. */
  readonly uncoveredHosts: string[];
  /** Patterns that match no live host (empty when there is no MX at all). */
  readonly unusedPatterns: string[];
  /** MX values that could not be read (neither `<preference> <host>`). */
  readonly unreadableValues: string[];
  /** How many MX record sets there are (more than one: weighted or other routing policies). */
  readonly recordSetCount: number;
}

/**
 * Assesses the policy's `patterns` against the live MX record sets of the domain, with the
 * RFC 8461 section 4.1 matching of `mxCoverage` (a wildcard covers exactly one left-most
 * label). Every record set counts: with weighted or other routing policies, senders may be
 * given any of them, so every host of every set must be covered.
 */
export function assessMx(patterns: readonly string[], mxSets: readonly LiveRecordSet[]): MxAssessment {
  const byHost = new Map<string, number>();
  const unreadableValues: string[] = [];
  let nullMx = false;
  for (const set of mxSets) {
    for (const value of set.values) {
      const mx = parseMxValue(value);
      if (!mx) {
        unreadableValues.push(value);
      } else if (mx.host === '') {
        nullMx = true;
      } else {
        byHost.set(mx.host, Math.min(mx.preference, byHost.get(mx.host) ?? Number.MAX_SAFE_INTEGER));
      }
    }
  }
  const hosts = [...byHost.entries()]
    .sort(([a, pa], [b, pb]) => pa - pb || a.localeCompare(b))
    .map(([host, preference]) => ({ host, preference, matchedBy: patterns.filter((p) => mxPatternMatches(p, host)) }));
  const names = hosts.map((h) => h.host);
  const coverage = mxCoverage(patterns, names);
  const verdict =
    names.length === 0 ? (nullMx ? MxVerdict.NULL_MX : MxVerdict.NO_MX) : coverage.uncoveredHosts.length > 0 ? MxVerdict.UNCOVERED : MxVerdict.COVERED;
  return {
    verdict,
    hosts,
    uncoveredHosts: coverage.uncoveredHosts,
    unusedPatterns: names.length === 0 ? [] : coverage.unusedPatterns,
    unreadableValues,
    recordSetCount: mxSets.length,
  };
}

/**
 * A pattern that would cover `host`: the host itself, and `*.<parent>` when the parent has at
 * least two labels (the wildcard covers one label only). For fix suggestions.
 */
export function suggestedPatterns(host: string): string[] {
  const parent = host.slice(host.indexOf('.') + 1);
  return parent.includes('.') ? [host, `*.${parent}`] : [host];
}
