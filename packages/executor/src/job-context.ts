/**
 * What a worker function receives as its last argument: how it learns that its job
 * was cancelled. Declare it after your own parameters; callers pass only theirs.
 *
 * @example
 * ```js
 * // worker.mjs — plain JavaScript, loaded by the pool in each worker.
 * // With JSDoc: @param {import("@quiesce/executor").JobContext} ctx
 * export function spin(n, ctx) {
 *   let i = 0;
 *   while (i < n) {
 *     if ((i & 0xffff) === 0) ctx.throwIfCancelled(); // one Atomics.load
 *     i++;
 *   }
 *   return i;
 * }
 *
 * export async function download(url, ctx) {
 *   const response = await fetch(url, { signal: ctx.signal });
 *   return await response.text();
 * }
 * ```
 *
 * Cancellation: after a cancel, `signal` aborts with an `Error` named `CancelledError`
 * whose `reason` is the quiesce cancel reason, `cancelled()` returns true and
 * `throwIfCancelled()` throws that error. The job then has the pool's `cancelGraceMs`
 * to settle before its worker is killed.
 */
export interface JobContext {
  /** Aborts when the job is cancelled; `signal.reason.reason` is the cancel reason. */
  readonly signal: AbortSignal;
  /**
   * True once the job is cancelled. One `Atomics.load` on shared memory, cheap enough
   * for the inner loop of CPU-bound code, in thread and process pools alike (a child
   * process's watcher thread sets the flag while its main thread is busy).
   */
  cancelled(): boolean;
  /** Throws the `CancelledError` if the job is cancelled. */
  throwIfCancelled(): void;
  /** The job's id in its pool. */
  readonly jobId: number;
  /** Thread id (thread pools) or PID (process pools) of this worker. */
  readonly workerId: number;
}
