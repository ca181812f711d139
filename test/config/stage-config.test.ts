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

  test('trustHttpsReports: off unless the config says true; a non-boolean is refused', () => {
    expect(resolveStage(parseConfig(withCollector({ https: channel })), 'prod').collector!.trustHttpsReports).toBe(false);
    expect(resolveStage(parseConfig(withCollector({ https: channel, trustHttpsReports: true })), 'prod').collector!.trustHttpsReports).toBe(true);
    expect(() => parseConfig(withCollector({ https: channel, trustHttpsReports: 'yes' }))).toThrow(/mtaSts\.stages\.prod\.collector\.trustHttpsReports/);
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

describe('hostile and colliding keys', () => {
  const refusal = (raw: unknown): string => {
    try {
      parseConfig(raw);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  test.each(['constructor', 'toString', 'hasOwnProperty'])('a stage override of the domain %j is an unknown domain, not a TypeError', (key) => {
    const c = base();
    (c.stages.dev.domains as Record<string, unknown>)[key] = {};
    expect(refusal(c)).toBe(`mtaSts.stages.dev.domains.${key}: "${key}" is not in mtaSts.domains; add it there (hosted zone, mx) or fix the name. Known: example.com, dev.example.com`);
  });

  test('a domain key "constructor" is not a domain name', () => {
    const c = base();
    (c.domains as Record<string, unknown>)['constructor'] = { ...c.domains['example.com'] };
    expect(refusal(c)).toContain('mtaSts.domains.constructor: `domain name` must be a domain name, got "constructor": it has a single label');
  });

  test.each(['constructor', '__proto__', 'toString', 'valueOf'])('--stage %j is no such stage', (name) => {
    expect(() => resolveStage(parseConfig(base()), name)).toThrow(`stage "${name}" is not in mtaSts.stages; known stages: dev, prod, all`);
  });

  test('a defaultStage of "constructor" is not a stage', () => {
    const c = base();
    c.defaultStage = 'constructor';
    expect(refusal(c)).toBe('mtaSts.defaultStage: "constructor" is not a stage; known stages: dev, prod, all');
  });

  test('a "__proto__" key, as JSON.parse gives it, is refused rather than dropped', () => {
    const text = JSON.stringify(base()).replace('"domains":{', '"domains":{"__proto__":{"hostedZoneId":"Z1EXAMPLE","hostedZoneName":"example.com","mx":["mx1.example.com"]},');
    const raw = JSON.parse(text);
    expect(Object.keys(raw.domains)).toContain('__proto__');
    expect(refusal(raw)).toBe('mtaSts.domains.__proto__: the key "__proto__" cannot be used (JavaScript reads it as the object\'s prototype, so it would be ignored): remove or rename it');
    const inStage = JSON.parse(JSON.stringify(base()).replace('"dev.example.com":{}', '"dev.example.com":{},"__proto__":{}'));
    expect(refusal(inStage)).toContain('mtaSts.stages.dev.domains.__proto__: the key "__proto__" cannot be used');
  });

  test.each([
    ['case', 'Example.COM'],
    ['a trailing dot', 'example.com.'],
  ])('two keys for one domain (%s) are one error naming both', (_name, other) => {
    const c = base();
    (c.domains as Record<string, unknown>)[other] = { ...c.domains['example.com'] };
    expect(refusal(c)).toBe(
      `mtaSts.domains: "example.com" and ${JSON.stringify(other)} are the same domain example.com (DNS names ignore case and a trailing dot): keep one key for it and merge their settings, or both would publish the records of example.com`,
    );
  });

  test('a U-label and its A-label are one domain too', () => {
    const c = base();
    const d = { hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', mx: ['mx1.example.com'] };
    Object.assign(c.domains, { 'bücher.example.com': d, 'xn--bcher-kva.example.com': d });
    expect(refusal(c)).toContain('mtaSts.domains: "bücher.example.com" and "xn--bcher-kva.example.com" are the same domain xn--bcher-kva.example.com');
  });

  test('a stage override spelled differently from its domain key says which key to write', () => {
    const c = base();
    (c.stages.dev.domains as Record<string, unknown>)['Dev.Example.com'] = {};
    expect(refusal(c)).toBe('mtaSts.stages.dev.domains["Dev.Example.com"]: "Dev.Example.com" is not in mtaSts.domains; write it as "dev.example.com", the key it has there');
  });

  test('stack groups "Main" and "main": one error naming both and the fix, not CDK\'s "There is already a Construct"', () => {
    const c = base();
    (c.domains['example.com'] as Record<string, unknown>).stack = 'Main';
    c.domains['dev.example.com'].stack = 'main';
    expect(refusal(c)).toBe(
      'mtaSts.stages.all: stack group "Main" (example.com) and stack group "main" (dev.example.com) would make the same stack MtaStsAllMain ' +
        '(stack ids keep only letters and digits, and capitalise each word): give the domains of one of them another "stack" value in mtaSts.domains, or the same one to put them in one stack',
    );
  });

  test('a group named like the collector or like another group\'s certificate stack', () => {
    const collector = base();
    (collector.stages.prod as Record<string, unknown>).collector = { email: { domainName: 'tlsrpt.example.com', hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com' } };
    (collector.domains['example.com'] as Record<string, unknown>).stack = 'Collector';
    expect(refusal(collector)).toContain('mtaSts.stages.prod: stack group "Collector" (example.com) and the stage\'s collector would make the same stack MtaStsProdCollector');
    const certificates = base();
    (certificates.domains['example.com'] as Record<string, unknown>).stack = 'x';
    certificates.domains['dev.example.com'].stack = 'x-certificates';
    (certificates.stages.prod as Record<string, unknown>).domains = { 'example.com': {}, 'dev.example.com': {} };
    expect(refusal(certificates)).toContain(
      'mtaSts.stages.prod: the certificate stack of stack group "x" (example.com) and stack group "x-certificates" (dev.example.com) would make the same stack MtaStsProdXCertificates',
    );
  });

  test('a group named like the drift monitor\'s own stack (a stage without a collector) is refused, not CDK\'s "There is already a Construct"', () => {
    const c = base();
    (c.stages.prod as Record<string, unknown>).monitor = {};
    (c.domains['example.com'] as Record<string, unknown>).stack = 'Monitor';
    expect(refusal(c)).toContain('mtaSts.stages.prod: stack group "Monitor" (example.com) and the stage\'s drift monitor would make the same stack MtaStsProdMonitor');
  });

  test('stages whose stack names collide in one account', () => {
    const c = base();
    (c.stages as Record<string, unknown>).Dev = { ...c.stages.dev };
    expect(refusal(c)).toBe('mtaSts.stages: stages "dev" and "Dev" would both deploy stacks named MtaStsDev… in account 111111111111, each replacing the other\'s: rename one of them');
  });
});

describe('regions, record lengths and names', () => {
  const refusal = (change: (c: ReturnType<typeof base>) => void): string => {
    const c = base();
    change(c);
    try {
      parseConfig(c);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  test('a region that looks right but does not exist', () => {
    expect(refusal((c) => (c.stages.dev.region = 'eu-west-9'))).toBe(
      'mtaSts.stages.dev.region: "eu-west-9" is not an AWS region aws-cdk-lib knows; check the spelling (for example eu-west-1), or upgrade aws-cdk-lib if the region is newer than it',
    );
  });

  test('a region outside the aws partition', () => {
    expect(refusal((c) => (c.stages.prod.region = 'cn-north-1'))).toMatch(/^mtaSts.stages.prod.region: "cn-north-1" is in the aws-cn partition, but the app puts the stage's certificates in us-east-1/);
  });

  test.each(['us-east-1', 'eu-west-1', 'ap-southeast-7', 'mx-central-1'])('%s is accepted', (region) => {
    expect(() => parseConfig({ ...base(), stages: { ...base().stages, dev: { ...base().stages.dev, region } } })).not.toThrow();
  });

  const longMailto = (n: number) => `mailto:${'r'.repeat(n)}@example.com`;

  test('a tlsRpt over one 255-byte TXT string, with its JSON path', () => {
    expect(refusal((c) => (c.domains['example.com'].tlsRpt = [longMailto(120), longMailto(121)]))).toBe(
      'mtaSts.domains["example.com"].tlsRpt: `tlsRpt` makes a TXT value of 296 bytes, more than 255: mimecast loses URIs split across strings; give fewer or shorter destinations',
    );
    expect(refusal((c) => ((c.stages.prod.domains['example.com'] as Record<string, unknown>).tlsRpt = [longMailto(240)]))).toMatch(
      /^mtaSts.stages.prod.domains\["example.com"\].tlsRpt: `tlsRpt` makes a TXT value of 275 bytes, more than 255/,
    );
  });

  test('a collector whose destinations make a record over 255 bytes', () => {
    const message = refusal((c) => {
      (c.stages.prod as Record<string, unknown>).collector = {
        email: { domainName: 'tlsrpt.example.com', hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', localPart: 'r'.repeat(60) },
        https: { domainName: 'tlsrpt.example.com', hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', path: 'p/'.repeat(80) },
      };
    });
    expect(message).toMatch(/^mtaSts.stages.prod.collector: `tlsRpt` makes a TXT value of \d+ bytes, more than 255/);
  });

  test('a domain over 56 characters: the certificate limit with the path, the length and the fix', () => {
    const long = 'a'.repeat(45) + '.example.com';
    const message = refusal((c) => ((c.domains as Record<string, unknown>)[long] = { ...c.domains['example.com'] }));
    expect(message).toBe(
      `mtaSts.domains["${long}"]: \`domain name\` "${long}" makes the policy host "mta-sts.${long}" of 65 characters, more than the 64 ACM allows in a certificate's domain name ` +
        `(at most 56 for the domain): use a shorter domain, or pass your own \`certificate\` to MtaSts (a us-east-1 certificate with a shorter domain name that lists "mta-sts.${long}" as a subject alternative name)`,
    );
  });
});

test('resolveStage of a config built by hand, with an override of a domain it does not have: the message, not a TypeError', () => {
  const c = parseConfig(base());
  const hand = { ...c, stages: { ...c.stages, dev: { ...c.stages.dev, domains: { constructor: {} } } } };
  expect(() => resolveStage(hand, 'dev')).toThrow('mtaSts.stages.dev.domains.constructor: "constructor" is not in mtaSts.domains; add it there (hosted zone, mx) or fix the name. Known: example.com, dev.example.com');
});
