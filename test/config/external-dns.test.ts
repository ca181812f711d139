import { DomainDns, parseConfig, resolveStage } from '../../lib/config/stage-config';

/** A shared stage with one Route 53 domain and one external domain. */
const config = (over: { domain?: Record<string, unknown>; stage?: Record<string, unknown> } = {}) => ({
  domains: {
    'example.com': { hostedZoneId: 'Z0EXAMPLE', hostedZoneName: 'example.com', mx: ['mx.example.com'] },
    'brand.example': { dns: 'external', mx: ['mx.brand.example'], ...over.domain },
  },
  stages: {
    prod: {
      account: '111111111111',
      region: 'us-east-1',
      mode: 'testing',
      hosting: 'shared',
      delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName: 'mta-sts.ops.example.net' },
      ...over.stage,
    },
  },
});

const problemsOf = (raw: unknown): string => {
  try {
    parseConfig(raw);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('parseConfig accepted the configuration');
};

describe('"dns": "external" in the stage config', () => {
  test('an external domain resolves to the stage delegation zone; a Route 53 one keeps its zone', () => {
    const stage = resolveStage(parseConfig(config()), 'prod');
    const brand = stage.domains.find((d) => d.domainName === 'brand.example')!;
    expect(brand).toMatchObject({ dns: DomainDns.EXTERNAL, hostedZoneId: 'Z0DELEGATION', hostedZoneName: 'mta-sts.ops.example.net', delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName: 'mta-sts.ops.example.net' } });
    const own = stage.domains.find((d) => d.domainName === 'example.com')!;
    expect(own).toMatchObject({ dns: DomainDns.ROUTE53, hostedZoneId: 'Z0EXAMPLE', hostedZoneName: 'example.com' });
    expect(own.delegationZone).toBeUndefined();
  });

  test('an external domain with a hostedZoneId is refused, naming the domain and both fixes', () => {
    expect(problemsOf(config({ domain: { hostedZoneId: 'Z0BRAND', hostedZoneName: 'brand.example' } }))).toBe(
      'mtaSts.domains["brand.example"]: "dns": "external" with `hostedZoneId` and `hostedZoneName`: an external domain\'s records are written in the stage\'s `delegationZone`, not in a zone of its own; remove them, or, if "brand.example" is in Route 53, remove "dns": "external"',
    );
  });

  test('a Route 53 domain without its zone is told to give it or to say "dns": "external"', () => {
    expect(problemsOf(config({ domain: { dns: undefined } }))).toContain('mtaSts.domains["brand.example"]: `hostedZoneId` and `hostedZoneName` missing: give the Route 53 hosted zone that holds "brand.example", or, if its DNS is at another provider, set "dns": "external"');
  });

  test('an external domain in a stage without a delegationZone is refused, naming the domain and the fix', () => {
    expect(problemsOf(config({ stage: { delegationZone: undefined } }))).toBe(
      'mtaSts.stages.prod: domain(s) "brand.example" have "dns": "external" but the stage has no `delegationZone`: add "delegationZone": { "hostedZoneId": "Z…", "zoneName": "…" }, a Route 53 zone of yours under another domain that holds their TXT records',
    );
  });

  test.each(['brand.example', 'dns.brand.example', 'DNS.Brand.Example.'])('a delegation zone %j inside the domain itself is refused', (zoneName) => {
    expect(problemsOf(config({ stage: { delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName } } }))).toMatch(
      /^mtaSts\.stages\.prod\.delegationZone: the delegation zone "(dns\.)?brand\.example" is inside "brand\.example" itself, so the DNS provider the delegation avoids would serve it: give a Route 53 zone under another domain/,
    );
  });

  test('a dedicated stage with an external domain is told to use shared hosting', () => {
    expect(problemsOf(config({ stage: { hosting: undefined } }))).toContain(
      'mtaSts.stages.prod.hosting: stage "prod" has domains on external DNS ("brand.example"), which only a shared hosting can serve (their certificates are CloudFront-managed, validated through the mta-sts CNAME): set "hosting": "shared" on the stage',
    );
  });

  test('a delegation zone so long that the TLS-RPT name passes 253 octets is refused with its length', () => {
    const zoneName = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(50)}.net`;
    expect(problemsOf(config({ stage: { delegationZone: { hostedZoneId: 'Z0DELEGATION', zoneName } } }))).toContain(
      `"_smtp._tls.brand.example.${zoneName}" (the TLS-RPT record of "brand.example" in the delegation zone "${zoneName}") is 262 octets, more than the 253 a DNS name may have: use a shorter delegation zone`,
    );
  });

  test('an unknown dns value is refused by the schema', () => {
    expect(problemsOf(config({ domain: { dns: 'cloudflare' } }))).toContain('mtaSts.domains["brand.example"].dns');
  });
});
