import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildStage } from '../../lib/app/build-app';
import { ConfigError, parseConfig, resolveStage, StageHosting } from '../../lib/config/stage-config';
import { estimateStageRoles, MAX_STACK_RESOURCES } from '../../lib/config/stage-stacks';
import { DEFAULT_PLACEMENT_STACKS } from '../../lib/config/placement';
import { FleetShape, fleetConfig, measureGroup } from './fleet';

/** A fleet shape; the stage is `shared` unless `hosting` says otherwise, domains are placed automatically unless `stack` is given. */
type Shape = FleetShape;

const config = (n: number, s: Shape) => fleetConfig(n, { ...s, hosting: s.hosting ?? 'shared' });

/** Synthesizes the stage as the app does (CDK's own resource check off) and measures the group "Bulk". */
const measure = (n: number, s: Shape) => measureGroup(resolveStage(config(n, { ...s, stack: 'Bulk' }) as never));

function build(n: number, s: Partial<Shape> = {}) {
  const app = new App();
  const built = buildStage(app, resolveStage(parseConfig(config(n, { region: 'us-east-1', mode: 'testing', tlsRpt: true, ...s }))));
  return { app, ...built };
}

const countOf = (stacks: Stack[], type: string) => stacks.reduce((sum, st) => sum + Object.keys(Template.fromStack(st).findResources(type)).length, 0);

describe('"hosting" in the stage config', () => {
  test('"dedicated" is the default; "shared" is read', () => {
    const c = config(1, { region: 'us-east-1', mode: 'testing', tlsRpt: false });
    expect(resolveStage(parseConfig(c)).hosting).toBe(StageHosting.SHARED);
    delete (c.stages.prod as { hosting?: string }).hosting;
    expect(resolveStage(parseConfig(c)).hosting).toBe(StageHosting.DEDICATED);
  });

  test('an unknown value is refused with the path and the choices', () => {
    expect(() => parseConfig(config(1, { region: 'us-east-1', mode: 'testing', tlsRpt: false, hosting: 'multi' }))).toThrow(
      /mtaSts.stages.prod.hosting: .*"dedicated".*"shared".*got "multi"/,
    );
  });

  test('a dedicated stage over 100 domains is an error pointing to "shared"', () => {
    expect(() => parseConfig(config(101, { region: 'us-east-1', mode: 'testing', tlsRpt: false, hosting: 'dedicated' }))).toThrow(
      new ConfigError([
        'mtaSts.stages.prod: 101 domains with "hosting": "dedicated" (the default) make 101 CloudFront distributions and origin access controls, more than the 100 origin access controls an account has by default: set "hosting": "shared" on the stage (one multi-tenant distribution for every domain)',
      ]),
    );
    expect(resolveStage(parseConfig(config(100, { region: 'us-east-1', mode: 'testing', tlsRpt: false, hosting: 'dedicated' }))).domains).toHaveLength(100);
    expect(resolveStage(parseConfig(config(101, { region: 'us-east-1', mode: 'testing', tlsRpt: false }))).domains).toHaveLength(101);
  });

  test('a shared stage whose stacks would make more than 1000 IAM roles is refused, pointing to stack groups', () => {
    // 501 domains, a stack each (given by hand): a publisher and an MX guard role a stack.
    const oneEach = (n: number) => {
      const c = config(n, { region: 'us-east-1', mode: 'testing', tlsRpt: false });
      Object.values(c.domains).forEach((d, i) => ((d as { stack?: string }).stack = `own${i}`));
      return c;
    };
    expect(() => parseConfig(oneEach(501))).toThrow(
      new ConfigError([
        'mtaSts.stages.prod: 501 domains in 501 stacks make about 1002 IAM roles (a publisher and an MX guard a stack), more than the 1000 an account has by default: ' +
          'put the domains in fewer stacks with their "stack" key in mtaSts.domains (a stack holds up to about 60 domains on a shared hosting)',
      ]),
    );
    expect(resolveStage(parseConfig(oneEach(500))).domains).toHaveLength(500);
    // Placed automatically, the same 501 fit: at most DEFAULT_PLACEMENT_STACKS placement stacks.
    expect(estimateStageRoles(resolveStage(parseConfig(config(501, { region: 'us-east-1', mode: 'testing', tlsRpt: false }))))).toBeLessThanOrEqual(2 * DEFAULT_PLACEMENT_STACKS + 2);
    // The same 501 in stack groups of 50: 11 stacks, 22 roles.
    const grouped = config(501, { region: 'us-east-1', mode: 'testing', tlsRpt: false });
    Object.values(grouped.domains).forEach((d, i) => ((d as { stack?: string }).stack = `g${Math.floor(i / 50)}`));
    expect(estimateStageRoles(resolveStage(parseConfig(grouped)))).toBe(22);
  });

  test('outside us-east-1 the cross-region certificate references count: 4 roles a stack, 2 for the hosting', () => {
    expect(estimateStageRoles(resolveStage(parseConfig(config(3, { region: 'eu-west-1', mode: 'testing', tlsRpt: false }))))).toBe(14);
  });

  test('the role estimate is the synthesized count', () => {
    for (const region of ['us-east-1', 'eu-west-1']) {
      const app = new App();
      const stage = resolveStage(parseConfig(config(3, { region, mode: 'testing', tlsRpt: false })));
      const built = buildStage(app, stage);
      const all = [...app.node.children].filter((c): c is Stack => Stack.isStack(c));
      expect([region, countOf(all, 'AWS::IAM::Role')]).toEqual([region, estimateStageRoles(stage)]);
      expect(built.hostingStack).toBeDefined();
    }
  });

  test('a group named like the hosting stack is refused, naming both', () => {
    const c = config(2, { region: 'us-east-1', mode: 'testing', tlsRpt: false });
    (c.domains['d1xx.example.com'] as { stack?: string }).stack = 'hosting';
    expect(() => parseConfig(c)).toThrow(/stack group "hosting" \(d1xx.example.com\) and the stage's shared hosting would make the same stack MtaStsProdHosting/);
  });

  test.each([
    [11, 'dedicated', true],
    [10, 'dedicated', false],
    [11, 'shared', false],
  ])('%i domains, %s: warning cdk-mta-sts:dedicated-many-domains %s', (n, hosting, warned) => {
    const { stacks } = build(n, { hosting, tlsRpt: false });
    const warnings = [...stacks.values()].flatMap((st) => Annotations.fromStack(st).findWarning('*', Match.stringLikeRegexp('dedicated-many-domains')));
    expect(warnings).toHaveLength(warned ? 1 : 0);
    if (warned) expect(JSON.stringify(warnings[0].entry.data)).toMatch(/stage prod has 11 domains .*Set \\"hosting\\": \\"shared\\" on the stage/);
  });
});

describe('a shared stage', () => {
  test('in us-east-1: one hosting stack, the domains in their own stacks, one distribution and origin access control in all', () => {
    const { hostingStack, hosting, stacks, certificateStacks } = build(3);
    expect([hostingStack!.stackName, hostingStack!.region]).toEqual(['MtaStsProdHosting', 'us-east-1']);
    expect(certificateStacks.size).toBe(0);
    const all = [hostingStack!, ...stacks.values()];
    expect(countOf(all, 'AWS::CloudFront::Distribution')).toBe(1);
    expect(countOf(all, 'AWS::CloudFront::OriginAccessControl')).toBe(1);
    expect(countOf(all, 'AWS::CloudFront::DistributionTenant')).toBe(3);
    expect(hosting!.domains.map((d) => d.domainName)).toEqual(['d0xx.example.com', 'd1xx.example.com', 'd2xx.example.com']);
    // The hosting's own certificate pins TLSv1.2_2021; each tenant has its own.
    Template.fromStack(hostingStack!).hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021' }) }),
    });
    for (const st of stacks.values()) {
      expect(st.dependencies).toContain(hostingStack);
      Template.fromStack(st).resourceCountIs('AWS::CertificateManager::Certificate', 1);
    }
    Annotations.fromStack(hostingStack!).hasNoWarning('*', Match.stringLikeRegexp('hosting-security-policy'));
  });

  test('independent stacks stay independent: a domain stack depends on the hosting (and its own certificate stack) only, never on another domain stack', () => {
    // 40 domains placed automatically outside us-east-1: many placement stacks and their certificate stacks.
    const { app } = build(40, { region: 'eu-west-1' });
    const assembly = app.synth();
    const deps = new Map(assembly.stacks.map((st) => [st.id, st.dependencies.map((d) => d.id).filter((id) => !id.endsWith('.assets')).sort()]));
    const domainStacks = [...deps.keys()].filter((id) => /^MtaStsProdShard\d+$/.test(id));
    expect(domainStacks.length).toBeGreaterThan(10);
    for (const id of domainStacks) expect([id, deps.get(id)]).toEqual([id, [`${id}Certificates`, 'MtaStsProdHosting'].sort()]);
    for (const id of domainStacks) expect([`${id}Certificates`, deps.get(`${id}Certificates`)]).toEqual([`${id}Certificates`, []]);
    expect(deps.get('MtaStsProdHosting')).toEqual(['MtaStsProdHostingCertificate']);
  });

  test('outside us-east-1: the hosting in the stage region, its certificate and the tenants\' in us-east-1 stacks', () => {
    const { hostingStack, stacks, certificateStacks, app } = build(2, { region: 'eu-west-1' });
    expect([hostingStack!.stackName, hostingStack!.region]).toEqual(['MtaStsProdHosting', 'eu-west-1']);
    const hostingCert = app.node.findChild('MtaStsProdHostingCertificate') as Stack;
    expect(hostingCert.region).toBe('us-east-1');
    Template.fromStack(hostingCert).resourceCountIs('AWS::CertificateManager::Certificate', 1);
    expect([...certificateStacks.values()].map((s) => s.region)).toEqual(['us-east-1', 'us-east-1']);
    for (const st of stacks.values()) {
      Template.fromStack(st).resourceCountIs('AWS::CertificateManager::Certificate', 0);
      Template.fromStack(st).resourceCountIs('AWS::CloudFront::DistributionTenant', 1);
    }
  });

  test('adding a domain leaves the stacks and logical ids of the others unchanged', () => {
    const ids = (b: ReturnType<typeof build>) => Object.fromEntries([...b.stacks].map(([g, st]) => [g, Object.keys(Template.fromStack(st).toJSON().Resources).sort()]));
    const before = ids(build(2));
    const after = ids(build(3));
    for (const [group, resources] of Object.entries(before)) expect(after[group]).toEqual(resources);
  });
});

describe('cdk-nag AwsSolutions on a whole shared stage', () => {
  test.each(['us-east-1', 'eu-west-1'])('in %s: no unacknowledged finding in any of its stacks', (region) => {
    const app = new App();
    buildStage(app, resolveStage(parseConfig(config(3, { region, mode: 'enforce', tlsRpt: true, stack: 'Bulk' }))));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('the stack estimate of a shared stage, measured against synthesized templates', () => {
  const shapes: Shape[] = ['us-east-1', 'eu-west-1'].flatMap((region) => ['testing', 'none'].flatMap((mode) => [false, true].map((tlsRpt) => ({ region, mode, tlsRpt }))));

  test.each(shapes)('resources and outputs are exact for 1 and 3 domains: %j', (shape) => {
    for (const n of [1, 3]) {
      const { actual, estimate } = measure(n, shape);
      expect([n, estimate.resources, estimate.outputs]).toEqual([n, actual.resources, actual.outputs]);
    }
  });

  test.each([
    [shapes[0], 3],
    [shapes[7], 20],
    [{ region: 'us-east-1', mode: 'testing', tlsRpt: true, nameLength: 56, mx: 40 }, 10],
    [{ region: 'eu-west-1', mode: 'enforce', tlsRpt: false, mx: 400 }, 3],
  ] as const)('template bytes: at least the real size, at most 15%% over: %j x %i', (shape, n) => {
    const { actual, estimate } = measure(n, shape);
    expect(estimate.templateBytes).toBeGreaterThanOrEqual(actual.bytes);
    expect(estimate.templateBytes).toBeLessThanOrEqual(actual.bytes * 1.15);
  });

  test('no IAM overflow policies: the publisher is granted the hosting once (resources exact at 40 domains)', () => {
    const { actual, estimate } = measure(40, { region: 'us-east-1', mode: 'testing', tlsRpt: true });
    expect(estimate.resources).toBe(actual.resources);
  });

  test('the largest group the check accepts synthesizes within 500 resources; one more is refused', () => {
    const shape = { region: 'us-east-1', mode: 'testing', tlsRpt: true, stack: 'Bulk' };
    const most = 61;
    const { actual, estimate } = measure(most, shape);
    expect(estimate.resources).toBeLessThanOrEqual(MAX_STACK_RESOURCES);
    expect(actual.resources).toBeLessThanOrEqual(MAX_STACK_RESOURCES);
    expect(() => parseConfig(config(most + 1, shape))).toThrow(/stack group "Bulk" has 62 domains, which make about 504 resources .*\(the first 61 fit in one stack\)/);
  });
});

describe('the stack estimate of domains on external DNS, measured against synthesized templates', () => {
  const shapes: Shape[] = ['us-east-1', 'eu-west-1'].flatMap((region) => ['testing', 'none'].flatMap((mode) => [false, true].map((tlsRpt) => ({ region, mode, tlsRpt, external: true }))));

  test.each(shapes)('resources and outputs are exact for 1 and 3 domains (no alias records, no certificate, no cross-region reader): %j', (shape) => {
    for (const n of [1, 3]) {
      const { actual, estimate } = measure(n, shape);
      expect([n, estimate.resources, estimate.outputs]).toEqual([n, actual.resources, actual.outputs]);
    }
  });

  test.each([
    [shapes[0], 3],
    [shapes[3], 20],
    [shapes[6], 20],
    [{ region: 'us-east-1', mode: 'testing', tlsRpt: true, nameLength: 56, mx: 40, external: true }, 10],
    [{ region: 'eu-west-1', mode: 'enforce', tlsRpt: false, mx: 400, external: true }, 3],
  ] as const)('template bytes: at least the real size, at most 15%% over: %j x %i', (shape, n) => {
    const { actual, estimate } = measure(n, shape);
    expect(estimate.templateBytes).toBeGreaterThanOrEqual(actual.bytes);
    expect(estimate.templateBytes).toBeLessThanOrEqual(actual.bytes * 1.15);
  });

  test('a group of Route 53 and external domains outside us-east-1: resources and outputs exact, bytes an upper bound within 15%', () => {
    const c = config(4, { region: 'eu-west-1', mode: 'testing', tlsRpt: true, external: true, stack: 'Bulk' });
    const [first, second] = Object.values(c.domains) as Record<string, unknown>[];
    for (const [i, d] of [first, second].entries()) Object.assign(d, { dns: undefined, hostedZoneId: `Z${i}`.padEnd(21, 'B'), hostedZoneName: 'example.com' });
    const { actual, estimate } = measureGroup(resolveStage(parseConfig(c)));
    expect([estimate.resources, estimate.outputs]).toEqual([actual.resources, actual.outputs]);
    expect(estimate.templateBytes).toBeGreaterThanOrEqual(actual.bytes);
    expect(estimate.templateBytes).toBeLessThanOrEqual(actual.bytes * 1.15);
  });

  test('CloudFormation\'s 200 outputs bound a group of external domains (two each: the policy URL and the CNAMEs): 100 in mode none synthesize within it, the 101st is refused', () => {
    // Mode none: no MX guard, so 3 resources a domain and the outputs are the binding limit.
    const shape = { region: 'us-east-1', mode: 'none', tlsRpt: false, external: true, stack: 'Bulk' };
    const { actual, estimate } = measure(100, shape);
    expect([estimate.outputs, actual.outputs]).toEqual([200, 200]);
    expect(estimate.resources).toBeLessThanOrEqual(MAX_STACK_RESOURCES);
    expect(() => parseConfig(config(101, shape))).toThrow(
      'mtaSts.stages.prod: stack group "Bulk" has 101 domains, which make 202 outputs in stack MtaStsProdBulk (a domain has one to three: its policy URL, its CNAMEs on external DNS, its bucket and distribution when dedicated), more than the 200 CloudFormation allows in a template: ' +
        'move domains of this group to another one with their "stack" key in mtaSts.domains (the first 100 fit in one stack)',
    );
  });

  test('roles: the MX guard is still there (a Lambda reading DNS), the cross-region pair only for the hosting certificate', () => {
    const app = new App();
    const stage = resolveStage(parseConfig(config(3, { region: 'eu-west-1', mode: 'testing', tlsRpt: false, external: true })));
    buildStage(app, stage);
    const all = [...app.node.children].filter((c): c is Stack => Stack.isStack(c));
    const stacks = new Set(stage.domains.map((d) => d.stack)).size;
    expect(estimateStageRoles(stage)).toBe(2 + 2 * stacks);
    expect(countOf(all, 'AWS::IAM::Role')).toBe(estimateStageRoles(stage));
  });
});

describe('automatic placement of a shared stage\'s domains', () => {
  const stackOf = (c: ReturnType<typeof config>) => new Map(resolveStage(parseConfig(c)).domains.map((d) => [d.domainName, d.stack]));
  const base = () => config(300, { region: 'us-east-1', mode: 'testing', tlsRpt: false });

  test('a domain without `stack` goes to a placement stack chosen by its name alone: adding, removing or reordering others never moves it', () => {
    const before = stackOf(base());
    expect(new Set(before.values()).size).toBeLessThanOrEqual(DEFAULT_PLACEMENT_STACKS);
    expect([...before.values()].every((g) => /^Shard-\d{3}$/.test(g))).toBe(true);
    const added = base();
    (added.domains as Record<string, unknown>)['new-brand.example.com'] = { hostedZoneId: 'ZNEWZONE0000000000000', hostedZoneName: 'example.com', mx: ['mx.new-brand.example.com'] };
    const removed = base();
    delete (removed.domains as Record<string, unknown>)[[...before.keys()][7]];
    const reordered = base();
    reordered.domains = Object.fromEntries(Object.entries(reordered.domains).reverse());
    for (const variant of [added, removed, reordered]) {
      const after = stackOf(variant);
      for (const [domain, stack] of before) if (after.has(domain)) expect([domain, after.get(domain)]).toEqual([domain, stack]);
    }
  });

  test('a placed domain keeps its construct path too, so its logical ids do not change when others come and go', () => {
    const small = (n: number) => config(n, { region: 'us-east-1', mode: 'testing', tlsRpt: false });
    const pathsOf = (c: ReturnType<typeof config>) => {
      const app = new App();
      const built = buildStage(app, resolveStage(parseConfig(c)));
      return new Map([...built.domains.entries()].map(([d, m]) => [d, m.node.path]));
    };
    const before = pathsOf(small(12));
    const after = pathsOf(small(13));
    for (const [d, p] of before) expect(after.get(d)).toBe(p);
  });

  test('placementStacks sets the number of stacks; an explicit stack still wins; placementStacks on a dedicated stage is refused', () => {
    const c = base();
    (c.stages.prod as Record<string, unknown>).placementStacks = 8;
    expect(new Set(stackOf(c).values()).size).toBe(8);
    const given = base();
    (Object.values(given.domains)[0] as { stack?: string }).stack = 'Mine';
    expect(stackOf(given).get(Object.keys(given.domains)[0])).toBe('Mine');
    const dedicated = config(3, { region: 'us-east-1', mode: 'testing', tlsRpt: false, hosting: 'dedicated' });
    (dedicated.stages.prod as Record<string, unknown>).placementStacks = 8;
    expect(() => parseConfig(dedicated)).toThrow('mtaSts.stages.prod.placementStacks: placement stacks are for "hosting": "shared"');
  });

  test('a placement stack that overflows is one error naming it, its count and the fix', () => {
    const c = config(130, { region: 'us-east-1', mode: 'testing', tlsRpt: false });
    (c.stages.prod as Record<string, unknown>).placementStacks = 1;
    expect(() => parseConfig(c)).toThrow(/stack group "Shard-0" has 130 domains, which make about \d+ resources in stack MtaStsProdShard0, more than the 500 CloudFormation allows/);
    expect(() => parseConfig(c)).toThrow(/\(the first \d+ fit in one stack\); for a placement stack, give that key to the domains you are adding: moving a deployed domain re-creates its records$/);
  });
});

describe('tenants across stages', () => {
  test('a tenant domain already used by another stage is one error naming both stages', () => {
    const c = config(2, { region: 'us-east-1', mode: 'testing', tlsRpt: false });
    const stages = c.stages as Record<string, unknown>;
    stages.other = { account: '111111111111', region: 'us-east-1', mode: 'testing' };
    const first = Object.keys(c.domains)[0];
    expect(() => parseConfig(c)).toThrow(
      `mtaSts.domains["${first}"]: "${first}" is in stages "prod" and "other", and "prod" publishes it as a distribution tenant of a shared hosting (its tenant, mta-sts name and records are each one of a kind): list it in the \`domains\` of one stage only`,
    );
    // Two dedicated stages of different domains are fine, as before.
    const d = config(2, { region: 'us-east-1', mode: 'testing', tlsRpt: false, hosting: 'dedicated' });
    const [a, b] = Object.keys(d.domains);
    (d.stages.prod as Record<string, unknown>).domains = { [a]: {} };
    (d.stages as Record<string, unknown>).other = { account: '111111111111', region: 'us-east-1', mode: 'testing', domains: { [b]: {} } };
    expect(() => parseConfig(d)).not.toThrow();
  });

  test('more than 10 000 tenants in one account\'s shared stages is an error naming the stages', () => {
    const c = config(6000, { region: 'us-east-1', mode: 'testing', tlsRpt: false });
    const names = Object.keys(c.domains);
    (c.stages.prod as Record<string, unknown>).domains = Object.fromEntries(names.slice(0, 3000).map((n) => [n, {}]));
    (c.stages as Record<string, unknown>).second = { account: '111111111111', region: 'us-east-1', mode: 'testing', hosting: 'shared', domains: Object.fromEntries(names.slice(3000).map((n) => [n, {}])) };
    const big = config(10_500, { region: 'us-east-1', mode: 'testing', tlsRpt: false });
    const all = Object.keys(big.domains);
    (big.stages.prod as Record<string, unknown>).domains = Object.fromEntries(all.slice(0, 5000).map((n) => [n, {}]));
    (big.stages as Record<string, unknown>).second = { account: '111111111111', region: 'us-east-1', mode: 'testing', hosting: 'shared', domains: Object.fromEntries(all.slice(5000).map((n) => [n, {}])) };
    expect(() => parseConfig(big)).toThrow('mtaSts.stages: the shared stages "prod", "second" of account 111111111111 have 10500 domains, more than the 10000 distribution tenants an account has by default');
    expect(() => parseConfig(c)).not.toThrow(/distribution tenants/);
  });
});
