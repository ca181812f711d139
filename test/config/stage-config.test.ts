import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../lib/config/load-config';
import { ConfigError, jsonPath, parseConfig, resolveStage } from '../../lib/config/stage-config';
import { MtaStsMode } from '../../lib/policy/mode';

const base = () => ({
  defaultStage: 'dev',
  domains: {
    'example.com': { hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', mx: ['mx1.example.com'], tlsRpt: ['mailto:tlsrpt@example.com'] },
    'dev.example.com': { hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', mx: ['*.mx.dev.example.com'], maxAge: 172800, stack: 'Dev' },
  },
  stages: {
    dev: { account: '111111111111', region: 'us-east-1', mode: 'testing', domains: { 'dev.example.com': {} } },
    prod: { account: '222222222222', region: 'eu-west-1', mode: 'enforce', domains: { 'example.com': { maxAge: 2419200 } } },
    all: { account: '333333333333', region: 'us-east-1', mode: 'testing' },
  },
});

describe('resolveStage', () => {
  test('the default stage, with the domain settings and the stage mode', () => {
    const s = resolveStage(parseConfig(base()));
    expect([s.name, s.account, s.region]).toEqual(['dev', '111111111111', 'us-east-1']);
    expect(s.domains).toHaveLength(1);
    const d = s.domains[0];
    expect([d.domainName, d.mode, d.mx, d.maxAgeSeconds, d.stack, d.tlsRpt]).toEqual(['dev.example.com', MtaStsMode.TESTING, ['*.mx.dev.example.com'], 172800, 'Dev', []]);
    expect(d.policy.text).toBe('version: STSv1\r\nmode: testing\r\nmx: *.mx.dev.example.com\r\nmax_age: 172800\r\n');
  });

  test('per-domain overrides win over domain settings; the stack group defaults to the domain', () => {
    const d = resolveStage(parseConfig(base()), 'prod').domains[0];
    expect([d.domainName, d.mode, d.maxAgeSeconds, d.stack]).toEqual(['example.com', MtaStsMode.ENFORCE, 2419200, 'example-com']);
    expect(d.tlsRpt.map(String)).toEqual(['mailto:tlsrpt@example.com']);
  });

  test('a stage without a domain list covers every domain', () => {
    expect(resolveStage(parseConfig(base()), 'all').domains.map((d) => d.domainName)).toEqual(['example.com', 'dev.example.com']);
  });

  test('a stage not in the config is refused with the known stages', () => {
    expect(() => resolveStage(parseConfig(base()), 'staging')).toThrow('stage "staging" is not in mtaSts.stages; known stages: dev, prod, all');
  });

  test('no stage and no default is refused with how to choose', () => {
    const c = base() as Record<string, unknown>;
    delete c.defaultStage;
    expect(() => resolveStage(parseConfig(c))).toThrow(/no stage selected: pass -c stage=NAME \(cdk\) or --stage NAME \(CLI\)/);
  });
});

describe('a stage collector', () => {
  const withCollector = (collector: unknown, domainTlsRpt = true) => {
    const c = base();
    if (!domainTlsRpt) delete (c.domains['example.com'] as Record<string, unknown>).tlsRpt;
    (c.stages.prod as Record<string, unknown>).collector = collector;
    return c;
  };
  const channel = { domainName: 'tlsrpt.example.com', hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com' };

  test('receives the reports of domains without their own tlsRpt', () => {
    const s = resolveStage(parseConfig(withCollector({ email: channel, https: { ...channel, path: '/tls/v2' } }, false)), 'prod');
    expect(s.collector!.destinations.map(String)).toEqual(['mailto:tlsrpt@tlsrpt.example.com', 'https://tlsrpt.example.com/tls/v2']);
    expect(s.domains[0].tlsRpt.map(String)).toEqual(['mailto:tlsrpt@tlsrpt.example.com', 'https://tlsrpt.example.com/tls/v2']);
  });

  test("a domain's own tlsRpt wins", () => {
    const s = resolveStage(parseConfig(withCollector({ email: { ...channel, localPart: 'reports' } })), 'prod');
    expect(s.collector!.destinations.map(String)).toEqual(['mailto:reports@tlsrpt.example.com']);
    expect(s.domains[0].tlsRpt.map(String)).toEqual(['mailto:tlsrpt@example.com']);
  });

  test.each([
    ['no channel', {}, 'mtaSts.stages.prod.collector: give `email`, `https` or both (each a domainName in a hosted zone), or remove the collector'],
    ['a name outside its zone', { https: { ...channel, domainName: 'tlsrpt.example.org' } }, 'mtaSts.stages.prod.collector.https: `hostedZoneName` "example.com" does not hold "tlsrpt.example.org"'],
    ['a bad name', { email: { ...channel, domainName: 'tls rpt.example.com' } }, 'mtaSts.stages.prod.collector.email: `domainName` must be a domain name, got "tls rpt.example.com": remove the white space'],
    ['an unknown key', { email: { ...channel, port: 25 } }, 'mtaSts.stages.prod.collector.email: unknown key(s) "port"'],
  ])('refuses %s', (_name, collector, message) => {
    expect(() => parseConfig(withCollector(collector))).toThrow(message);
  });
});

describe('parseConfig refuses bad configuration, naming the JSON path, the value and the fix', () => {
  const withChange = (change: (c: ReturnType<typeof base>) => void) => {
    const c = base();
    change(c);
    return c;
  };

  test.each([
    ['no config at all', undefined, /cdk.json has no "context"."mtaSts" object/],
    ['mx of the wrong type', withChange((c) => ((c.domains['example.com'] as Record<string, unknown>).mx = 'mx1.example.com')), 'mtaSts.domains["example.com"].mx: expected an array, got "mx1.example.com"'],
    ['maxAge as a string', withChange((c) => ((c.domains['example.com'] as Record<string, unknown>).maxAge = '86400')), 'mtaSts.domains["example.com"].maxAge: expected a number, got "86400"'],
    ['a typo in a key', withChange((c) => ((c.domains['example.com'] as Record<string, unknown>).mxs = [])), /mtaSts.domains\["example.com"\]: unknown key\(s\) "mxs"; check the spelling/],
    ['an unknown mode', withChange((c) => ((c.stages.dev as Record<string, unknown>).mode = 'strict')), /mtaSts.stages.dev.mode: Invalid option: expected one of "enforce"\|"testing"\|"none", got "strict"/],
    ['a bad account', withChange((c) => (c.stages.dev.account = '1234')), /mtaSts.stages.dev.account: a 12-digit AWS account id, got "1234"/],
    ['a bad region', withChange((c) => (c.stages.dev.region = 'europe')), /mtaSts.stages.dev.region: an AWS region such as us-east-1, got "europe"/],
    ['a bad zone id', withChange((c) => (c.domains['example.com'].hostedZoneId = 'zone-1')), /hostedZoneId: a Route 53 hosted zone id .*, got "zone-1"/],
    ['an invalid domain name', withChange((c) => ((c.domains as Record<string, unknown>)['bad..example.com'] = { ...c.domains['example.com'] })), /mtaSts.domains\["bad..example.com"\]: `domain name` must be a domain name, got "bad..example.com"/],
    ['a zone that does not hold the domain', withChange((c) => (c.domains['example.com'].hostedZoneName = 'example.org')), /`hostedZoneName` "example.org" does not hold the domain "example.com"/],
    ['a bad mx', withChange((c) => (c.domains['example.com'].mx = ['mail.*.example.com'])), /mtaSts.domains\["example.com"\]: `mx\[0\]` "mail.\*.example.com" is not a valid MX pattern/],
    ['no mx', withChange((c) => (c.domains['example.com'].mx = [])), /mtaSts.domains\["example.com"\]: `mx` is empty/],
    ['max_age 0', withChange((c) => ((c.domains['example.com'] as Record<string, unknown>).maxAge = 0)), /mtaSts.domains\["example.com"\]: `maxAge` must be at least 1 second, got 0/],
    ['a bad override', withChange((c) => (c.stages.prod.domains['example.com'].maxAge = 99999999)), /mtaSts.stages.prod.domains\["example.com"\]: `maxAge` must be at most 31557600 seconds, got 99999999/],
    ['a bad destination', withChange((c) => (c.domains['example.com'].tlsRpt = ['ftp://x.example.com'])), /mtaSts.domains\["example.com"\]: `tlsRpt\[0\]` "ftp:\/\/x.example.com" is not a valid TLS-RPT destination: only mailto: and https:/],
    ['a mailto without @', withChange((c) => (c.domains['example.com'].tlsRpt = ['mailto:tlsrpt'])), /`tlsRpt\[0\]` "mailto:tlsrpt" is not a valid TLS-RPT destination: a mailto: destination needs one address/],
    ['an override of an unknown domain', withChange((c) => ((c.stages.dev.domains as Record<string, unknown>)['other.example.com'] = {})), /mtaSts.stages.dev.domains\["other.example.com"\]: "other.example.com" is not in mtaSts.domains/],
    ['an unknown default stage', withChange((c) => (c.defaultStage = 'qa')), 'mtaSts.defaultStage: "qa" is not a stage; known stages: dev, prod, all'],
  ])('%s', (_name, raw, message) => {
    let error: unknown;
    try {
      parseConfig(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as Error).message;
    if (typeof message === 'string') expect(text).toContain(message);
    else expect(text).toMatch(message);
  });

  test('every problem of a kind is listed at once: shapes first, then values', () => {
    const shapes = base();
    shapes.stages.dev.account = 'x';
    shapes.stages.prod.region = 'x';
    expect(() => parseConfig(shapes)).toThrow(/^2 problems in the configuration:\n  - mtaSts.stages.dev.account.*\n  - mtaSts.stages.prod.region/);
    const values = base();
    values.domains['example.com'].mx = [];
    values.domains['dev.example.com'].mx = ['*'];
    expect(() => parseConfig(values)).toThrow(/^2 problems in the configuration:\n  - mtaSts.domains\["example.com"\]: `mx` is empty.*\n  - mtaSts.domains\["dev.example.com"\]: `mx\[0\]`/);
  });

  test('jsonPath quotes keys that are not identifiers', () => {
    expect(jsonPath(['domains', 'a.example', 'mx', 2])).toBe('mtaSts.domains["a.example"].mx[2]');
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mta-sts-config-'));

  test('reads context.mtaSts from a cdk.json', () => {
    const file = join(dir, 'cdk.json');
    writeFileSync(file, JSON.stringify({ app: 'x', context: { mtaSts: base() } }));
    expect(Object.keys(loadConfigFile(file).stages)).toEqual(['dev', 'prod', 'all']);
  });

  test('a missing file and invalid JSON are refused with a message', () => {
    expect(() => loadConfigFile(join(dir, 'nope.json'))).toThrow(/cannot read .*nope.json: ENOENT; run from the app's folder or pass --config PATH/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "context": ');
    expect(() => loadConfigFile(bad)).toThrow(/bad.json is not valid JSON/);
  });
});
