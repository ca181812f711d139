import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { AssemblyDomain, assemblyEntries, templateDomains } from '../plan/assembly';
import { CliError } from './program';

/** A manifest or template larger than this is refused (CloudFormation's own limit is 1 MB). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Nested assemblies deeper than this are refused (a CDK pipeline nests one level). */
const MAX_DEPTH = 4;

function readJson(file: string): unknown {
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) throw new CliError(`${file} is ${size} bytes, more than ${MAX_FILE_BYTES}: not a template cdk synth writes`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${file} is not JSON (${(e as Error).message}): synthesize again (npx cdk synth)`);
  }
}

/** `child` inside `dir`, refused when a manifest entry points outside the assembly. */
function inside(dir: string, child: string): string {
  const p = resolve(dir, child);
  const rel = relative(dir, p);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new CliError(`${join(dir, 'manifest.json')} names ${JSON.stringify(child)}, outside the assembly folder`);
  return p;
}

function readLevel(dir: string, depth: number, domains: AssemblyDomain[], problems: string[]): void {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new CliError(`--app ${dir}: no manifest.json there; give the cloud assembly folder that \`npx cdk synth\` writes (cdk.out)`);
  let entries;
  try {
    entries = assemblyEntries(readJson(manifestFile));
  } catch (e) {
    throw e instanceof CliError ? e : new CliError(`${manifestFile}: ${(e as Error).message}`);
  }
  for (const s of entries.stacks) {
    const found = templateDomains(s.stackName, readJson(inside(dir, s.templateFile)));
    domains.push(...found.domains);
    problems.push(...found.problems);
  }
  for (const nested of entries.nestedAssemblies) {
    if (depth >= MAX_DEPTH) throw new CliError(`${manifestFile}: assemblies nested more than ${MAX_DEPTH} levels deep`);
    readLevel(inside(dir, nested), depth + 1, domains, problems);
  }
}

/**
 * The MTA-STS domains of a synthesized cloud assembly folder (and its nested assemblies, the
 * stages of a CDK pipeline). Refused with one line when the folder is not an assembly, a record
 * cannot be read from its template, or no stack publishes a domain.
 */
export function readAssemblyDomains(dir: string): AssemblyDomain[] {
  const domains: AssemblyDomain[] = [];
  const problems: string[] = [];
  readLevel(resolve(dir), 0, domains, problems);
  if (problems.length > 0) throw new CliError(`cannot plan from ${dir}:\n  ${problems.join('\n  ')}`);
  if (domains.length === 0) throw new CliError(`no stack in ${dir} publishes an _mta-sts record: synthesize an app that uses MtaSts (npx cdk synth)`);
  return domains;
}
