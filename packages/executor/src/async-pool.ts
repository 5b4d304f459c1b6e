import type { Job, PoolInfo, PoolStats, ShutdownCounts, ShutdownOptions } from "./executor-pool.ts";

/**
 * Options of {@link AsyncPool.run}.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const n = await pool.run<number>("fib", [30], { signal: controller.signal });
 * ```
 */
export interface RunOptions {
  /**
   * Cancels the job when it aborts: a queued job is removed, a running one is told
   * (its `ctx.signal` aborts, `ctx.cancelled()` turns true) and killed after the pool's
   * `cancelGraceMs`. The promise settles only once the job has.
   */
  signal?: AbortSignal | undefined;
}

/**
 * A pool for promise code, made by {@link createThreadPool} or {@link createProcessPool}:
 * the same pool as `useThreadPool`'s, owned by the caller instead of a scope. Close it
 * with `await using`, `shutdown()` or `[Symbol.asyncDispose]()`.
 *
 * @example
 * ```ts
 * import { createThreadPool } from "@quiesce/executor";
 *
 * await using pool = await createThreadPool({ module: new URL("./worker.mjs", import.meta.url) });
 * console.log(await pool.run<number>("square", [7])); // 49
 * ```
 *
 * Cancellation: `run()` takes an `AbortSignal` (cooperative cancel, then a kill after
 * `cancelGraceMs`); disposing the pool cancels what is queued and running and resolves
 * once every worker is gone.
 */
export interface AsyncPool extends PoolInfo, AsyncDisposable {
  /**
   * Runs the module's exported function `fn` with `args` and resolves with its result.
   * Rejects as `runInExecutor` fails: `PoolClosedError`, `UnknownFunctionError`,
   * `UncloneableArgumentError`, the job's own error, `CancelledError` after an abort
   * (its `reason` says why), `WorkerKilledError`, `WorkerCrashedError`.
   */
  run<T = unknown>(fn: string, args?: readonly unknown[], options?: RunOptions): Promise<T>;
  /** Queues a job and returns its handle at once (see `ExecutorPool.submit`). */
  submit<T = unknown>(fn: string, ...args: unknown[]): Job<T>;
  /** Current counters. */
  stats(): PoolStats;
  /**
   * Stops taking jobs and winds the pool down, as `ExecutorPool.shutdown` does; resolves
   * with the counts once every worker is gone.
   */
  shutdown(options?: ShutdownOptions): Promise<ShutdownCounts>;
  /** `shutdown({ wait: false, cancelFutures: true })`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
