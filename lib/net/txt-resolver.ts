// The TXT resolver the DKIM key lookups go through (the report processor and the CLI): node:dns
// with a short time-out, the system's servers or one given. The report core bounds the lookups of
// a whole message on top of this (count and time budget).
import { promises as dns } from 'node:dns';
import type { DnsServerAddress } from '../check/check-options';
import type { TxtResolver } from '../reports/authentication';

/**
 * A `TxtResolver` over node:dns: 1 s a try, 2 tries.
 *
 * @param server the DNS server to ask (default: the system's)
 */
export function txtResolver(server?: DnsServerAddress): TxtResolver {
  const resolver = new dns.Resolver({ timeout: 1000, tries: 2 });
  if (server) resolver.setServers([server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`]);
  return (name) => resolver.resolveTxt(name);
}
