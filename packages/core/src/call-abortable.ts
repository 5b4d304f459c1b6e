import { type Operation, until, useScope } from "effection";
import { CancelledError } from "./errors.ts";
import { CurrentTask } from "./task-registry-internal.ts";
import { expectFunction } from "./validate.ts";
import { waitingOn } from "./waiting-on.ts";

/**
 * Runs promise code with an `AbortSignal` that aborts when the calling task is
 * cancelled. The signal's `reason` is a `CancelledError` carrying the task's
 * cancel reason (`signal`, `timeout`, ...) and, as `value`, exactly what was given
 * to `cancel()`; so `fetch`, `setTimeout` from `node:timers/promises`, streams and
 * any other AbortSignal API stop too.
 *
 * @example
 * ```ts
 * import { callAbortable } from "@quiesce/core";
 *
 * const response = yield* callAbortable((signal) => fetch(url, { signal }));
 * const body = yield* callAbortable(() => response.text());
 * ```
 *
 * Cancellation: halting the caller aborts the signal at once; the operation does
 * not wait for the promise to settle after that.
 */
export function callAbortable<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Operation<T> {
  expectFunction("fn", fn);
  return {
    *[Symbol.iterator]() {
      const node = (yield* useScope()).get(CurrentTask);
      const controller = new AbortController();
      let settled = false;
      const promise = Promise.resolve().then(() => fn(controller.signal));
      // Once we are halted nobody awaits it: an AbortError must not go unhandled.
      promise.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      try {
        return yield* waitingOn(`promise ${fn.name || "(anonymous)"}`, until(promise));
      } finally {
        // Only a halt aborts: a promise that settled (even by failing) is left alone.
        if (!settled) {
          controller.abort(
            node ? node.cancellationError() : new CancelledError({ kind: "scope-exit" }),
          );
        }
      }
    },
  };
}
