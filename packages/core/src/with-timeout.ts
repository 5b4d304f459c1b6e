import { action, type Operation, useScope } from "effection";
import { CancelledError, TimeoutError } from "./errors.ts";
import { type OperationLike, toFactory } from "./operation-like-internal.ts";
import { startTask } from "./spawn-task.ts";
import { argumentError } from "./validate.ts";

/**
 * Runs `op` with a time limit. When `ms` pass first, only `op` is cancelled, with
 * reason `{ kind: "timeout", ms }`; once its cleanup has run, `TimeoutError` is
 * thrown. Trio's `fail_after`, asyncio's `timeout()`. A limit of 0 or less is
 * already expired (a deadline computed as `deadline - now` often is): `op` is
 * cancelled at its first pause.
 *
 * @example
 * ```ts
 * import { withTimeout } from "@quiesce/core";
 * import { sleep } from "effection";
 *
 * const value = yield* withTimeout(500, function* () {
 *   yield* sleep(100);
 *   return "in time";
 * });
 * ```
 *
 * Cancellation: if the caller is cancelled, that wins, even when the time limit
 * runs out in the same turn: the caller is halted and no `TimeoutError` is thrown.
 */
export function withTimeout<T>(ms: number, op: OperationLike<T>): Operation<T> {
  return limit(ms, op, true) as Operation<T>;
}

function limit<T>(ms: number, op: OperationLike<T>, raise: boolean): Operation<T | undefined> {
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw argumentError("ms", "a finite number of milliseconds (≤ 0: already expired)", ms);
  }
  const factory = toFactory("op", op);
  return {
    *[Symbol.iterator]() {
      const task = startTask(yield* useScope(), factory, `withTimeout(${ms})`, undefined);
      const timer = setTimeout(() => task.cancel({ kind: "timeout", ms }), Math.max(0, ms));
      try {
        return yield* task;
      } catch (error) {
        if (
          error instanceof CancelledError &&
          error.reason === task.ownReason &&
          error.reason.kind === "timeout"
        ) {
          // `op` can settle in the very callback that ran out of time; an outer
          // cancel may still come in this turn of the loop, and it must win.
          yield* endOfTurn();
          if (!raise) return undefined;
          throw new TimeoutError(ms, { cause: error });
        }
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Waits until the current turn of the event loop is over (`setImmediate`). */
function endOfTurn(): Operation<void> {
  return action<void>((resolve) => {
    const immediate = setImmediate(resolve);
    return () => clearImmediate(immediate);
  });
}

/**
 * Like {@link withTimeout}, but returns `undefined` when time runs out instead of
 * throwing (Trio's `move_on_after`).
 *
 * @example
 * ```ts
 * import { moveOnAfter } from "@quiesce/core";
 *
 * const reply = yield* moveOnAfter(1000, fetchReply());
 * if (reply === undefined) console.log("no reply in time, moving on");
 * ```
 *
 * Cancellation: as for {@link withTimeout}; an outer cancel always wins.
 */
export function moveOnAfter<T>(ms: number, op: OperationLike<T>): Operation<T | undefined> {
  return limit(ms, op, false);
}
