import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { Tinypool } from "tinypool";

export { Piscina, Tinypool };

/** The worker module of every pool row (plain JS: a Node 20 thread cannot load TS). */
export const JOBS = new URL("../workers/jobs.mjs", import.meta.url);
export const JOBS_PATH = fileURLToPath(JOBS);

/** Ours keeps idle workers 10 s by default; tinypool and piscina default to 0 (exit at once). */
export const IDLE_MS = 10_000;

export type Runtime = "threads" | "processes";

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

/** Lets every `holdUntil` job waiting on `gate` return (see workers/jobs.mjs). */
export async function release(gate: string): Promise<void> {
  await writeFile(gate, "go");
}

/** Removes a released gate once its holders have returned. */
export async function removeGate(gate: string): Promise<void> {
  await rm(gate, { force: true });
}
