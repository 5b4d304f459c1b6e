import type { Operation } from "effection";
import type { ExecutorPool } from "./executor-pool.ts";
import { type ThreadPoolOptions, toPoolConfig } from "./pool-options.ts";
import { usePool } from "./use-pool-internal.ts";

/**
 * Opens a pool of worker threads (`ThreadPoolExecutor`) as a resource of the current
 * scope. Options are checked at the call; the pool loads the module in one worker
 * before it is returned, so an unknown function name fails at the call too.
 *
 * @example
 * ```ts
 * import { main } from "effection";
 * import { runInExecutor, useThreadPool } from "@quiesce/executor";
 *
 * await main(function* () {
 *   const pool = yield* useThreadPool({
 *     module: new URL("./worker.mjs", import.meta.url),
 *     maxWorkers: 3,
 *   });
 *   console.log(yield* runInExecutor(pool, "square", 7)); // 49
 * });
 * ```
 *
 * Cancellation: when the scope ends (or is halted) the pool shuts down: queued jobs
 * are dropped, running jobs are cancelled (killed after `cancelGraceMs`), and every
 * worker thread is stopped before the scope's teardown completes.
 */
export function useThreadPool(options: ThreadPoolOptions): Operation<ExecutorPool> {
  return usePool(toPoolConfig("worker_threads", options));
}
