// Generated stage configs of many domains of one shape, and the measurement of one stack group
// against its synthesized template: what the stack-estimate tests of both hostings share.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildStage } from '../../lib/app/build-app';
import { ResolvedStage } from '../../lib/config/stage-config';
import { estimateDomainStack, groupsOf } from '../../lib/config/stage-stacks';

export interface FleetShape {
  readonly region: string;
  readonly mode: string;
  readonly tlsRpt: boolean;
  /** mx patterns a domain. */
  readonly mx?: number;
  /** Characters of each domain name. */
  readonly nameLength?: number;
  /** The stage's `hosting`; left out when not given. */
  readonly hosting?: string;
  /** The stack group of every domain; left out when not given. */
  readonly stack?: string;
  /** Every domain on external DNS (`"dns": "external"`, the stage's `delegationZone` holding its records). */
  readonly external?: boolean;
}

/** The delegation zone of a fleet of external domains. */
export const FLEET_DELEGATION_ZONE = { hostedZoneId: 'Z0DELEGATION', zoneName: 'mta-sts.ops.example.net' };

/** `n` domains of one shape, each in its own zone (the worst case for IAM grants) or on external DNS, in stage `prod`. */
export function fleetConfig(n: number, s: FleetShape) {
  const name = (i: number) => `d${i}`.padEnd((s.nameLength ?? 16) - '.example.com'.length, 'x') + '.example.com';
  return {
    domains: Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        name(i),
        {
          ...(s.external ? { dns: 'external' } : { hostedZoneId: `Z${i}`.padEnd(21, 'A'), hostedZoneName: 'example.com' }),
          mx: Array.from({ length: s.mx ?? 1 }, (_, j) => `mx${j}.${name(i)}`),
          ...(s.stack ? { stack: s.stack } : {}),
          ...(s.tlsRpt ? { tlsRpt: ['mailto:tlsrpt@reports.example.com'] } : {}),
        },
      ]),
    ),
    stages: { prod: { account: '111111111111', region: s.region, mode: s.mode, ...(s.hosting ? { hosting: s.hosting } : {}), ...(s.external ? { delegationZone: FLEET_DELEGATION_ZONE } : {}) } },
    defaultStage: 'prod',
  };
}

/** Synthesizes the stage as the app does (CDK's own resource check off) and measures `group` against its estimate. */
export function measureGroup(stage: ResolvedStage, group = 'Bulk') {
  const app = new App({ context: { '@aws-cdk/core:stackResourceLimit': 0 } });
  const built = buildStage(app, stage);
  const asm = app.synth();
  const artifact = asm.getStackByName(built.stacks.get(group)!.stackName);
  const actual = {
    resources: Object.keys(artifact.template.Resources).length,
    bytes: statSync(join(asm.directory, artifact.templateFile)).size,
    outputs: Object.keys(artifact.template.Outputs ?? {}).length,
  };
  return { actual, estimate: estimateDomainStack(stage, group, groupsOf(stage).get(group)!) };
}
