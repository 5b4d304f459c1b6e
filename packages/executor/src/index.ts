export type { AsyncPool, RunOptions } from "./async-pool.ts";
export * from "./create-process-pool.ts";
export * from "./create-thread-pool.ts";
export * from "./errors.ts";
export type {
  ExecutorPool,
  Job,
  JobOutcome,
  JobState,
  PoolInfo,
  PoolStats,
  ShutdownCounts,
  ShutdownOptions,
} from "./executor-pool.ts";
export type { JobContext } from "./job-context.ts";
export * from "./map.ts";
export type {
  PoolOptions,
  PoolRuntime,
  ProcessPoolOptions,
  ThreadPoolOptions,
} from "./pool-options.ts";
export * from "./run-in-executor.ts";
export * from "./to-thread.ts";
export * from "./use-process-pool.ts";
export * from "./use-thread-pool.ts";
