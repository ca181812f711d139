import { App, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CONFIG_CONTEXT_KEY, parseConfig, resolveStage } from '../config/stage-config';
import { MtaSts } from '../constructs/mta-sts';
import { TlsRptCollector } from '../constructs/tls-rpt-collector';
import { buildStage } from './build-app';

/** Options of `MtaStsStages.fromContext`. */
export interface MtaStsStagesOptions {
  /**
   * The stage to build.
   * @default - the context value `stage` (`cdk synth -c stage=NAME`), else the config's `defaultStage`
   */
  readonly stage?: string;
}

/** The stacks and constructs built for one stage. */
export interface MtaStsStageResult {
  /** The stage's name. */
  readonly stageName: string;
  /** Every stack built: per group a domain stack, its us-east-1 certificate stack, and the collector's. */
  readonly stacks: Stack[];
  /** One `MtaSts` per domain of the stage, in config order. */
  readonly domains: MtaSts[];
  /**
   * The stage's TLS-RPT collector.
   * @default - none, when the stage has no `collector`
   */
  readonly collector?: TlsRptCollector;
}

/**
 * The stage config as a library feature: builds the stacks of one stage of the `mtaSts` object
 * in the context of your own `cdk.json` (see the README's "Stage config"), the same way the
 * example app of this package does.
 *
 * @exampleMetadata nofixture
 * @example
 * import { App } from 'aws-cdk-lib';
 * import { MtaStsStages } from 'cdk-mta-sts';
 *
 * const app = new App();
 * MtaStsStages.fromContext(app);
 * app.synth();
 */
export class MtaStsStages {
  /**
   * Validates `context.mtaSts` and builds the stacks of one stage into `scope` (an `App`, or a
   * `Stage` of a CDK pipeline). Throws an `Error` naming the JSON path, the value and the fix
   * when the configuration is invalid: nothing is built then.
   */
  public static fromContext(scope: Construct, options: MtaStsStagesOptions = {}): MtaStsStageResult {
    const config = parseConfig(scope.node.tryGetContext(CONFIG_CONTEXT_KEY));
    const wanted: unknown = options.stage ?? scope.node.tryGetContext('stage');
    const stage = resolveStage(config, typeof wanted === 'string' ? wanted : undefined);
    const built = buildStage(scope, stage);
    const stacks = [...built.certificateStacks.values(), ...built.stacks.values(), ...(built.collectorStack ? [built.collectorStack] : [])];
    return { stageName: stage.name, stacks, domains: [...built.domains.values()], collector: built.collector };
  }

  /**
   * A complete CDK app for a Node.js entry point (`bin/app.ts`): a new `App` with the selected
   * stage built. A bad configuration is one line on stderr and exit code 1, not a stack trace.
   * In other languages, use `fromContext` (this method ends the process on bad config).
   */
  public static app(): App {
    const app = new App();
    try {
      MtaStsStages.fromContext(app);
    } catch (e) {
      process.stderr.write(`cdk-mta-sts: ${(e as Error).message}\n`);
      process.exit(1);
    }
    return app;
  }

  private constructor() {}
}
