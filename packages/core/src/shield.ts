import {
  type Effect,
  Err,
  Ok,
  type Operation,
  type Result,
  type Scope,
  scoped,
  useScope,
} from "effection";
import { CancelledError } from "./errors.ts";
import { type OperationLike, toFactory } from "./operation-like-internal.ts";
import { CurrentTask } from "./task-registry-internal.ts";
import { expectDuration } from "./validate.ts";

/**
 * Options of {@link shield}.
 *
 * @example
 * ```ts
 * import type { ShieldOptions } from "@quiesce/core";
 *
 * yield* shield(flush(), { budgetMs: 2_000 } satisfies ShieldOptions);
 * ```
 */
export interface ShieldOptions {
  /**
   * How long the shielded operation may go on once an outer cancel has arrived,
   * in milliseconds. Required: there is no unbounded shield by accident.
   */
  budgetMs: number;
}

/**
 * Runs `op` so that an outer cancellation does not interrupt it: the caller's
 * halt waits until `op` finishes, and then proceeds. From the moment the outer
 * cancel arrives, `op` has `budgetMs` left; when that runs out it is interrupted
 * (its `finally` blocks run) and the halt goes on. A shield that is never
 * cancelled runs as long as its operation does. `op` runs as a task of its own
 * below the caller (what it acquires is released when it returns); its value is
 * returned and its failure thrown to the caller, who can catch it.
 *
 * Use it for the few steps that must not stop half-way: committing a write,
 * acknowledging a message, flushing a log.
 *
 * @example
 * ```ts
 * import { shield } from "@quiesce/core";
 *
 * const receipt = yield* shield(commitBatch(batch), { budgetMs: 2000 });
 * ```
 *
 * Cancellation: outer cancels are deferred, not lost: the caller stays where it is
 * (its own `finally` blocks wait too); once `op` returns (or its budget runs out,
 * and `op` is halted with the caller's reason, else `{ kind: "budget", ms }`) the
 * caller is halted as usual, and `shield` does not return.
 */
export function shield<T>(op: OperationLike<T>, options: ShieldOptions): Operation<T> {
  const factory = toFactory("op", op);
  if (options === null || typeof options !== "object") {
    expectDuration("budgetMs", undefined);
  }
  const { budgetMs } = options;
  expectDuration("budgetMs", budgetMs);
  return {
    *[Symbol.iterator]() {
      const scope = yield* useScope();
      return (yield shielded(scope, factory, budgetMs)) as T;
    },
  };
}

/**
 * The effect a shielding caller waits in. `op` runs as a child task of the
 * caller's scope, in a scope of its own (so its failure is thrown here, not raised
 * into the caller). A halt of the caller asks this effect to exit, and the exit
 * finishes only once `op` has (effection lets an effect take its time to exit): so
 * the caller stays where it is, `finally` blocks and all, until then. From that
 * moment `op` has `budgetMs`; then it is halted.
 */
function shielded<T>(scope: Scope, factory: () => Operation<T>, budgetMs: number): Effect<T> {
  return {
    description: "quiesce: shield",
    enter(resolve) {
      let outcome: Result<T> | undefined;
      let exited: ((result: Result<void>) => void) | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const task = scope.run(function* () {
        try {
          outcome = Ok(yield* scoped(factory));
        } catch (error) {
          outcome = Err(error as Error);
        } finally {
          if (timer !== undefined) clearTimeout(timer);
          // After an outer cancel a failure of `op` is a failure in cleanup: it
          // goes on to the caller's teardown, as any cleanup failure does.
          if (exited) exited(outcome !== undefined && !outcome.ok ? outcome : Ok());
          else resolve(outcome ?? Err(haltedFromOutside(scope)));
        }
      });
      return (didExit) => {
        if (outcome !== undefined) {
          didExit(Ok());
          return;
        }
        // The caller is being halted: `op` goes on, for `budgetMs` at most.
        exited = didExit;
        timer = setTimeout(() => {
          const node = scope.get(CurrentTask);
          if (node && node.cancelReason() === undefined) {
            node.requestCancel({ kind: "budget", ms: budgetMs }, false);
          }
          task.halt().then(noop, noop);
        }, budgetMs);
      };
    },
  };
}

const noop = () => {};

/** `op` was halted while its caller was not: by its scope ending under it. */
function haltedFromOutside(scope: Scope): CancelledError {
  const node = scope.get(CurrentTask);
  return node ? node.cancellationError() : new CancelledError({ kind: "scope-exit" });
}
