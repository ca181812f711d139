import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, CONFIG_CONTEXT_KEY, MtaStsConfig, parseConfig } from './stage-config';

/** Reads `context.mtaSts` from a cdk.json file and validates it (for the CLI; the app gets it from CDK). */
export function loadConfigFile(path = 'cdk.json'): MtaStsConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; run from the app's folder or pass --config PATH`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`${file} is not valid JSON: ${(e as Error).message}`]);
  }
  const context = json !== null && typeof json === 'object' ? (json as { context?: Record<string, unknown> }).context : undefined;
  return parseConfig(context?.[CONFIG_CONTEXT_KEY]);
}
