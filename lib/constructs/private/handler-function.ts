import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { handlerCode } from './handler-code';

/** The construct ids of a handler's three parts (stable: they name the logical ids). */
export interface HandlerFunctionIds {
  readonly logGroup: string;
  readonly role: string;
  readonly function: string;
}

/** How a handler function is made. */
export interface HandlerFunctionProps {
  /** The bundled handler's name (`assets/<name>/`). */
  readonly handler: string;
  /** What the function does, for the console (prefixed with `cdk-mta-sts: `). */
  readonly description: string;
  /**
   * What the role is for.
   * @default - the function's description
   */
  readonly roleDescription?: string;
  /** How long one invocation may run. */
  readonly timeout: Duration;
  /**
   * Memory in MiB.
   * @default 256
   */
  readonly memorySize?: number;
  /** Anything else of the function (environment, retries, failure destination). */
  readonly extra?: Partial<lambda.FunctionProps>;
}

/**
 * A handler Lambda of cdk-mta-sts with its own role (nothing but its log group until grants
 * are added) and its own log group (90 days): Node.js 24 on arm64, the code bundled at build
 * time. Every Lambda of the library is made here, so they all share these settings.
 */
export function handlerFunction(scope: Construct, ids: HandlerFunctionIds, props: HandlerFunctionProps): { function: lambda.Function; role: iam.Role } {
  const logGroup = new logs.LogGroup(scope, ids.logGroup, { retention: logs.RetentionDays.THREE_MONTHS });
  const role = new iam.Role(scope, ids.role, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `cdk-mta-sts: ${props.roleDescription ?? props.description}`,
  });
  logGroup.grantWrite(role);
  const fn = new lambda.Function(scope, ids.function, {
    description: `cdk-mta-sts: ${props.description}`,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: handlerCode(props.handler),
    role,
    logGroup,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout,
    ...props.extra,
  });
  fn.node.addDependency(role);
  return { function: fn, role };
}
