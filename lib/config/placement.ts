// Where a domain of a shared stage goes when its config names no `stack`: a stack chosen by a
// hash of the domain name alone, among a fixed number of placement stacks. A domain's stack
// therefore never changes when other domains are added, removed or reordered (moving a domain
// between stacks deletes and re-creates its records: an outage). Pure: the config check, the app
// and the CLI all place domains with it.
import { createHash } from 'node:crypto';

/**
 * The placement stacks of a shared stage when the stage config does not say `placementStacks`:
 * 39 domains a stack on average at 5000, the fleets the shared hosting is made for, and at most
 * 512 IAM roles (4 a stack outside us-east-1) of the account's 1000. A stack holds at most 61
 * domains in us-east-1 (8 resources each with an MX guard and TLS-RPT, 8 for its providers, of
 * CloudFormation's 500), 69 elsewhere (no certificate in the stack). The fullest of 128 stacks
 * passes 61 for about 1 fleet of 5000 names in 20 (Poisson tail; the benchmark's names: 60) and
 * for nearly every fleet of 6000: larger fleets set `placementStacks` (the config check refuses
 * an overfull stack, naming it). Empty placement stacks are not made.
 */
export const DEFAULT_PLACEMENT_STACKS = 128;

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
