// Every command module registers itself with addCommand when imported here.
import './policy-command';
export { runCli, buildProgram, CliError } from './program';
