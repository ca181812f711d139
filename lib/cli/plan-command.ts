import { Route53Client } from '@aws-sdk/client-route-53';
import { listRecordSets, route53Client, Route53Error } from '../aws/route53-records';
import { CheckOptions, resolveCheckOptions } from '../check/check-options';
import { AliasResolver, checkDelegation } from '../check/delegation-check';
import { DnsLookup } from '../check/dns-lookup';
import { MAX_DNS_MX_RECORDS, mxReadFailed, MxResolver, readMxThroughDns } from '../check/dns-mx';
import { PublishedDomain, publishedDomain, tlsRptNameOf } from '../config/published-domain';
import { ResolvedDomain, ResolvedStage } from '../config/stage-config';
import { canonicalHost } from '../policy/domain-name';
import { mtaStsRecordName, policyHostName, tlsRptRecordName } from '../policy/records';
import { ZONE_NAME_UNKNOWN } from '../plan/assembly';
import { LiveDomainRecords, planDomain, planExitCode, PlanInput, renderPlanJson, renderPlanText, StagePlan } from '../plan/plan';
import { routingEndpointForCnames } from './check-stage';
import { dnsServerOption, integerOption } from './option-values';
import { addCommand, CliContext, CliError } from './program';
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
  readonly dnsServer?: string;
  readonly timeout?: string;
  readonly routingEndpoint?: string;
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

/** How `plan` reads what is not in Route 53: the DNS of domains on external DNS. */
export interface PlanDns {
  /** The resolver (a `DnsLookup`: its time budget bounds each lookup). */
  readonly resolver: AliasResolver & MxResolver;
  /** Names the resolver in messages. */
  readonly label: string;
  /**
   * The shared hosting's routing endpoint, compared with each `mta-sts.<domain>` CNAME.
   * @default - unknown: the CNAME must lead into cloudfront.net, the exact target is not compared
   */
  readonly routingEndpoint?: string;
}

/**
 * What is live for a domain on external DNS: its TXT records in the delegation zone through the
 * Route 53 API (at the names the app writes), its MX records and its three CNAMEs through DNS.
 */
async function readExternal(client: Route53Client, t: PlanTarget, dns: PlanDns): Promise<Omit<PlanInput, 'published' | 'hostedZoneId' | 'hostedZoneName'>> {
  const p = t.published;
  const zone = p.delegation!.zone;
  const mtaSts = await listRecordSets(client, { hostedZoneId: t.hostedZoneId, name: p.mtaStsRecord.name });
  const tlsRpt = await listRecordSets(client, { hostedZoneId: t.hostedZoneId, name: tlsRptNameOf(p) });
  const [mx, delegation] = await Promise.all([
    readMxThroughDns(dns.resolver, p.domain),
    checkDelegation(dns.resolver, { domain: p.domain, delegationZone: zone, publishesTlsRpt: p.tlsRptRecord !== null, routingEndpoint: dns.routingEndpoint }),
  ]);
  const failure = mxReadFailed(mx) ? `${mx.outcome.toUpperCase()}${mx.code ? ` (${mx.code})` : ''} at ${dns.label}` : undefined;
  return { live: { mtaSts, tlsRpt, policyHost: [], mx: mx.sets }, mxDns: { failure, total: mx.total, max: MAX_DNS_MX_RECORDS }, delegation };
}

/**
 * Plans every target (one at a time, to stay within Route 53's rate). A domain on external DNS
 * (`published.delegation`) needs `dns`, made on first use.
 */
export async function planTargets(client: Route53Client, stageName: string, targets: readonly PlanTarget[], dns?: () => Promise<PlanDns>): Promise<StagePlan> {
  const plans = [];
  let external: PlanDns | undefined;
  for (const t of targets) {
    let read: Omit<PlanInput, 'published' | 'hostedZoneId' | 'hostedZoneName'>;
    try {
      if (t.published.delegation !== undefined) {
        if (dns === undefined) throw new Error(`plan of ${t.published.domain}: a domain on external DNS needs a DNS resolver`);
        external ??= await dns();
        read = await readExternal(client, t, external);
      } else {
        read = { live: await readLiveRecords(client, { domainName: t.published.domain, hostedZoneId: t.hostedZoneId }) };
      }
    } catch (e) {
      if (e instanceof Route53Error) {
        throw new CliError(`plan of ${t.published.domain} (hosted zone ${t.hostedZoneId}): ${e.message}`);
      }
      throw e;
    }
    plans.push(planDomain({ ...t, ...read }));
  }
  return { stage: stageName, domains: plans };
}

/** Plans every domain of the stage. */
export async function planStage(client: Route53Client, stageName: string, domains: readonly ResolvedDomain[], dns?: () => Promise<PlanDns>): Promise<StagePlan> {
  return planTargets(client, stageName, domains.map((d) => ({ published: publishedDomain(stageName, d), hostedZoneId: d.hostedZoneId, hostedZoneName: d.hostedZoneName })), dns);
}

/** `--dns-server` and `--timeout`, checked (the system's resolver and 4 s by default). */
function planDnsOptions(o: PlanCommandOptions): CheckOptions {
  return { dnsServer: dnsServerOption(o.dnsServer), dnsTimeoutMs: integerOption('--timeout', o.timeout, 1, 600000) };
}

/**
 * The DNS side of a stage plan, made when the first domain on external DNS is planned: the
 * resolver, and the routing endpoint (`--routing-endpoint`, else the deployed hosting stack's
 * output; when neither, stderr says why and the CNAMEs are compared with cloudfront.net only).
 */
function stagePlanDns(o: PlanCommandOptions, ctx: CliContext, stage?: ResolvedStage): () => Promise<PlanDns> {
  const options = planDnsOptions(o);
  return async () => {
    const resolver = new DnsLookup(resolveCheckOptions(options));
    return { resolver, label: resolver.serverLabel, routingEndpoint: await routingEndpointForCnames(stage, o.routingEndpoint, ctx) };
  };
}

/** The domains of a synthesized cloud assembly (`--app`), or only `--domain` when given. */
function assemblyTargets(o: PlanCommandOptions): PlanTarget[] {
  if (o.stage !== undefined) throw new CliError('give one of `--app <assembly>` (a synthesized app) and `--stage <name>` (the cdk.json stage config)');
  const all = readAssemblyDomains(o.app!).map((d) => ({ published: d.published, hostedZoneId: d.hostedZoneId, hostedZoneName: d.published.delegation?.zone ?? ZONE_NAME_UNKNOWN }));
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
    .option('--dns-server <host[:port]>', 'for domains on external DNS: read their MX records and CNAMEs through this DNS server (IP address, optional port) instead of the system resolver')
    .option('--timeout <ms>', 'for domains on external DNS: the time budget of each DNS lookup, in milliseconds', '4000')
    .option('--routing-endpoint <name>', "for domains on external DNS: the shared hosting's routing endpoint their mta-sts CNAMEs must point to (default: the deployed hosting stack's output)")
    .action(async (o: PlanCommandOptions) => {
      let plan: StagePlan;
      if (o.app !== undefined) {
        plan = await planTargets(planClients.route53(), o.app, assemblyTargets(o), stagePlanDns(o, ctx));
      } else {
        const { stage, domains } = stageDomains(o);
        plan = await planStage(planClients.route53(), stage.name, domains, stagePlanDns(o, ctx, stage));
      }
      ctx.out(o.json ? renderPlanJson(plan) : renderPlanText(plan));
      ctx.exitCode = planExitCode(plan, o.strict === true);
    });
});
