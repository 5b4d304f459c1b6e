// `pnpm demo`: quiesce in thirty seconds. A pool of worker threads crunches numbers
// with live progress. Press Ctrl+C: the running jobs are cancelled inside their
// workers, each saves a checkpoint (all at the same time), the pool shuts down, and
// the program prints what finished, what was cancelled and how long cleanup took,
// then ends by SIGINT like any well-behaved CLI. Without a terminal (CI, a pipe) it
// stops by itself after a few seconds, through the same cleanup.
//
//   pnpm demo
//   pnpm demo --seconds 5        stop by itself after 5 s (default: 3 s without a terminal)
import { availableParallelism } from "node:os";
import { cancelAll, cancelReason, describeCancelReason, main, spawnTask } from "@quiesce/core";
import { type ExecutorPool, runInExecutor, useThreadPool } from "@quiesce/executor";
import { type Operation, sleep } from "effection";

const tty = process.stdout.isTTY === true;
// Colour only on a terminal, and never with NO_COLOR set (https://no-color.org).
const colour = tty && !process.env.NO_COLOR;
const limitS = Number(flag("--seconds") ?? (tty ? Number.POSITIVE_INFINITY : 3));
const workers = Math.max(2, Math.min(4, availableParallelism()));
const out = (line: string) => process.stdout.write(`${line}\n`);
const bold = (s: string) => (colour ? `\x1b[1m${s}\x1b[22m` : s);
// Workers number themselves 1..workers from this shared counter (thread ids are not
// 1..workers: Node's own threads, such as a module loader's, take ids too).
const numbers = new Int32Array(new SharedArrayBuffer(4));

type JobState = "queued" | "claimed" | "running" | "done" | "cancelled";
interface Job {
  id: number;
  ms: number;
  state: JobState;
  startedAt: number;
  worker?: number;
}

// 32 jobs of 0.4 to 1.6 s (the same every run).
const jobs: Job[] = Array.from({ length: 32 }, (_, i) => ({
  id: i + 1,
  ms: 400 + ((i * 7919) % 13) * 100,
  state: "queued",
  startedAt: 0,
}));
const label = (job: Job) => `job ${String(job.id).padStart(2, "0")}`;

/** Runs one job on the pool; a cancel reaches the worker, which stops and cleans up. */
function* runJob(pool: ExecutorPool, job: Job): Operation<void> {
  job.state = "running";
  job.startedAt = performance.now();
  if (!tty) out(`  ${label(job)}: started (${job.ms} ms of work)`);
  try {
    const result = yield* runInExecutor<{ worker: number }>(
      pool,
      "crunch",
      job.id,
      job.ms,
      numbers,
    );
    job.state = "done";
    job.worker = result.worker;
    if (!tty) out(`  ${label(job)}: done on worker ${result.worker}`);
  } finally {
    if (job.state === "running") job.state = "cancelled";
  }
}

/** One lane per worker: takes the next queued job until none is left. */
function* lane(pool: ExecutorPool): Operation<void> {
  for (;;) {
    const job = jobs.find((j) => j.state === "queued");
    if (!job) return;
    job.state = "claimed"; // now, so that no other lane takes it
    yield* yield* spawnTask(() => runJob(pool, job), { name: label(job) });
  }
}

/** Redraws one progress bar per running job, in place, ten times a second (terminals only). */
function* progress(): Operation<void> {
  let drawn = 0;
  for (;;) {
    const running = jobs.filter((j) => j.state === "running");
    const done = jobs.filter((j) => j.state === "done").length;
    const lines = running.map((job) => {
      const f = Math.min(1, (performance.now() - job.startedAt) / job.ms);
      const bar = "█".repeat(Math.round(f * 24)).padEnd(24, "░");
      return `  ${label(job)} ${bar} ${String(Math.round(f * 100)).padStart(3)}%`;
    });
    while (lines.length < workers) lines.push("  (idle)"); // a fixed height: no stale lines
    lines.push(`  ${done}/${jobs.length} done. ${bold("Press Ctrl+C")} to stop cleanly.`);
    process.stdout.write(
      `${drawn > 0 ? `\x1b[${drawn}A` : ""}${lines.map((l) => `\x1b[2K${l}\n`).join("")}`,
    );
    drawn = lines.length;
    yield* sleep(100);
  }
}

await main(function* () {
  const t0 = performance.now();
  out(bold(`quiesce demo: ${jobs.length} CPU jobs on a pool of ${workers} worker threads`));
  out(
    tty
      ? "Press Ctrl+C at any time: running jobs are cancelled inside their workers, save a\n" +
          "checkpoint, and the program stops cleanly. Press it twice to stop at once."
      : `No terminal: stopping by itself after ${limitS} s, as if you pressed Ctrl+C (--seconds N).`,
  );
  const pool = yield* useThreadPool({
    module: new URL("./worker.mjs", import.meta.url),
    maxWorkers: workers,
  });
  out(`pool ready in ${Math.round(performance.now() - t0)} ms; working (pid ${process.pid})`);

  let stoppedBy = "all work done";
  let cleanupStart = 0;
  const stopping = (why: string) => {
    stoppedBy = why;
    cleanupStart = performance.now();
    out(`${tty ? "\n" : ""}${bold(why)}: cancelling the running jobs...`);
  };
  try {
    const work = yield* spawnTask(
      function* () {
        if (tty) yield* spawnTask(progress, { name: "progress" });
        const lanes = [];
        for (let i = 1; i <= workers; i++) {
          lanes.push(yield* spawnTask(() => lane(pool), { name: `lane-${i}` }));
        }
        for (const l of lanes) yield* l;
      },
      { name: "work" },
    );
    if (Number.isFinite(limitS)) {
      yield* spawnTask(
        function* () {
          yield* sleep(limitS * 1000);
          stopping(`time limit of ${limitS} s`);
          yield* work.cancel({ kind: "timeout", ms: limitS * 1000 });
        },
        { name: "time-limit" },
      );
    }
    yield* work.settlement();
    if (work.state === "failed") throw work.error();
  } finally {
    const why = yield* cancelReason();
    if (why) {
      // Ctrl+C: say so, then cancel every task (children first) and wait for their cleanup.
      stopping(describeCancelReason(why));
      yield* cancelAll(why);
    }
    const counts = { done: 0, cancelled: 0, queued: 0 };
    for (const job of jobs) {
      if (job.state === "done") counts.done++;
      else if (job.state === "cancelled") counts.cancelled++;
      else counts.queued++;
    }
    yield* pool.shutdown({ timeoutMs: 2000 });
    const cleanupMs = cleanupStart ? Math.round(performance.now() - cleanupStart) : 0;
    const stats = pool.stats();
    out("");
    out(bold("summary"));
    out(`  stopped by:  ${stoppedBy}, after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    out(`  finished:    ${counts.done} jobs`);
    out(
      `  cancelled:   ${counts.cancelled} running jobs (each one already in a worker saved a checkpoint)`,
    );
    out(`  not started: ${counts.queued} jobs`);
    out(
      `  cleanup:     ${cleanupMs} ms (checkpoints of 150 ms each, saved at the same time); ` +
        `${stats.killed} workers killed, ${stats.workers} left`,
    );
    out("next: pnpm example ctrl-c | daemon | executor-thread | fetch-as-completed (see README)");
  }
});

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
