import type { AsyncPool } from "./async-pool.ts";
import { type ProcessPoolOptions, toPoolConfig } from "./pool-options.ts";
import { openPromisePool } from "./promise-pool-internal.ts";

/**
 * Opens a pool of child processes for promise code, with no generators: the twin of
 * `useProcessPool`, owned by the caller. Options are checked at the call (it throws);
 * the promise resolves once every warm child has loaded the module.
 *
 * @example
 * ```ts
 * import { createProcessPool } from "@quiesce/executor";
 *
 * await using pool = await createProcessPool({
 *   module: new URL("./worker.mjs", import.meta.url),
 *   maxWorkers: 2,
 * });
 * console.log(await pool.run<number>("square", [7], { signal: AbortSignal.timeout(5000) }));
 * ```
 *
 * Cancellation: an aborted `signal` cancels its job (removed if queued; told, then
 * SIGKILLed after `cancelGraceMs`, if running). Leaving the `await using` block, or
 * `await pool[Symbol.asyncDispose]()`, cancels what is left and every child has exited
 * when it resolves.
 */
export function createProcessPool(options: ProcessPoolOptions): Promise<AsyncPool> {
  return openPromisePool(toPoolConfig("child_process", options));
}
