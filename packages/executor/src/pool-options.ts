import { availableParallelism } from "node:os";
import type { ResourceLimits } from "node:worker_threads";
import { argumentError, expectDuration } from "@quiesce/core/internal";
import { toModuleUrl } from "./module-url-internal.ts";

/**
 * Options shared by {@link useThreadPool} and {@link useProcessPool}.
 *
 * @example
 * ```ts
 * import { type PoolOptions, useThreadPool } from "@quiesce/executor";
 *
 * const options: PoolOptions = { module: new URL("./worker.mjs", import.meta.url), maxWorkers: 3 };
 * const pool = yield* useThreadPool(options);
 * ```
 */
export interface PoolOptions {
  /**
   * The worker module: a file URL (`new URL("./worker.mjs", import.meta.url)` for a file
   * next to your code) or a path. A relative path is resolved against the working
   * directory (`process.cwd()`), not against the calling file. Its exported functions
   * are what jobs can call. Must be JavaScript that Node can load in a worker
   * (`.js`/`.mjs`).
   */
  module: string | URL;
  /** Hard bound on jobs running at once, and on workers. Default: `os.availableParallelism()`. */
  maxWorkers?: number;
  /**
   * Workers started with the pool and kept while it lives; workers above this
   * number stop after `idleTimeoutMs` idle. Default: `maxWorkers` (a fixed, warm pool).
   */
  minWorkers?: number;
  /** How long a cancelled running job may take to stop before its worker is killed. Default 1000 ms. */
  cancelGraceMs?: number;
  /** An idle worker is stopped after this long. Default 10 000 ms. */
  idleTimeoutMs?: number;
  /** How long shutdown waits for tinypool to stop its workers before killing them. Default 5000 ms. */
  destroyTimeoutMs?: number;
  /** Shown in errors and stats. Default: the module's file name. */
  name?: string;
}

/**
 * Options of {@link useThreadPool}.
 *
 * @example
 * ```ts
 * import { useThreadPool } from "@quiesce/executor";
 *
 * const pool = yield* useThreadPool({
 *   module: new URL("./worker.mjs", import.meta.url),
 *   resourceLimits: { maxOldGenerationSizeMb: 64 },
 * });
 * ```
 */
export interface ThreadPoolOptions extends PoolOptions {
  /** Memory limits of each worker thread; a job that exceeds them fails alone. */
  resourceLimits?: ResourceLimits;
  /**
   * Node options of the worker threads. Default: `process.execArgv` without module
   * loaders (`--import`, `--require`, `--loader`): a Node 20 worker thread cannot load
   * TypeScript anyway, and a loader like tsx triples a thread's start-up time.
   */
  execArgv?: string[];
}

/**
 * Options of {@link useProcessPool}.
 *
 * @example
 * ```ts
 * import { useProcessPool } from "@quiesce/executor";
 *
 * const pool = yield* useProcessPool({
 *   module: new URL("./worker.mjs", import.meta.url),
 *   env: { ...process.env, LOG_LEVEL: "debug" },
 * });
 * ```
 */
export interface ProcessPoolOptions extends PoolOptions {
  /** Environment of the child processes. Default: `process.env` (the whole of it). */
  env?: NodeJS.ProcessEnv;
  /**
   * Node options of the child processes. Default: `process.execArgv`, loaders
   * included, so a parent run with `--import tsx` can give its children a `.ts` module.
   */
  execArgv?: string[];
}

/**
 * Which tinypool runtime a pool uses: worker threads ({@link useThreadPool}) or child
 * processes ({@link useProcessPool}).
 *
 * @example
 * ```ts
 * import type { PoolRuntime } from "@quiesce/executor";
 *
 * const where: PoolRuntime = pool.runtime; // "worker_threads" or "child_process"
 * ```
 */
export type PoolRuntime = "worker_threads" | "child_process";

/** Options after validation, with defaults filled in. */
export interface PoolConfig {
  readonly runtime: PoolRuntime;
  readonly module: string;
  readonly name: string;
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly cancelGraceMs: number;
  readonly idleTimeoutMs: number;
  readonly destroyTimeoutMs: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly env: NodeJS.ProcessEnv | undefined;
  readonly execArgv: string[] | undefined;
}

/** Checks pool options eagerly (house message shape) and fills in defaults. */
export function toPoolConfig(
  runtime: PoolRuntime,
  options: ThreadPoolOptions & ProcessPoolOptions,
): PoolConfig {
  if (options === null || typeof options !== "object") {
    throw argumentError("options", "an object with a `module`", options);
  }
  const module = toModuleUrl(options.module);
  const maxWorkers = options.maxWorkers ?? availableParallelism();
  if (typeof maxWorkers !== "number" || !Number.isInteger(maxWorkers) || maxWorkers < 1) {
    throw argumentError("maxWorkers", "an integer ≥ 1", maxWorkers);
  }
  const minWorkers = options.minWorkers ?? maxWorkers;
  if (
    typeof minWorkers !== "number" ||
    !Number.isInteger(minWorkers) ||
    minWorkers < 0 ||
    minWorkers > maxWorkers
  ) {
    throw argumentError(
      "minWorkers",
      `an integer from 0 to maxWorkers (${maxWorkers})`,
      minWorkers,
    );
  }
  const cancelGraceMs = options.cancelGraceMs ?? 1000;
  expectDuration("cancelGraceMs", cancelGraceMs);
  const idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
  expectDuration("idleTimeoutMs", idleTimeoutMs);
  const destroyTimeoutMs = options.destroyTimeoutMs ?? 5000;
  expectDuration("destroyTimeoutMs", destroyTimeoutMs);
  const name = options.name ?? module.slice(module.lastIndexOf("/") + 1);
  if (typeof name !== "string") throw argumentError("name", "a string", name);
  if (options.env !== undefined && (options.env === null || typeof options.env !== "object")) {
    throw argumentError("env", "an object of strings", options.env);
  }
  return {
    runtime,
    module,
    name,
    maxWorkers,
    minWorkers,
    cancelGraceMs,
    idleTimeoutMs,
    destroyTimeoutMs,
    resourceLimits: options.resourceLimits,
    env: runtime === "child_process" ? (options.env ?? process.env) : undefined,
    execArgv:
      options.execArgv ??
      (runtime === "worker_threads" ? withoutLoaders(process.execArgv) : undefined),
  };
}

const LOADER_FLAGS = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader"]);

function withoutLoaders(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    const flag = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
    if (!LOADER_FLAGS.has(flag)) out.push(arg);
    else if (!arg.includes("=")) i++;
  }
  return out;
}
