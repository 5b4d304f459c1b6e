import {
  type ExecutorPool,
  type ProcessPoolOptions,
  useProcessPool,
  useThreadPool,
} from "@quiesce/executor";
import { type Operation, run, suspend, type Task } from "effection";
import { JOBS, type Runtime } from "./raw-pools.ts";

/** Opens one of our pools in its own `run()`; `close()` ends that scope and the pool. */
export async function openOurPool(
  runtime: Runtime,
  options: Omit<ProcessPoolOptions, "module">,
): Promise<{ pool: ExecutorPool; scope: Task<void>; close: () => Promise<void> }> {
  let resolve!: (pool: ExecutorPool) => void;
  const opened = new Promise<ExecutorPool>((r) => {
    resolve = r;
  });
  const scope = run(function* () {
    const pool =
      runtime === "threads"
        ? yield* useThreadPool({ ...options, module: JOBS })
        : yield* useProcessPool({ ...options, module: JOBS, execArgv: [] });
    resolve(pool);
    yield* suspend();
  });
  const pool = await Promise.race([opened, scope.then(() => Promise.reject(new Error("closed")))]);
  return { pool, scope, close: () => scope.halt() };
}

/** Runs an operation inside a scope of its own (tasks live as long as it). */
export function inScope<T>(op: () => Operation<T>): Promise<T> {
  return run(op);
}
