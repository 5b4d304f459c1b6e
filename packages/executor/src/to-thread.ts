import { type Operation, scoped } from "effection";
import { runInExecutor } from "./run-in-executor.ts";
import { useThreadPool } from "./use-thread-pool.ts";

/**
 * Runs one exported function of `module` in a fresh worker thread and returns its
 * result (`asyncio.to_thread`). The thread lives only for this call; for many calls,
 * open a pool with {@link useThreadPool} and use {@link runInExecutor}.
 *
 * @example
 * ```ts
 * import { toThread } from "@quiesce/executor";
 *
 * const digest = yield* toThread<string>(new URL("./hash.mjs", import.meta.url), "sha256", path);
 * ```
 *
 * Cancellation: halting the caller cancels the job (its `AbortSignal` aborts, and the
 * thread is killed after the default 1 s grace) and the thread is gone before the halt
 * completes.
 */
export function toThread<T = unknown>(
  module: string | URL,
  fn: string,
  ...args: unknown[]
): Operation<T> {
  return scoped(function* () {
    const pool = yield* useThreadPool({ module, maxWorkers: 1 });
    return yield* runInExecutor<T>(pool, fn, ...args);
  });
}
