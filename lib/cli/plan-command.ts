import { Route53Client } from '@aws-sdk/client-route-53';
import { listRecordSets, route53Client, Route53Error } from '../aws/route53-records';
import { PublishedDomain, publishedDomain } from '../config/published-domain';
import { ResolvedDomain } from '../config/stage-config';
import { canonicalHost } from '../policy/domain-name';
import { mtaStsRecordName, policyHostName, tlsRptRecordName } from '../policy/records';
import { ZONE_NAME_UNKNOWN } from '../plan/assembly';
import { LiveDomainRecords, planDomain, planExitCode, renderPlanJson, renderPlanText, StagePlan } from '../plan/plan';
import { addCommand, CliError } from './program';
import { readAssemblyDomains } from './read-assembly';
import { stageDomains } from './stage-domains';

/** The options of `mta-sts plan`, as commander parses them. */
interface PlanCommandOptions {
  readonly stage?: string;
  readonly domain?: string;
  readonly config: string;
  readonly app?: string;
  readonly json?: boolean;
  readonly strict?: boolean;
}

/**
 * Reads the record sets `plan` compares, from the domain's hosted zone: everything at
 * `_mta-sts.<d>`, `_smtp._tls.<d>` and `mta-sts.<d>`, and the MX record sets at `<d>`. Four
 * small listings (Route 53 allows 5 requests a second per account; throttling is retried).
 */
export async function readLiveRecords(client: Route53Client, d: Pick<ResolvedDomain, 'domainName' | 'hostedZoneId'>): Promise<LiveDomainRecords> {
  const zone = d.hostedZoneId;
  const mtaSts = await listRecordSets(client, { hostedZoneId: zone, name: mtaStsRecordName(d.domainName) });
  const tlsRpt = await listRecordSets(client, { hostedZoneId: zone, name: tlsRptRecordName(d.domainName) });
  const policyHost = await listRecordSets(client, { hostedZoneId: zone, name: policyHostName(d.domainName) });
  const mx = await listRecordSets(client, { hostedZoneId: zone, name: d.domainName, type: 'MX' });
  return { mtaSts, tlsRpt, policyHost, mx };
}

/** A domain to plan: what is published and the zone to read. */
export interface PlanTarget {
  readonly published: PublishedDomain;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
}

/** Plans every target (one at a time, to stay within Route 53's rate). */
export async function planTargets(client: Route53Client, stageName: string, targets: readonly PlanTarget[]): Promise<StagePlan> {
  const plans = [];
  for (const t of targets) {
    let live: LiveDomainRecords;
    try {
      live = await readLiveRecords(client, { domainName: t.published.domain, hostedZoneId: t.hostedZoneId });
    } catch (e) {
      if (e instanceof Route53Error) {
        throw new CliError(`plan of ${t.published.domain} (hosted zone ${t.hostedZoneId}): ${e.message}`);
      }
      throw e;
    }
    plans.push(planDomain({ ...t, live }));
  }
  return { stage: stageName, domains: plans };
}

/** Plans every domain of the stage. */
export async function planStage(client: Route53Client, stageName: string, domains: readonly ResolvedDomain[]): Promise<StagePlan> {
  return planTargets(client, stageName, domains.map((d) => ({ published: publishedDomain(stageName, d), hostedZoneId: d.hostedZoneId, hostedZoneName: d.hostedZoneName })));
}

/** The domains of a synthesized cloud assembly (`--app`), or only `--domain` when given. */
function assemblyTargets(o: PlanCommandOptions): PlanTarget[] {
  if (o.stage !== undefined) throw new CliError('give one of `--app <assembly>` (a synthesized app) and `--stage <name>` (the cdk.json stage config)');
  const all = readAssemblyDomains(o.app!).map((d) => ({ published: d.published, hostedZoneId: d.hostedZoneId, hostedZoneName: ZONE_NAME_UNKNOWN }));
  if (o.domain === undefined) return all;
  const targets = all.filter((t) => t.published.domain === canonicalHost(o.domain!));
  if (targets.length === 0) throw new CliError(`--domain "${o.domain}" is not in ${o.app}; its domains: ${all.map((t) => t.published.domain).join(', ')}`);
  return targets;
}

/** How the command gets its Route 53 client; tests replace it. */
export const planClients = { route53: (): Route53Client => route53Client() };

/**
 * `mta-sts plan`: for each domain of a stage, reads the live `_mta-sts`, `_smtp._tls`,
 * `mta-sts` and MX record sets from Route 53 (the default credential chain; needs
 * `route53:ListResourceRecordSets` on each zone) and prints what the deploy changes, the MX
 * coverage verdict and what would make the deploy fail. Exit code 0 when fine, 1 on warnings
 * with `--strict`, 2 on errors (including an enforce policy that would strand mail).
 * With `--app <assembly>`, the domains and what they publish come from a synthesized cloud
 * assembly (apps that use the constructs without the stage config) instead of cdk.json.
 */
addCommand((program, ctx) => {
  program
    .command('plan')
    .description('Compare what a stage will publish with the live Route 53 records: record changes, MX coverage, conflicts (read-only)')
    .option('--stage <name>', "the stage (default: the config's defaultStage)")
    .option('--domain <domain>', 'only this domain')
    .option('--config <path>', 'the cdk.json to read', 'cdk.json')
    .option('--app <assembly>', 'plan from this synthesized cloud assembly folder (cdk.out) instead of the stage config')
    .option('--json', 'print JSON')
    .option('--strict', 'exit 1 when there are warnings (and no error)')
    .action(async (o: PlanCommandOptions) => {
      let plan: StagePlan;
      if (o.app !== undefined) {
        plan = await planTargets(planClients.route53(), o.app, assemblyTargets(o));
      } else {
        const { stage, domains } = stageDomains(o);
        plan = await planStage(planClients.route53(), stage.name, domains);
      }
      ctx.out(o.json ? renderPlanJson(plan) : renderPlanText(plan));
      ctx.exitCode = planExitCode(plan, o.strict === true);
    });
});
