// Worker module shared by the executor rows: plain JavaScript (a Node 20 worker thread
// cannot load TypeScript). Raw tinypool and piscina call `fn(arg)`; @quiesce/executor
// calls `fn(...args, ctx)`.
import { existsSync, writeFileSync } from "node:fs";
import { threadId } from "node:worker_threads";

const workerId = threadId === 0 ? process.pid : threadId;

/** The trivial job of the throughput rows. */
export function echo(value) {
  return value;
}

/** Blocks this worker (not just a promise) for `ms`, like `time.sleep`; returns who ran it. */
export function blocks(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return workerId;
}

/** CPU loop that checks the synchronous cancel flag every 1024 turns (threads). */
export function spinChecking(marker, ctx) {
  writeFileSync(marker, "started");
  let i = 0;
  for (;;) {
    if ((++i & 0x3ff) === 0) ctx.throwIfCancelled();
  }
}

/**
 * CPU work in 1 ms slices that lets the event loop turn between slices and checks
 * the flag: how CPU-bound code has to look to be cancellable in a child process.
 */
export async function spinSlices(marker, ctx) {
  writeFileSync(marker, "started");
  for (;;) {
    const end = performance.now() + 1;
    while (performance.now() < end) {}
    await new Promise((resolve) => setImmediate(resolve));
    ctx.throwIfCancelled();
  }
}

/** CPU loop that never looks at a cancel flag: only killing the worker stops it. */
export function spinForever(marker) {
  writeFileSync(marker, "started");
  let spinning = true;
  while (spinning) spinning = marker !== "";
}

/**
 * Writes `started`, then holds its worker until `gate` exists (polled every
 * millisecond without spinning): the queue-depth row parks both workers on it while
 * it queues jobs behind them.
 */
export function holdUntil({ started, gate }) {
  writeFileSync(started, "started");
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(gate)) Atomics.wait(cell, 0, 0, 1);
  return workerId;
}
