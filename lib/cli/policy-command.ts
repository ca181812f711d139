import { loadConfigFile } from '../config/load-config';
import { PublishedDomain, publishedDomain } from '../config/published-domain';
import { resolveStage } from '../config/stage-config';
import { tlsRptRecordName } from '../policy/records';
import { addCommand, CliError } from './program';

function renderText(p: PublishedDomain): string {
  const body = p.policyText
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l) => `    ${l}\\r\\n`)
    .join('\n');
  return [
    `${p.domain}  (stage ${p.stage}, mode ${p.mode})`,
    `  policy id  ${p.policyId}`,
    `  policy     ${p.policyUrl}`,
    body,
    `  TXT ${p.mtaStsRecord.name}  ${JSON.stringify(p.mtaStsRecord.value)}`,
    p.tlsRptRecord ? `  TXT ${p.tlsRptRecord.name}  ${JSON.stringify(p.tlsRptRecord.value)}` : `  TXT ${tlsRptRecordName(p.domain)}  (none: no tlsRpt configured)`,
    '',
  ].join('\n');
}

addCommand((program, ctx) => {
  program
    .command('policy')
    .description('Print, offline from cdk.json, the exact policy body, both TXT values and the policy id of each domain of a stage')
    .option('--stage <name>', 'the stage (default: the config\'s defaultStage)')
    .option('--domain <domain>', 'only this domain')
    .option('--config <path>', 'the cdk.json to read', 'cdk.json')
    .option('--json', 'print JSON')
    .action((opts: { stage?: string; domain?: string; config: string; json?: boolean }) => {
      const stage = resolveStage(loadConfigFile(opts.config), opts.stage);
      let domains = stage.domains;
      if (opts.domain !== undefined) {
        const wanted = opts.domain.toLowerCase().replace(/\.$/, '');
        domains = domains.filter((d) => d.domainName === wanted);
        if (domains.length === 0) {
          throw new CliError(`--domain "${opts.domain}" is not in stage "${stage.name}"; its domains: ${stage.domains.map((d) => d.domainName).join(', ')}`);
        }
      }
      const published = domains.map((d) => publishedDomain(stage.name, d));
      ctx.out(opts.json ? JSON.stringify(published, null, 2) + '\n' : published.map(renderText).join('\n'));
    });
});
