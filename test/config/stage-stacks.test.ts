import { ConfigError, parseConfig, resolveStage } from '../../lib/config/stage-config';
import { MAX_STACK_RESOURCES } from '../../lib/config/stage-stacks';
import { FleetShape, fleetConfig, measureGroup } from './fleet';

type Shape = Omit<FleetShape, 'hosting' | 'stack'>;

/** `n` domains of one shape in one stack group "Bulk", each in its own zone (the worst case for IAM grants). */
const config = (n: number, s: Shape) => fleetConfig(n, { ...s, stack: 'Bulk' });

/** Synthesizes the group's stack as the app does, CDK's own resource check off, and measures it. */
const measure = (n: number, s: Shape) => measureGroup(resolveStage(parseConfig(config(n, s))));

const shapes: Shape[] = ['us-east-1', 'eu-west-1'].flatMap((region) =>
  ['testing', 'none'].flatMap((mode) => [false, true].map((tlsRpt) => ({ region, mode, tlsRpt }))),
);

describe('the stack estimate, measured against synthesized templates', () => {
  test.each(shapes)('resources and outputs are exact for 1 and 3 domains: %j', (shape) => {
    for (const n of [1, 3]) {
      const { actual, estimate } = measure(n, shape);
      expect([n, estimate.resources, estimate.outputs]).toEqual([n, actual.resources, actual.outputs]);
    }
  });

  test.each([
    ...shapes.map((s) => [s, 3] as const),
    [{ region: 'us-east-1', mode: 'testing', tlsRpt: true, nameLength: 56, mx: 40 }, 3] as const,
    [{ region: 'eu-west-1', mode: 'enforce', tlsRpt: false, mx: 400 }, 2] as const,
  ])('template bytes: at least the real size, at most 15%% over: %j', (shape, n) => {
    const { actual, estimate } = measure(n, shape);
    expect(estimate.templateBytes).toBeGreaterThanOrEqual(actual.bytes);
    expect(estimate.templateBytes).toBeLessThanOrEqual(actual.bytes * 1.15);
  });

  test('past 19 domains (IAM overflow policies): at least the real count, at most 3 over', () => {
    const { actual, estimate } = measure(34, { region: 'us-east-1', mode: 'testing', tlsRpt: true });
    expect(estimate.resources).toBeGreaterThanOrEqual(actual.resources);
    expect(estimate.resources - actual.resources).toBeLessThanOrEqual(3);
  });

  test.each([
    [{ region: 'us-east-1', mode: 'testing', tlsRpt: true }, 44],
    [{ region: 'eu-west-1', mode: 'enforce', tlsRpt: false }, 53],
  ])('the largest group the check accepts synthesizes within 500 resources; one more is refused: %j', (shape, most) => {
    const { actual, estimate } = measure(most, shape);
    expect(estimate.resources).toBeLessThanOrEqual(MAX_STACK_RESOURCES);
    expect(actual.resources).toBeLessThanOrEqual(MAX_STACK_RESOURCES);
    expect(() => parseConfig(config(most + 1, shape))).toThrow(ConfigError);
  });
});

describe('the config check refuses a stack CloudFormation would refuse', () => {
  test('45 domains in one group: the group, the count and the fix, not CDK\'s TooManyResourcesInStack', () => {
    let error: unknown;
    try {
      parseConfig(config(45, { region: 'us-east-1', mode: 'testing', tlsRpt: true }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'mtaSts.stages.prod: stack group "Bulk" has 45 domains, which make about 506 resources in stack MtaStsProdBulk, more than the 500 CloudFormation allows in a stack: ' +
        'move domains of this group to another one with their "stack" key in mtaSts.domains (the first 44 fit in one stack)',
    );
  });

  test('a group whose policies are too big for a 1 MB template: the group, the bytes and the fix', () => {
    expect(() => parseConfig(config(8, { region: 'us-east-1', mode: 'testing', tlsRpt: false, mx: 2500 }))).toThrow(
      /^mtaSts.stages.prod: stack group "Bulk" has 8 domains, which make a template of about \d{7} bytes for stack MtaStsProdBulk, more than the 1000000 \(1 MB\) CloudFormation allows \(long mx lists make it big\): move domains of this group to another one with their "stack" key in mtaSts.domains \(the first \d fit in one stack\)$/,
    );
  });

  test('one domain whose policy alone is over 1 MB: the fix is a shorter mx list', () => {
    expect(() => parseConfig(config(1, { region: 'us-east-1', mode: 'testing', tlsRpt: false, mx: 15_000 }))).toThrow(/stack group "Bulk" has 1 domains, which make a template of about \d+ bytes .*: even its first domain is too big for one stack: give it fewer or shorter mx patterns$/);
  });

  test('the default (a stack per domain) is never near the limits', () => {
    const c = config(60, { region: 'us-east-1', mode: 'testing', tlsRpt: true });
    for (const d of Object.values(c.domains)) delete (d as { stack?: string }).stack;
    expect(resolveStage(parseConfig(c)).domains).toHaveLength(60);
  });
});
