import { Route53Client } from '@aws-sdk/client-route-53';
import { listRecordSets, route53Client, Route53Error } from '../aws/route53-records';
import { publishedDomain } from '../config/published-domain';
import { ResolvedDomain } from '../config/stage-config';
import { mtaStsRecordName, policyHostName, tlsRptRecordName } from '../policy/records';
import { LiveDomainRecords, planDomain, planExitCode, renderPlanJson, renderPlanText, StagePlan } from '../plan/plan';
import { addCommand, CliError } from './program';
import { stageDomains } from './stage-domains';

/** The options of `mta-sts plan`, as commander parses them. */
interface PlanCommandOptions {
  readonly stage?: string;
  readonly domain?: string;
  readonly config: string;
  readonly json?: boolean;
  readonly strict?: boolean;
}

/**
 * Reads the record sets `plan` compares, from the domain's hosted zone: everything at
 * `_mta-sts.<d>`, `_smtp._tls.<d>` and `mta-sts.<d>`, and the MX record sets at `<d>`. Four
 * small listings (Route 53 allows 5 requests a second per account; throttling is retried).
 */
export async function readLiveRecords(client: Route53Client, d: ResolvedDomain): Promise<LiveDomainRecords> {
  const zone = d.hostedZoneId;
  const mtaSts = await listRecordSets(client, { hostedZoneId: zone, name: mtaStsRecordName(d.domainName) });
  const tlsRpt = await listRecordSets(client, { hostedZoneId: zone, name: tlsRptRecordName(d.domainName) });
  const policyHost = await listRecordSets(client, { hostedZoneId: zone, name: policyHostName(d.domainName) });
  const mx = await listRecordSets(client, { hostedZoneId: zone, name: d.domainName, type: 'MX' });
  return { mtaSts, tlsRpt, policyHost, mx };
}

/** Plans every domain of the stage (one at a time, to stay within Route 53's rate). */
export async function planStage(client: Route53Client, stageName: string, domains: readonly ResolvedDomain[]): Promise<StagePlan> {
  const plans = [];
  for (const d of domains) {
    let live: LiveDomainRecords;
    try {
      live = await readLiveRecords(client, d);
    } catch (e) {
      if (e instanceof Route53Error) {
        throw new CliError(`plan of ${d.domainName} (hosted zone ${d.hostedZoneId}): ${e.message}`);
      }
      throw e;
    }
    plans.push(planDomain({ published: publishedDomain(stageName, d), hostedZoneId: d.hostedZoneId, hostedZoneName: d.hostedZoneName, live }));
  }
  return { stage: stageName, domains: plans };
}

/** How the command gets its Route 53 client; tests replace it. */
export const planClients = { route53: (): Route53Client => route53Client() };

/**
 * `mta-sts plan`: for each domain of a stage, reads the live `_mta-sts`, `_smtp._tls`,
 * `mta-sts` and MX record sets from Route 53 (the default credential chain; needs
 * `route53:ListResourceRecordSets` on each zone) and prints what the deploy changes, the MX
 * coverage verdict and what would make the deploy fail. Exit code 0 when fine, 1 on warnings
 * with `--strict`, 2 on errors (including an enforce policy that would strand mail).
 */
addCommand((program, ctx) => {
  program
    .command('plan')
    .description('Compare what a stage will publish with the live Route 53 records: record changes, MX coverage, conflicts (read-only)')
    .option('--stage <name>', "the stage (default: the config's defaultStage)")
    .option('--domain <domain>', 'only this domain')
    .option('--config <path>', 'the cdk.json to read', 'cdk.json')
    .option('--json', 'print JSON')
    .option('--strict', 'exit 1 when there are warnings (and no error)')
    .action(async (o: PlanCommandOptions) => {
      const { stage, domains } = stageDomains(o);
      const plan = await planStage(planClients.route53(), stage.name, domains);
      ctx.out(o.json ? renderPlanJson(plan) : renderPlanText(plan));
      ctx.exitCode = planExitCode(plan, o.strict === true);
    });
});
