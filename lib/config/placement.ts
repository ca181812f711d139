// Where a domain of a shared stage goes when its config names no `stack`: a stack chosen by a
// hash of the domain name alone, among a fixed number of placement stacks. A domain's stack
// therefore never changes when other domains are added, removed or reordered (moving a domain
// between stacks deletes and re-creates its records: an outage). Pure: the config check, the app
// and the CLI all place domains with it.
import { createHash } from 'node:crypto';

/**
 * The placement stacks of a shared stage when the stage config does not say `placementStacks`.
 * A stack holds at most 61 domains in us-east-1 (8 resources each with an MX guard and TLS-RPT,
 * 8 for its providers, of CloudFormation's 500), 69 elsewhere (no certificate in the stack). With
 * 160 stacks, a fleet of 5000 domains has 31 a stack on average, and its fullest stack passes 61
 * for about 1 fleet in 15 000 (Poisson tail; the benchmark's 5000 names put 47 in the fullest, a
 * quarter below the limit); 6000 still fit in all but about 1 fleet in 100. The cost:
 * at most 320 IAM roles in us-east-1 and 640 elsewhere (2 a stack, 4 outside us-east-1), of the
 * account's 1000. Larger fleets set `placementStacks` before their first deploy (the config
 * check refuses an overfull stack, naming it, and the roles over the quota). Empty placement
 * stacks are not made.
 */
export const DEFAULT_PLACEMENT_STACKS = 160;

/** The most placement stacks a stage may ask for (4 IAM roles each stay under the account's 1000 roles with room). */
export const MAX_PLACEMENT_STACKS = 200;

/**
 * The stack group of a domain placed automatically: `Shard-<n>`, n the first 32 bits of the
 * SHA-256 of the (canonical) domain name modulo `stacks`, zero-padded so that groups sort.
 * Changing `stacks` moves most domains: choose it once, before the first deploy.
 *
 * @param domainName the canonical domain name (lower-case A-labels)
 * @param stacks the number of placement stacks of the stage
 */
export function placedGroup(domainName: string, stacks: number): string {
  const n = createHash('sha256').update(domainName, 'utf8').digest().readUInt32BE(0) % stacks;
  return `Shard-${String(n).padStart(String(stacks - 1).length, '0')}`;
}
