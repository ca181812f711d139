// Every command module registers itself with addCommand when imported here.
import './policy-command';
import './check-command';
import './reports-command';
import './plan-command';
import './init-command';
import './records-command';
export { runCli, buildProgram, CliError } from './program';
