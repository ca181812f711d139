import { PublishedDomain, publishedDomain } from '../config/published-domain';
import { tlsRptRecordName } from '../policy/records';
import { addCommand } from './program';
import { stageDomains } from './stage-domains';

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
      const { stage, domains } = stageDomains(opts);
      const published = domains.map((d) => publishedDomain(stage.name, d));
      ctx.out(opts.json ? JSON.stringify(published, null, 2) + '\n' : published.map(renderText).join('\n'));
    });
});
