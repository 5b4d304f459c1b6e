import { type CancelReason, currentTask } from "@quiesce/core";
import { type Effect, Err, Ok, type Operation } from "effection";
import type { ExecutorPool, Job } from "./executor-pool.ts";

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
  return {
    *[Symbol.iterator]() {
      const job = pool.submit<T>(fn, ...args);
      const task = yield* currentTask();
      return (yield awaitJob(job, () => task?.cancelReason())) as T;
    },
  };
}

/**
 * One effect per job (no task or scope per job, they are not free): it resolves with
 * the job's outcome, and on halt cancels the job and reports itself exited only once
 * the job has settled.
 */
function awaitJob<T>(job: Job<T>, reason: () => CancelReason | undefined): Effect<T> {
  return {
    description: `executor job ${job.id} (${job.fn})`,
    enter(resolve) {
      job.promise.then(
        (value) => resolve(Ok(value)),
        (error: unknown) => resolve(Err(error as Error)),
      );
      return (exited) => {
        if (job.state === "done") {
          exited(Ok());
          return;
        }
        job.cancel(reason() ?? { kind: "scope-exit" }).then(() => exited(Ok()));
      };
    },
  };
}
