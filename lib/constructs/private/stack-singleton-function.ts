import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IDependable } from 'constructs';
import { handlerFunction, HandlerFunctionProps } from './handler-function';

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

  /**
   * What a custom resource depends on so that the grants made so far are in place before it is
   * created or updated: the role and its policies. Not the function: the service token's
   * `GetAtt` orders that already (a `DependsOn` on it is cfn-lint's W3005, which the built-in
   * template validation reports).
   */
  public get grants(): IDependable {
    return this.role;
  }

  protected constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const made = handlerFunction(this, { logGroup: 'LogGroup', role: 'Role', function: 'Function' }, props);
    this.function = made.function;
    this.role = made.role;
  }
}
