// A program written only with async/await: no generators, no effection in sight.
// `mainAsync` gives the body an AbortSignal and the program's scope; a process pool
// from `createProcessPool` runs six CPU jobs on three child processes. Press Ctrl+C:
// the signal aborts, every job is cancelled inside its worker (each saves a
// checkpoint), leaving the `await using` block closes the pool, the program's
// deferred cleanup prints a summary, and the process ends by SIGINT (exit 130).
//
//   pnpm example async-await
//   pnpm example async-await --ms 5000      longer jobs: time to press Ctrl+C
import { writeSync } from "node:fs";
import { setInterval } from "node:timers/promises";
import { CancelledError, describeCancelReason, mainAsync } from "@quiesce/core";
import { type AsyncPool, createProcessPool } from "@quiesce/executor";

const jobs = Number(flag("--jobs") ?? 6);
const ms = Number(flag("--ms") ?? 300);
const counts = { done: 0, cancelled: 0 };

function log(message: string): void {
  writeSync(2, `[main ${process.pid}] ${message}\n`);
}

/** One job on the pool; the signal cancels it in its worker (or removes it from the queue). */
async function job(pool: AsyncPool, id: number, signal: AbortSignal): Promise<number> {
  try {
    const square = await pool.run<number>("crunch", [id, ms], { signal });
    counts.done++;
    log(`job ${id}: ${square}`);
    return square;
  } catch (error) {
    if (error instanceof CancelledError) {
      counts.cancelled++;
      log(`job ${id}: cancelled (${describeCancelReason(error.reason)})`);
    }
    throw error;
  }
}

await mainAsync(async (signal, program) => {
  const t0 = performance.now();
  await using pool = await createProcessPool({
    module: new URL("./worker.mjs", import.meta.url),
    maxWorkers: 3,
    cancelGraceMs: 1_000,
  });
  log(
    `pool: ${pool.maxWorkers} worker processes up after ${Math.round(performance.now() - t0)} ms`,
  );

  // Runs after the body and every task of the program, on Ctrl+C too.
  program.defer(() => {
    const left = pool.stats().workers;
    log(`cleanup: ${counts.done} done, ${counts.cancelled} cancelled; ${left} workers left`);
  });

  // A task of the program: cancelled when the body returns (or on Ctrl+C).
  void program.spawn(
    async (signal) => {
      for await (const _ of setInterval(500, undefined, { signal })) {
        log(`progress: ${counts.done}/${jobs} done`);
      }
    },
    { name: "progress" },
  );

  const ids = Array.from({ length: jobs }, (_, id) => id);
  const squares = await Promise.all(ids.map((id) => job(pool, id, signal)));
  log(`results: ${JSON.stringify(squares)}`);
}); // leaving the body's `await using` block closed the pool: no worker is left

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
