import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { handlerCode } from './handler-code';

/** How a stack-wide handler is made. */
export interface StackSingletonFunctionProps {
  /** The bundled handler's name (`assets/<name>/`). */
  readonly handler: string;
  /** What the function does, for the console. */
  readonly description: string;
  /** How long one invocation may run. */
  readonly timeout: Duration;
  /**
   * Memory in MiB.
   * @default 256
   */
  readonly memorySize?: number;
}

/**
 * A Lambda function that exists once per stack (found with `tryFindChild`, never a static
 * map), with its own role (nothing but its log group until grants are added) and its own log
 * group (90 days). The providers of cdk-mta-sts extend it and add scoped grants per domain.
 */
export abstract class StackSingletonFunction extends Construct {
  /** The instance of type `type` with construct id `id` in `scope`'s stack, created on first use. */
  protected static singleton<T extends StackSingletonFunction>(scope: Construct, id: string, create: (stack: Stack, id: string) => T): T {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild(id) as T | undefined) ?? create(stack, id);
  }

  /** The function (the custom resources' service token). */
  public readonly function: lambda.IFunction;
  /** The function's role, for grants. */
  protected readonly role: iam.Role;

  protected constructor(scope: Construct, id: string, props: StackSingletonFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.THREE_MONTHS });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `cdk-mta-sts: ${props.description}`,
    });
    logGroup.grantWrite(this.role);
    this.function = new lambda.Function(this, 'Function', {
      description: `cdk-mta-sts: ${props.description}`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: handlerCode(props.handler),
      role: this.role,
      logGroup,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
    });
    this.function.node.addDependency(this.role);
  }
}
