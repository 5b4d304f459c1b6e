import type { CancelReason } from "@quiesce/core";
import type { Operation } from "effection";
import type { PoolRuntime } from "./pool-options.ts";

/**
 * Where a job is in its life: waiting for a worker, running, asked to stop, being
 * killed after its grace period, or settled.
 *
 * @example
 * ```ts
 * import type { JobState } from "@quiesce/executor";
 *
 * const busy = (state: JobState) => state === "running" || state === "cancelling";
 * ```
 */
export type JobState = "queued" | "running" | "cancelling" | "killing" | "done";

/**
 * How a settled job ended, as counted by {@link PoolStats} and {@link ShutdownCounts}.
 *
 * @example
 * ```ts
 * await job.promise.catch(() => {});
 * if (job.outcome === "killed") console.warn(`job ${job.id} ignored its cancel`);
 * ```
 */
export type JobOutcome = "completed" | "failed" | "crashed" | "cancelled" | "killed";

/**
 * One call of a worker function, as returned by {@link ExecutorPool.submit}: the
 * promise-level twin of `concurrent.futures.Future`. Effection code usually wants
 * {@link runInExecutor} instead, which cancels the job when the caller is halted.
 *
 * @example
 * ```ts
 * const job = pool.submit<number>("square", 4);
 * console.log(job.state); // "queued" or "running"
 * console.log(await job.promise, job.workerId); // 16, the thread id that ran it
 * ```
 *
 * Cancellation: `cancel()` removes a queued job at once; a running job is told
 * through its `AbortSignal`, then killed after the pool's `cancelGraceMs`.
 */
export interface Job<T = unknown> {
  /** Pool-wide id, counting up from 1. */
  readonly id: number;
  /** The exported function this job calls. */
  readonly fn: string;
  /** Current {@link JobState}. */
  readonly state: JobState;
  /** How it ended, once `done`. */
  readonly outcome: JobOutcome | undefined;
  /** Thread id (thread pools) or PID (process pools) of the worker that ran it, once known. */
  readonly workerId: number | undefined;
  /** Settles with the function's result, or rejects with why it did not produce one. */
  readonly promise: Promise<T>;
  /**
   * Asks the job to stop (the first reason wins) and resolves once it has settled:
   * removed from the queue, stopped by its own code, or killed after the grace period.
   */
  cancel(reason?: CancelReason): Promise<void>;
}

/**
 * Counters of a pool, for logs and health checks.
 *
 * @example
 * ```ts
 * const { running, queued, completed, killed } = pool.stats();
 * ```
 */
export interface PoolStats {
  /** Jobs on a worker right now (including those being cancelled or killed). */
  readonly running: number;
  /** Jobs waiting for a free worker. */
  readonly queued: number;
  /** Jobs whose function returned a value. */
  readonly completed: number;
  /** Jobs whose function threw (or could not be loaded). */
  readonly failed: number;
  /** Jobs whose worker died under them. */
  readonly crashed: number;
  /** Jobs cancelled while queued, or that stopped on their own after a cancel. */
  readonly cancelled: number;
  /** Jobs whose worker was killed after the cancel grace period. */
  readonly killed: number;
  /** Worker threads or child processes alive right now. */
  readonly workers: number;
}

/**
 * Options of {@link ExecutorPool.shutdown}, as in `concurrent.futures`.
 *
 * @example
 * ```ts
 * yield* pool.shutdown({ wait: true, cancelFutures: true, timeoutMs: 2000 });
 * ```
 */
export interface ShutdownOptions {
  /**
   * Wait for running (and, unless `cancelFutures`, queued) jobs to finish, up to
   * `timeoutMs`. `false` cancels running jobs at once. Default `true`.
   */
  wait?: boolean;
  /** Cancel queued jobs instead of running them. Default `false`. */
  cancelFutures?: boolean;
  /**
   * How long to wait before cancelling what is still running (each then gets
   * `cancelGraceMs` before it is killed). Default `Infinity`.
   */
  timeoutMs?: number;
}

/**
 * What happened to the jobs that were queued or running when shutdown began.
 *
 * @example
 * ```ts
 * const { completed, cancelled, killed } = yield* pool.shutdown({ timeoutMs: 1000 });
 * ```
 */
export interface ShutdownCounts {
  /** Finished on their own: returned, threw, or their worker crashed. */
  readonly completed: number;
  /** Removed from the queue, or stopped within the grace period after a cancel. */
  readonly cancelled: number;
  /** Killed after the grace period. */
  readonly killed: number;
}

/**
 * What every pool tells about itself, whether a scope owns it ({@link ExecutorPool})
 * or promise code does (`AsyncPool`).
 *
 * @example
 * ```ts
 * import type { PoolInfo } from "@quiesce/executor";
 *
 * const describe = (pool: PoolInfo) => `${pool.name}: ${pool.maxWorkers} ${pool.runtime} workers`;
 * ```
 */
export interface PoolInfo {
  /** Shown in errors. */
  readonly name: string;
  /** `"worker_threads"` or `"child_process"`. */
  readonly runtime: PoolRuntime;
  /** URL of the worker module. */
  readonly module: string;
  /** Hard bound on jobs running at once. */
  readonly maxWorkers: number;
  /** Time a cancelled running job gets before its worker is killed. */
  readonly cancelGraceMs: number;
  /** True once shutdown has begun: new jobs are refused. */
  readonly closed: boolean;
  /** The module's exported functions, as found when the pool started. */
  readonly functions: readonly string[];
}

/**
 * A pool of worker threads or child processes, made by {@link useThreadPool} or
 * {@link useProcessPool} and shut down when their scope ends.
 *
 * @example
 * ```ts
 * import { runInExecutor, useThreadPool } from "@quiesce/executor";
 *
 * const pool = yield* useThreadPool({ module: new URL("./worker.mjs", import.meta.url) });
 * const nine = yield* runInExecutor(pool, "square", 3);
 * console.log(pool.stats().completed); // 1
 * ```
 *
 * Cancellation: halting the scope that made the pool cancels its jobs (queued ones
 * never start, running ones get `cancelGraceMs`) and stops every worker.
 */
export interface ExecutorPool extends PoolInfo {
  /**
   * Queues a job and returns its handle at once. Throws at the call for a closed pool,
   * an unknown function, or an argument that cannot be sent to a worker.
   */
  submit<T = unknown>(fn: string, ...args: unknown[]): Job<T>;
  /** Current counters. */
  stats(): PoolStats;
  /**
   * Stops taking jobs and winds the pool down; see {@link ShutdownOptions}. Resolves
   * once every worker is gone. Calling it again returns the same counts; a stricter
   * second call (`wait: false`, `cancelFutures`, a shorter `timeoutMs`) tightens a
   * shutdown under way. Halting it cancels what is left and returns once every worker
   * is gone.
   */
  shutdown(options?: ShutdownOptions): Operation<ShutdownCounts>;
  /**
   * What the pool's scope does when it ends, for promise code that was handed the
   * pool: `shutdown({ wait: false, cancelFutures: true })`, resolved once every worker
   * is gone.
   */
  [Symbol.asyncDispose](): Promise<void>;
}
