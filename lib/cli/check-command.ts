import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { checkDomain } from '../check/check-domain';
import { CheckOptions } from '../check/check-options';
import { checkExitCode, renderCheckJson, renderCheckText } from '../check/check-report';
import { normalizeHostname } from '../policy/domain-name';
import { terminalSafe } from '../reports/untrusted-text';
import { dnsServerOption, integerOption } from './option-values';
import { addCommand, CliContext, CliError } from './program';

/** The options of `mta-sts check`, as commander parses them. */
interface CheckCommandOptions {
  readonly json?: boolean;
  readonly strict?: boolean;
  readonly dnsServer?: string;
  readonly caFile?: string;
  readonly smtpPort?: string;
  readonly httpsPort?: string;
  readonly timeout?: string;
  readonly stage?: string;
  readonly config?: string;
  readonly routingEndpoint?: string;
}

/** Turns the command-line options into `CheckOptions`; throws `CliError` naming a bad value. */
export function checkOptionsFromCli(o: CheckCommandOptions): CheckOptions {
  const dnsServer = dnsServerOption(o.dnsServer);
  let extraCaPem: string | undefined;
  if (o.caFile !== undefined) {
    try {
      extraCaPem = readFileSync(o.caFile, 'utf8');
    } catch (e) {
      throw new CliError(`\`--ca-file\` ${JSON.stringify(o.caFile)} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give a PEM file of root certificates`);
    }
    if (!extraCaPem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new CliError(`\`--ca-file\` ${JSON.stringify(o.caFile)} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"): give a PEM file of root certificates`);
    }
  }
  const timeout = integerOption('--timeout', o.timeout, 1, 600000);
  return {
    dnsServer,
    extraCaPem,
    smtpPort: integerOption('--smtp-port', o.smtpPort, 1, 65535),
    httpsPort: integerOption('--https-port', o.httpsPort, 1, 65535),
    smtpTimeoutMs: timeout,
    dnsTimeoutMs: timeout,
  };
}

/**
 * `mta-sts check <domain>`: checks the domain live, as sending MTAs see it, and prints the
 * report (text, or JSON with `--json`). Exit code 0 when there is no error, 1 when there are
 * warnings and `--strict` is given, 2 on any error, 3 when DNS cannot resolve at all here
 * (no working resolver: the domain was not checked).
 */
export function registerCheckCommand(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .description('Check a domain live as sending MTAs see it: _mta-sts and _smtp._tls TXT, MX, the policy over HTTPS, STARTTLS on every MX')
    .argument('[domain]', 'the mail domain (for example example.com); with --stage, only this domain of the stage')
    .option('--json', 'print the report as JSON')
    .option('--strict', 'exit 1 when there are warnings (and no error)')
    .option('--dns-server <host[:port]>', 'ask this DNS server (IP address, optional port) instead of the system resolver')
    .option('--ca-file <file>', 'extra trusted root certificates (PEM) for the policy host and the MX hosts')
    .option('--smtp-port <n>', 'SMTP port of the MX hosts', '25')
    .option('--https-port <n>', 'HTTPS port of the policy host (senders always use 443)', '443')
    .option('--timeout <ms>', 'time budget of each MX host and of each DNS lookup, in milliseconds (the policy fetch keeps the 4 s senders allow)')
    .option('--stage <name>', 'check every domain of this stage of the config (in parallel, one table) and compare each live policy with what the stage publishes')
    .option('--config <file>', 'with --stage: the cdk.json holding the stage config', 'cdk.json')
    .option('--routing-endpoint <name>', "with --stage: the shared hosting's routing endpoint the mta-sts CNAMEs of domains on external DNS must point to (default: the deployed hosting stack's output)")
    .action(async (domain: string | undefined, o: CheckCommandOptions) => {
      if (o.stage !== undefined) {
        // Loaded only for --stage: `check <domain>` does not pay for the stage config (zod, region list).
        const { runCheckStage } = await import('./check-stage');
        await runCheckStage(
          { config: o.config ?? 'cdk.json', stage: o.stage, domain, json: o.json, strict: o.strict, routingEndpoint: o.routingEndpoint },
          checkOptionsFromCli(o),
          ctx,
          process.stderr.isTTY === true,
        );
        return;
      }
      if (domain === undefined) throw new CliError('give a domain (`mta-sts check example.com`), or a stage of the config (`mta-sts check --stage prod`)');
      const name = normalizeHostname(domain, 'domain', 'a domain name');
      if (name.name === undefined) {
        throw new CliError(name.findings.map((f) => f.message).join('\n'));
      }
      const options = checkOptionsFromCli(o);
      const report = await checkDomain(name.name, options);
      // DNS answers and served bodies are hostile: nothing they hold may rewrite the terminal.
      ctx.out(o.json ? renderCheckJson(report) : terminalSafe(renderCheckText(report)));
      ctx.exitCode = checkExitCode(report, o.strict === true);
    });
}

addCommand(registerCheckCommand);
