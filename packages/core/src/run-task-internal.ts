import type { Effect, Operation, Scope } from "effection";
import {
  type Destructor,
  enteredIn,
  haltChildTasks,
  NO_STEPS,
  takeChildFailures,
} from "./effection-seam-internal.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { CurrentTask } from "./task-registry-internal.ts";

const UNWOUND = { how: "unwound" } as const;

/**
 * The effection task of a quiesce task. The body runs directly in this task's
 * scope, as the body of an effection `spawn` does, so it is scheduled the same
 * way. Its outcome is kept, not thrown: whatever ends the body (a return, a
 * throw, a failing child, a halt), the task's children are halted next. The node
 * settles at the effection task's very end ({@link settleAtEnd}). No failure
 * passes on to the spawner.
 */
export function* runTask<T>(node: TaskNode<T>, factory: () => Operation<T>): Operation<void> {
  if (!node.begin()) return;
  const body = new TaskBody(node, factory);
  try {
    const value = yield* body;
    node.bodyEnded({ how: "returned", value });
  } catch (error) {
    node.bodyEnded({ how: "threw", error });
  } finally {
    // Reached by a halt too (then nothing above was recorded: "unwound").
    node.bodyEnded(UNWOUND);
    const scope = body.scope;
    try {
      if (scope !== undefined) yield* haltChildTasks(scope);
    } catch (error) {
      node.teardownFailed(error);
    }
  }
}

/**
 * The destructor of a task's own scope that settles its node: it runs when the
 * effection task is torn down, after the task's children and its other
 * destructors, so a settled task has nothing left running, not even effection's
 * own teardown (a spawner that waited for it never halts what is left of it).
 * Also when a halt ended the teardown of the children early, and for a task halted
 * before its first step (with its spawner's scope).
 */
export function settleAtEnd(node: TaskNode<unknown>): Destructor {
  return () => {
    node.finish();
    return NO_STEPS;
  };
}

/**
 * The body of a task, run through: it learns the task's scope when the body
 * enters its first effect, so that it takes no step of its own (a body that
 * never yields needs no scope: it can have no children), and it is the task's
 * error boundary. One object per task, no closures.
 */
class TaskBody<T>
  implements Iterable<Effect<unknown>, T, unknown>, Iterator<Effect<unknown>, T, unknown>
{
  /** The task's scope, once the body has entered its first effect. */
  scope: Scope | undefined = undefined;
  private body: Iterator<Effect<unknown>, T, unknown> | undefined = undefined;
  private started = false;

  constructor(
    private readonly node: TaskNode<T>,
    private readonly factory: () => Operation<T>,
  ) {}

  [Symbol.iterator](): this {
    this.body = this.factory()[Symbol.iterator]();
    return this;
  }

  next(input: unknown): IteratorResult<Effect<unknown>, T> {
    const body = this.body!;
    if (this.started) return body.next(input);
    this.started = true;
    const first = body.next(input);
    return first.done ? first : { done: false, value: enteredIn(first.value, this) };
  }

  throw(error: unknown): IteratorResult<Effect<unknown>, T> {
    const body = this.body!;
    if (body.throw) return body.throw(error);
    throw error;
  }

  return(value: T): IteratorResult<Effect<unknown>, T> {
    const body = this.body!;
    return body.return ? body.return(value) : { done: true, value };
  }

  /** The body entered its first effect, in the task's scope. */
  takeScope(scope: Scope): void {
    this.scope = scope;
    scope.set(CurrentTask, this.node as TaskNode<unknown>);
    takeChildFailures(scope, this);
  }

  /** A child failed (the task's error boundary). */
  raise(error: unknown): void {
    this.node.childFailed(error);
  }
}
