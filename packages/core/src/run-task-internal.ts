import type { Effect, Operation, Scope } from "effection";
import {
  enteredIn,
  haltChildTasks,
  takeChildFailures,
  whenDestroyed,
} from "./effection-seam-internal.ts";
import type { TaskNode } from "./task-handle.ts";
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
  let scope: Scope | undefined;
  try {
    const value = yield* inTaskScope(factory, (entered) => {
      scope = entered;
      entered.set(CurrentTask, node as TaskNode<unknown>);
      takeChildFailures(entered, (error) => node.childFailed(error));
    });
    node.bodyEnded({ how: "returned", value });
  } catch (error) {
    node.bodyEnded({ how: "threw", error });
  } finally {
    // Reached by a halt too (then nothing above was recorded: "unwound").
    node.bodyEnded({ how: "unwound" });
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
 * Runs the operation of `factory` and hands `onScope` the task's scope when the
 * operation enters its first effect, so that it takes no step of its own (a
 * body that never yields needs no scope: it can have no children).
 */
function inTaskScope<T>(
  factory: () => Operation<T>,
  onScope: (scope: Scope) => void,
): Iterable<Effect<unknown>, T, unknown> {
  return {
    [Symbol.iterator]() {
      const body = factory()[Symbol.iterator]();
      let started = false;
      return {
        next(input: unknown) {
          if (started) return body.next(input);
          started = true;
          const first = body.next(input);
          return first.done ? first : { done: false, value: enteredIn(first.value, onScope) };
        },
        throw: (error: unknown) => {
          if (body.throw) return body.throw(error);
          throw error;
        },
        return: (value: T) => (body.return ? body.return(value) : { done: true, value }),
      };
    },
  };
}
