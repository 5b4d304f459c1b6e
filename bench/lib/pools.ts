import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import {
  type ExecutorPool,
  type ProcessPoolOptions,
  useProcessPool,
  useThreadPool,
} from "@quiesce/executor";
import { type Operation, run, suspend, type Task } from "effection";
import { Piscina } from "piscina";
import { Tinypool } from "tinypool";

export { Piscina, Tinypool };

export const JOBS = new URL("../workers/jobs.mjs", import.meta.url);
export const JOBS_PATH = fileURLToPath(JOBS);

/** Ours keeps idle workers 10 s by default; tinypool and piscina default to 0 (exit at once). */
const IDLE_MS = 10_000;

export type Runtime = "threads" | "processes";

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

/** Runs an operation inside the scope that owns a pool (so tasks live as long as it). */
export function inScope<T>(op: () => Operation<T>): Promise<T> {
  return run(op);
}

export function openTinypool(runtime: Runtime, maxWorkers: number): Tinypool {
  return new Tinypool({
    filename: JOBS.href,
    runtime: runtime === "threads" ? "worker_threads" : "child_process",
    minThreads: 0,
    maxThreads: maxWorkers,
    idleTimeout: IDLE_MS,
    ...(runtime === "processes" ? { execArgv: [] } : {}),
  });
}

export function openPiscina(maxWorkers: number): Piscina {
  return new Piscina({
    filename: JOBS.href,
    minThreads: 0,
    maxThreads: maxWorkers,
    idleTimeout: IDLE_MS,
  });
}

let markers = 0;

/** A fresh path a job writes once it is running (works for threads and processes). */
export function markerPath(): string {
  markers += 1;
  return join(tmpdir(), `quiesce-bench-${process.pid}-${markers}`);
}

/** Resolves once a job has written its marker: the job is running its loop. */
export async function untilStarted(marker: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!existsSync(marker)) {
    if (performance.now() > deadline) throw new Error(`job never wrote ${marker}`);
    await delay(1);
  }
  await rm(marker, { force: true });
}
