import { CancelledError } from "@quiesce/core";
import { abortReason, argumentError, expectAbortSignal } from "@quiesce/core/internal";
import type { AsyncPool, RunOptions } from "./async-pool.ts";
import type { Job, PoolStats, ShutdownCounts, ShutdownOptions } from "./executor-pool.ts";
import { PoolEngine } from "./pool-engine-internal.ts";
import type { PoolConfig, PoolRuntime } from "./pool-options.ts";

/** Starts a pool for promise code once every warm worker has loaded the module. */
export async function openPromisePool(config: PoolConfig): Promise<AsyncPool> {
  const engine = new PoolEngine(config);
  await engine.start();
  return new PromisePool(engine);
}

/** {@link AsyncPool} over the same engine as the generator-side pools. */
class PromisePool implements AsyncPool {
  readonly #engine: PoolEngine;
  readonly name: string;
  readonly runtime: PoolRuntime;
  readonly module: string;
  readonly maxWorkers: number;
  readonly cancelGraceMs: number;

  constructor(engine: PoolEngine) {
    this.#engine = engine;
    this.name = engine.name;
    this.runtime = engine.runtime;
    this.module = engine.module;
    this.maxWorkers = engine.maxWorkers;
    this.cancelGraceMs = engine.cancelGraceMs;
  }

  get closed(): boolean {
    return this.#engine.closed;
  }

  get functions(): readonly string[] {
    return this.#engine.functions;
  }

  async run<T = unknown>(
    fn: string,
    args: readonly unknown[] = [],
    options: RunOptions = {},
  ): Promise<T> {
    if (!Array.isArray(args)) throw argumentError("args", "an array of arguments", args);
    if (options === null || typeof options !== "object") {
      throw argumentError("options", "an object", options);
    }
    const { signal } = options;
    expectAbortSignal("signal", signal);
    if (signal?.aborted) throw new CancelledError(abortReason(signal.reason), fn);
    const job = this.#engine.submit<T>(fn, ...args);
    if (signal === undefined) return job.promise;
    const cancel = () => void job.cancel(abortReason(signal.reason));
    signal.addEventListener("abort", cancel, { once: true });
    try {
      return await job.promise;
    } finally {
      signal.removeEventListener("abort", cancel);
    }
  }

  submit<T = unknown>(fn: string, ...args: unknown[]): Job<T> {
    return this.#engine.submit<T>(fn, ...args);
  }

  stats(): PoolStats {
    return this.#engine.stats();
  }

  shutdown(options?: ShutdownOptions): Promise<ShutdownCounts> {
    return this.#engine.close(options);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#engine[Symbol.asyncDispose]();
  }
}
