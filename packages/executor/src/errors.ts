/**
 * Thrown when a job is submitted to a pool that has been shut down (or is shutting
 * down). The pool refuses the job at the call; nothing is queued.
 *
 * @example
 * ```ts
 * import { PoolClosedError, runInExecutor } from "@quiesce/executor";
 *
 * yield* pool.shutdown();
 * try {
 *   yield* runInExecutor(pool, "square", 3);
 * } catch (error) {
 *   if (error instanceof PoolClosedError) console.log(error.poolName);
 * }
 * ```
 */
export class PoolClosedError extends Error {
  override readonly name = "PoolClosedError";
  /** Name of the pool that refused the job. */
  readonly poolName: string;

  constructor(poolName: string) {
    super(`pool "${poolName}" is shut down and accepts no new jobs`);
    this.poolName = poolName;
  }
}

/**
 * A running job was asked to stop, did not settle within `cancelGraceMs`, and its
 * worker was terminated (and replaced). The job's `finally` blocks did not finish.
 *
 * @example
 * ```ts
 * import { WorkerKilledError } from "@quiesce/executor";
 *
 * job.promise.catch((error) => {
 *   if (error instanceof WorkerKilledError) console.log(`killed after ${error.graceMs} ms`);
 * });
 * ```
 */
export class WorkerKilledError extends Error {
  override readonly name = "WorkerKilledError";
  /** The exported function the job was running. */
  readonly fn: string;
  /** How long the job was given to stop on its own, in milliseconds. */
  readonly graceMs: number;
  /** Thread id or PID of the worker that was killed, when known. */
  readonly workerId: number | undefined;

  constructor(fn: string, graceMs: number, workerId: number | undefined, options?: ErrorOptions) {
    super(
      `job "${fn}" did not stop within its ${graceMs} ms cancel grace period; ` +
        `its worker${workerId === undefined ? "" : ` ${workerId}`} was killed`,
      options,
    );
    this.fn = fn;
    this.graceMs = graceMs;
    this.workerId = workerId;
  }
}

/**
 * How a worker died under a job, as reported by {@link WorkerCrashedError}.
 *
 * @example
 * ```ts
 * import { type WorkerDeath, WorkerCrashedError } from "@quiesce/executor";
 *
 * const how: WorkerDeath | undefined = error instanceof WorkerCrashedError ? error.how : undefined;
 * ```
 */
export type WorkerDeath =
  /** The worker called `process.exit()` or its thread/process exited by itself. */
  | "exit"
  /** The worker ran out of memory (`resourceLimits` for threads, V8 heap for processes). */
  | "out-of-memory"
  /** The worker process was killed by a signal from outside. */
  | "signal"
  /** An exception escaped the job (a timer, an event handler) and ended the worker. */
  | "uncaught-error";

/**
 * The worker running a job died under it. Only that job fails; the pool replaces the
 * worker and keeps serving. `how`, `exitCode` and `signal` say how it died.
 *
 * @example
 * ```ts
 * import { WorkerCrashedError } from "@quiesce/executor";
 *
 * try {
 *   yield* runInExecutor(pool, "exitInTask", 3);
 * } catch (error) {
 *   if (error instanceof WorkerCrashedError) console.log(error.how, error.exitCode); // "exit" 3
 * }
 * ```
 */
export class WorkerCrashedError extends Error {
  override readonly name = "WorkerCrashedError";
  /** The exported function the job was running. */
  readonly fn: string;
  /** How the worker died. */
  readonly how: WorkerDeath;
  /** Exit code of the thread or process, when it exited with one. */
  readonly exitCode: number | undefined;
  /** The signal that killed the process, for process pools. */
  readonly signal: NodeJS.Signals | undefined;
  /** Thread id or PID of the worker that died, when known. */
  readonly workerId: number | undefined;

  constructor(
    fn: string,
    details: {
      how: WorkerDeath;
      exitCode?: number | undefined;
      signal?: NodeJS.Signals | undefined;
      workerId?: number | undefined;
    },
    options?: ErrorOptions,
  ) {
    super(
      `worker${details.workerId === undefined ? "" : ` ${details.workerId}`} died under job "${fn}": ${describeDeath(details)}`,
      options,
    );
    this.fn = fn;
    this.how = details.how;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.workerId = details.workerId;
  }
}

function describeDeath(details: {
  how: WorkerDeath;
  exitCode?: number | undefined;
  signal?: NodeJS.Signals | undefined;
}): string {
  switch (details.how) {
    case "exit":
      return `it exited with code ${details.exitCode ?? "unknown"} (process.exit() in a job?)`;
    case "out-of-memory":
      return "it ran out of memory";
    case "signal":
      return `it was killed by ${details.signal ?? "a signal"}`;
    case "uncaught-error":
      return "an uncaught exception ended it";
  }
}

/**
 * The pool's worker module could not be loaded in the worker (it threw while being
 * imported, or has a syntax error). Every job of the pool fails with it; the pool
 * itself stays usable and shuts down normally.
 *
 * @example
 * ```ts
 * import { WorkerLoadError } from "@quiesce/executor";
 *
 * try {
 *   yield* runInExecutor(pool, "square", 3);
 * } catch (error) {
 *   if (error instanceof WorkerLoadError) console.log(error.module, error.cause);
 * }
 * ```
 */
export class WorkerLoadError extends Error {
  override readonly name = "WorkerLoadError";
  /** URL of the module that failed to load. */
  readonly module: string;

  constructor(module: string, options?: ErrorOptions) {
    const cause = options?.cause;
    super(
      `worker module ${module} failed to load` +
        (cause instanceof Error ? `: ${cause.name}: ${cause.message}` : ""),
      options,
    );
    this.module = module;
  }
}

/**
 * The pool's worker module has no exported function of that name. Thrown at the call,
 * before anything is queued.
 *
 * @example
 * ```ts
 * import { UnknownFunctionError } from "@quiesce/executor";
 *
 * try {
 *   yield* runInExecutor(pool, "sqaure", 3);
 * } catch (error) {
 *   if (error instanceof UnknownFunctionError) console.log(error.available); // ["square"]
 * }
 * ```
 */
export class UnknownFunctionError extends Error {
  override readonly name = "UnknownFunctionError";
  /** The name that was asked for. */
  readonly fn: string;
  /** URL of the worker module. */
  readonly module: string;
  /** The functions the module does export. */
  readonly available: readonly string[];

  constructor(fn: string, module: string, available: readonly string[]) {
    super(
      `worker module ${module} exports no function "${fn}"` +
        (available.length > 0 ? ` (it exports ${available.join(", ")})` : ""),
    );
    this.fn = fn;
    this.module = module;
    this.available = available;
  }
}

/**
 * An argument of a job cannot be sent to a worker (a function, a class instance with
 * private state, a socket…). Thrown at the call; `index` names the argument.
 *
 * @example
 * ```ts
 * import { UncloneableArgumentError } from "@quiesce/executor";
 *
 * try {
 *   yield* runInExecutor(pool, "square", () => 3);
 * } catch (error) {
 *   if (error instanceof UncloneableArgumentError) console.log(error.index); // 0
 * }
 * ```
 */
export class UncloneableArgumentError extends TypeError {
  override readonly name = "UncloneableArgumentError";
  /** The exported function that was called. */
  readonly fn: string;
  /** Zero-based position of the argument that cannot be cloned. */
  readonly index: number;

  constructor(fn: string, index: number, options?: ErrorOptions) {
    const cause = options?.cause;
    super(
      `argument ${index} of job "${fn}" cannot be sent to a worker` +
        (cause instanceof Error ? `: ${cause.message}` : ""),
      options,
    );
    this.fn = fn;
    this.index = index;
  }
}
