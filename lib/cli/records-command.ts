import { DomainDns, ResolvedDomain, ResolvedStage } from '../config/stage-config';
import { DelegatedRecord, delegatedRecords, renderZoneLines } from '../policy/delegation';
import { addCommand, CliContext, CliError } from './program';
import { stageDomains } from './stage-domains';
import { knownRoutingEndpoint } from './stage-outputs';

/** The output formats of `mta-sts records`. */
const FORMATS = ['zone', 'json'] as const;
type RecordsFormat = (typeof FORMATS)[number];

/** The CNAMEs of one domain on external DNS, as `--format json` prints them. */
export interface DomainRecords {
  readonly domain: string;
  readonly records: DelegatedRecord[];
}

/** The CNAMEs of every external domain of the stage, in config order, each in the order to make them. */
export function stageDelegatedRecords(domains: readonly ResolvedDomain[], routingEndpoint?: string): DomainRecords[] {
  return domains
    .filter((d) => d.dns === DomainDns.EXTERNAL && d.delegationZone !== undefined)
    .map((d) => ({ domain: d.domainName, records: delegatedRecords(d.domainName, d.delegationZone!.zoneName, { routingEndpoint, publishesTlsRpt: d.tlsRpt.length > 0 }) }));
}

/** Zone-file lines, with `;` comments saying what they are and why they are in this order. */
function renderZone(stage: ResolvedStage, all: readonly DomainRecords[]): string {
  const zone = stage.domains.find((d) => d.delegationZone !== undefined)!.delegationZone!.zoneName;
  const head = [
    `; Stage ${stage.name}: the CNAMEs to make once at the DNS provider of each domain on external DNS.`,
    '; Make them in this order: mta-sts.<domain> first (CloudFront validates the domain\'s managed certificate through it),',
    '; _mta-sts.<domain> last (senders then never see a policy they cannot fetch yet).',
    `; Every later change is a cdk deploy: the app rewrites the TXT records in ${zone}.`,
  ];
  return [...head, ...all.flatMap((d) => ['', `; ${d.domain}`, ...renderZoneLines(d.records)])].join('\n') + '\n';
}

/** `--format json`: every record with its four fields, the unknown target as null. */
function renderJson(all: readonly DomainRecords[]): string {
  const json = all.map((d) => ({ domain: d.domain, records: d.records.map((r) => ({ kind: r.kind, name: r.name, type: r.type, target: r.target ?? null })) }));
  return JSON.stringify(json, null, 2) + '\n';
}

function formatOf(value: string): RecordsFormat {
  if ((FORMATS as readonly string[]).includes(value)) return value as RecordsFormat;
  throw new CliError(`--format must be ${FORMATS.map((f) => `"${f}"`).join(' or ')}, got ${JSON.stringify(value)}`);
}

/**
 * `mta-sts records`: for each domain of a stage on external DNS, the three CNAMEs to make once.
 * Exit 0 when every record is complete (or the stage has no external domain); exit 1 when the
 * routing endpoint is unknown (hosting not deployed, no credentials): the records are still
 * printed, the policy host's target a placeholder, and stderr says why.
 */
async function records(ctx: CliContext, o: { stage?: string; config: string; format: string; routingEndpoint?: string }): Promise<void> {
  const format = formatOf(o.format);
  const { stage, domains } = stageDomains({ config: o.config, stage: o.stage });
  if (stageDelegatedRecords(domains).length === 0) {
    ctx.err(`stage "${stage.name}" has no domain on external DNS ("dns": "external" in mtaSts.domains): its records are all in Route 53, nothing to make at a DNS provider\n`);
    if (format === 'json') ctx.out('[]\n');
    return;
  }
  const endpoint = await knownRoutingEndpoint(stage, o.routingEndpoint);
  const all = stageDelegatedRecords(domains, endpoint.name);
  ctx.out(format === 'json' ? renderJson(all) : renderZone(stage, all));
  if (endpoint.name === undefined) {
    ctx.err(`mta-sts: ${endpoint.unknownBecause}\n`);
    ctx.err('mta-sts: the mta-sts.<domain> records above have no target yet; the other records are complete\n');
    ctx.exitCode = 1;
  }
}

addCommand((program, ctx) => {
  program
    .command('records')
    .description('Print the CNAMEs to make once at the DNS provider of each domain of a stage on external DNS ("dns": "external"), in the order to make them')
    .option('--stage <name>', 'the stage (default: the config\'s defaultStage)')
    .option('--format <format>', 'zone (zone-file lines) or json', 'zone')
    .option('--routing-endpoint <name>', 'the shared hosting\'s routing endpoint (default: read from the deployed hosting stack\'s outputs, with your AWS credentials)')
    .option('--config <path>', 'the cdk.json to read', 'cdk.json')
    .action((opts: { stage?: string; config: string; format: string; routingEndpoint?: string }) => records(ctx, opts));
});
