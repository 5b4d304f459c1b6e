import type { AsyncPool } from "./async-pool.ts";
import { type ThreadPoolOptions, toPoolConfig } from "./pool-options.ts";
import { openPromisePool } from "./promise-pool-internal.ts";

/**
 * Opens a pool of worker threads for promise code, with no generators: the twin of
 * `useThreadPool`, owned by the caller. Options are checked at the call (it throws);
 * the promise resolves once every warm worker has loaded the module.
 *
 * @example
 * ```ts
 * import { createThreadPool } from "@quiesce/executor";
 *
 * await using pool = await createThreadPool({
 *   module: new URL("./worker.mjs", import.meta.url),
 *   maxWorkers: 3,
 * });
 * const controller = new AbortController();
 * console.log(await pool.run<number>("square", [7], { signal: controller.signal })); // 49
 * ```
 *
 * Cancellation: an aborted `signal` cancels its job (removed if queued; told, then
 * killed after `cancelGraceMs`, if running). Leaving the `await using` block, or
 * `await pool[Symbol.asyncDispose]()`, cancels what is left and stops every thread.
 */
export function createThreadPool(options: ThreadPoolOptions): Promise<AsyncPool> {
  return openPromisePool(toPoolConfig("worker_threads", options));
}
