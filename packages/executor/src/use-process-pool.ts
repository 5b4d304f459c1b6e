import type { Operation } from "effection";
import type { ExecutorPool } from "./executor-pool.ts";
import { type ProcessPoolOptions, toPoolConfig } from "./pool-options.ts";
import { usePool } from "./use-pool-internal.ts";

/**
 * Opens a pool of child processes (`ProcessPoolExecutor`) as a resource of the current
 * scope. Children get `process.env` unless `env` says otherwise, ignore a terminal's
 * Ctrl+C (the parent decides), and kill themselves within ~100 ms if the parent dies,
 * even by SIGKILL and even in the middle of a CPU loop.
 *
 * @example
 * ```ts
 * import { main } from "effection";
 * import { runInExecutor, useProcessPool } from "@quiesce/executor";
 *
 * await main(function* () {
 *   const pool = yield* useProcessPool({
 *     module: new URL("./worker.mjs", import.meta.url),
 *     maxWorkers: 3,
 *   });
 *   console.log(yield* runInExecutor(pool, "square", 7)); // 49
 * });
 * ```
 *
 * Cancellation: when the scope ends (or is halted) the pool shuts down: queued jobs
 * are dropped, running jobs are cancelled (killed after `cancelGraceMs`), and every
 * child process has exited before the scope's teardown completes.
 */
export function useProcessPool(options: ProcessPoolOptions): Operation<ExecutorPool> {
  return usePool(toPoolConfig("child_process", options));
}
