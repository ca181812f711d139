import { parseDnsServer } from '../check/check-options';
import { CliError } from './program';

/** A whole-number option in `[min, max]`, or undefined when not given; refused naming the option, the range and the value. */
export function integerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new CliError(`\`${name}\` must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** `--dns-server`, checked (`parseDnsServer`'s message on a bad value) and returned as given. */
export function dnsServerOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    parseDnsServer(value);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  return value;
}
