import { Command } from 'commander';
import { packageVersion } from './version';

/** An error the CLI prints as one line (no stack trace) before exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    public readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Where a command writes; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** What a command gets: where to write, and the exit code to set when it is not 0. */
export interface CliContext extends CliIo {
  /** The process exit code once the command ends (0 unless the command sets it). */
  exitCode: number;
}

/** Registers one command (or group of commands) on the program. */
export type CommandRegistrar = (program: Command, ctx: CliContext) => void;

const registrars: CommandRegistrar[] = [];

/** Adds a command module; each command file calls this once at load. */
export function addCommand(registrar: CommandRegistrar): void {
  registrars.push(registrar);
}

/**
 * The command modules, by the top-level command names each registers. Only the module of the
 * command being run is loaded, so `check` loads neither the AWS SDK nor the report parsers.
 * Help, an unknown command or one missing here loads every module (lib/cli/index.ts lists them
 * all), so a new command works at once and gets its line here to start fast.
 */
const COMMAND_MODULES: ReadonlyArray<readonly [string[], () => Promise<unknown>]> = [
  [['policy'], () => import('./policy-command')],
  [['check'], () => import('./check-command')],
  [['reports', 'readiness'], () => import('./reports-command')],
  [['plan'], () => import('./plan-command')],
  [['init'], () => import('./init-command')],
  [['records'], () => import('./records-command')],
];

/** Loads the command modules `argv` needs: the named command's, or all of them. */
export async function loadCommands(argv: readonly string[]): Promise<void> {
  const name = argv.find((a) => !a.startsWith('-'));
  const load = COMMAND_MODULES.find(([names]) => name !== undefined && names.includes(name))?.[1];
  await (load ?? (() => import('./index')))();
}

/** Builds the `mta-sts` program with every registered command. */
export function buildProgram(ctx: CliContext): Command {
  const io = ctx;
  const program = new Command('mta-sts')
    .description('Publish, check and promote MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) for mail domains')
    .version(packageVersion(), '-V, --version', 'print the version of cdk-mta-sts')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  for (const r of registrars) r(program, ctx);
  return program;
}

/**
 * Runs the CLI on `argv` and resolves to the exit code. Errors become one line on stderr:
 * a person sees what to fix, not a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx: CliContext = { out: (s) => io.out(s), err: (s) => io.err(s), exitCode: 0 };
  try {
    await loadCommands(argv);
    await buildProgram(ctx).parseAsync(argv as string[], { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      // commander already printed its message (help, version, usage error).
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
    }
    io.err(`mta-sts: ${err.message ?? String(e)}\n`);
    return e instanceof CliError ? e.exitCode : 2;
  }
}
