import { loadConfigFile } from '../config/load-config';
import { ResolvedDomain, ResolvedStage, resolveStage } from '../config/stage-config';
import { canonicalHost } from '../policy/domain-name';
import { CliError } from './program';

/** The options every stage-reading command takes. */
export interface StageOptions {
  readonly config: string;
  readonly stage?: string;
  readonly domain?: string;
}

/**
 * The stage the options name (from `--config`, `--stage`) and its domains, or only `--domain`
 * when given; an unknown `--domain` is refused with the stage's domains.
 */
export function stageDomains(o: StageOptions): { stage: ResolvedStage; domains: ResolvedDomain[] } {
  const stage = resolveStage(loadConfigFile(o.config), o.stage);
  if (o.domain === undefined) return { stage, domains: stage.domains };
  const wanted = canonicalHost(o.domain);
  const domains = stage.domains.filter((d) => d.domainName === wanted);
  if (domains.length === 0) {
    throw new CliError(`--domain "${o.domain}" is not in stage "${stage.name}"; its domains: ${stage.domains.map((d) => d.domainName).join(', ')}`);
  }
  return { stage, domains };
}
