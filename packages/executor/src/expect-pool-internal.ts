import { argumentError } from "@quiesce/core/internal";
import type { ExecutorPool } from "./executor-pool.ts";

/** Checks, at the call, that `pool` is a pool (house message shape). */
export function expectPool(pool: unknown): asserts pool is ExecutorPool {
  if (
    pool === null ||
    typeof pool !== "object" ||
    typeof (pool as Partial<ExecutorPool>).submit !== "function"
  ) {
    throw argumentError("pool", "a pool from useThreadPool or useProcessPool", pool);
  }
}
