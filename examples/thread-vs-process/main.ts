// Seed 002's fork/spawn/forkserver discussion, measured for Node: what does a
// worker cost as a thread and as a process? Start-up, a trivial job's round trip,
// throughput with every worker busy, a 1 MB argument, and shutdown, in one table.
//
//   pnpm example thread-vs-process
//   pnpm example thread-vs-process --workers 4 --jobs 500
import { main } from "@quiesce/core";
import { type ExecutorPool, runInExecutor, useProcessPool, useThreadPool } from "@quiesce/executor";
import { all, type Operation, scoped } from "effection";

const workers = Number(flag("--workers") ?? 2);
const jobs = Number(flag("--jobs") ?? 200);
const module = new URL("./worker.mjs", import.meta.url);

interface Row {
  label: string;
  unit: string;
  thread: number;
  process: number;
}

function* time(op: () => Operation<unknown>): Operation<number> {
  const start = performance.now();
  yield* op();
  return performance.now() - start;
}

type Kind = "thread" | "process";

function* measure(kind: Kind): Operation<Record<string, number>> {
  const open = (maxWorkers: number) =>
    kind === "thread"
      ? useThreadPool({ module, maxWorkers })
      : useProcessPool({ module, maxWorkers, execArgv: [] }); // plain JS: no tsx needed
  const out: Record<string, number> = {};
  out.first = yield* time(() => scoped(() => open(1)));
  let pool: ExecutorPool | undefined;
  let stopStart = 0;
  yield* scoped(function* () {
    // The pool starts all its workers and returns once each has loaded the module.
    out.all = yield* time(function* () {
      pool = yield* open(workers);
    });
    const p = pool!;
    // One untimed pass first, so the numbers are steady state, not first-call costs.
    for (let i = 0; i < 20; i++) yield* runInExecutor(p, "noop");
    yield* all(Array.from({ length: 20 }, () => runInExecutor(p, "noop")));
    out.roundTrip =
      (yield* time(function* () {
        for (let i = 0; i < jobs; i++) yield* runInExecutor(p, "noop");
      })) / jobs;
    const busy = yield* time(() =>
      all(Array.from({ length: jobs }, () => runInExecutor(p, "noop"))),
    );
    out.throughput = jobs / (busy / 1000);
    const mb = new Uint8Array(1 << 20).fill(7);
    out.megabyte =
      (yield* time(function* () {
        for (let i = 0; i < 20; i++) yield* runInExecutor(p, "echo", mb);
      })) / 20;
    stopStart = performance.now();
  });
  out.stop = performance.now() - stopStart; // the scope's end shut the pool down
  console.log(`measured ${kind} pool (${workers} workers, ${jobs} jobs)`);
  return out;
}

await main(function* () {
  const t = yield* measure("thread");
  const p = yield* measure("process");
  const rows: Row[] = [
    {
      label: "start a pool of 1 and load the module",
      unit: "ms",
      thread: t.first!,
      process: p.first!,
    },
    {
      label: `start ${workers} worker${workers === 1 ? "" : "s"}, all ready`,
      unit: "ms",
      thread: t.all!,
      process: p.all!,
    },
    {
      label: "trivial job, round trip",
      unit: "µs",
      thread: t.roundTrip! * 1000,
      process: p.roundTrip! * 1000,
    },
    {
      label: "trivial jobs, all workers busy",
      unit: "jobs/s",
      thread: t.throughput!,
      process: p.throughput!,
    },
    {
      label: "1 MB argument there and back",
      unit: "ms",
      thread: t.megabyte!,
      process: p.megabyte!,
    },
    { label: "shut the pool down", unit: "ms", thread: t.stop!, process: p.stop! },
  ];
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(2));
  const w = Math.max(...rows.map((r) => r.label.length));
  console.log("");
  console.log(`| ${"".padEnd(w)} | unit   |   thread |  process | process/thread |`);
  console.log(`| ${"-".repeat(w)} | ------ | -------: | -------: | -------------: |`);
  for (const r of rows) {
    const ratio = `${(r.process / r.thread).toFixed(1)}×`;
    console.log(
      `| ${r.label.padEnd(w)} | ${r.unit.padEnd(6)} | ${fmt(r.thread).padStart(8)} | ` +
        `${fmt(r.process).padStart(8)} | ${ratio.padStart(14)} |`,
    );
  }
});

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
