import { currentTask } from "@quiesce/core";
import type { Operation } from "effection";
import type { ExecutorPool } from "./executor-pool.ts";
import { expectPool } from "./expect-pool-internal.ts";
import { untilSettled } from "./until-settled-internal.ts";

/**
 * Runs the worker module's exported function `fn` with `args` on the pool and returns
 * its result (`loop.run_in_executor`). Bad input fails at the call: a closed pool
 * (`PoolClosedError`), an unknown name (`UnknownFunctionError`), an argument that
 * cannot be sent (`UncloneableArgumentError`).
 *
 * @example
 * ```ts
 * import { runInExecutor } from "@quiesce/executor";
 *
 * const n = yield* runInExecutor<number>(pool, "fib", 30);
 * ```
 *
 * Cancellation: halting the caller cancels the job. A queued job is removed and never
 * starts; a running one sees its `AbortSignal` abort (and `ctx.cancelled()` turn true)
 * and is killed if it has not settled after `cancelGraceMs`. The halt completes only
 * once the job has settled, so the worker's `finally` blocks have run (or it is dead).
 */
export function runInExecutor<T = unknown>(
  pool: ExecutorPool,
  fn: string,
  ...args: unknown[]
): Operation<T> {
  expectPool(pool);
  return {
    *[Symbol.iterator]() {
      const job = pool.submit<T>(fn, ...args);
      const task = yield* currentTask();
      return yield* untilSettled(
        `executor job ${job.id} (${job.fn})`,
        () => job.promise,
        () =>
          job.state === "done"
            ? undefined
            : job.cancel(task?.cancelReason() ?? { kind: "scope-exit" }),
      );
    },
  };
}
