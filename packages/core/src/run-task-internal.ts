import type { Effect, Operation, Scope } from "effection";
import {
  enteredIn,
  haltChildTasks,
  takeChildFailures,
  whenDestroyed,
} from "./effection-seam-internal.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { CurrentTask, started } from "./task-registry-internal.ts";

/**
 * The effection task of a quiesce task. The body runs directly in this task's
 * scope, as the body of an effection `spawn` does, so it is scheduled the same
 * way. Its outcome is kept, not thrown: whatever ends the body (a return, a
 * throw, a failing child, a halt), the task's children are halted next, and only
 * then does the node settle. No failure passes on to the spawner.
 */
export function* runTask<T>(node: TaskNode<T>, factory: () => Operation<T>): Operation<void> {
  if (!node.begin()) return;
  started(node as TaskNode<unknown>);
  const body = new TaskBody(node, factory);
  try {
    const value = yield* body;
    node.bodyEnded({ how: "returned", value });
  } catch (error) {
    node.bodyEnded({ how: "threw", error });
  } finally {
    // Reached by a halt too (then nothing above was recorded: "unwound").
    node.bodyEnded({ how: "unwound" });
    const scope = body.scope;
    let over = false;
    try {
      if (scope !== undefined) yield* haltChildTasks(scope);
      over = true;
    } catch (error) {
      node.teardownFailed(error);
      over = true;
    } finally {
      // A halt that comes while the children are being halted ends this block
      // early: the node then settles once the task's scope is torn down, after
      // its children.
      if (over || scope === undefined) node.finish();
      else whenDestroyed(scope, () => node.finish());
    }
  }
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
