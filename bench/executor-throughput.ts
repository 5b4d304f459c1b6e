import { alternate } from "./lib/alternate.ts";
import { asVariants, nodeContender, withContenders } from "./lib/isolated.ts";
import { count, POOL_ANCHORS, QUIESCE_POOLS } from "./lib/names.ts";
import type { Runtime } from "./lib/raw-pools.ts";
import { atLeast, type GroupRunner, makeRow, type Row } from "./lib/row.ts";

const OURS = "@quiesce/executor";

function contenders(runtime: Runtime) {
  const specs = [
    nodeContender(OURS, QUIESCE_POOLS, "throughput", { runtime, api: "submit" }, { quiesce: true }),
    nodeContender("map()", QUIESCE_POOLS, "throughput", { runtime, api: "map" }, { quiesce: true }),
    nodeContender("tinypool", POOL_ANCHORS, "throughput", { library: "tinypool", runtime }),
  ];
  if (runtime === "threads") {
    specs.push(
      nodeContender("piscina", POOL_ANCHORS, "throughput", { library: "piscina", runtime }),
    );
  }
  specs.push(
    nodeContender("tinypool + signal", POOL_ANCHORS, "throughput", {
      library: "tinypool",
      runtime,
      signal: true,
    }),
  );
  return specs;
}

export const executorThroughputGroup: GroupRunner = async ({ quick, log }) => {
  const rows: Row[] = [];
  const cases: [Runtime, number, number][] = quick
    ? [
        ["threads", 100, 1],
        ["processes", 50, 1],
      ]
    : [
        ["threads", 5_000, 7],
        ["processes", 2_000, 7],
      ];
  for (const [runtime, jobs, rounds] of cases) {
    log(`throughput ${runtime} jobs=${jobs}`);
    const specs = contenders(runtime);
    const samples = await withContenders(specs, (remotes) =>
      alternate(asVariants(remotes, { jobs }), { rounds, warmup: 1 }),
    );
    const variants = specs.map((s) => s.name);
    rows.push(
      makeRow(samples, {
        case: `${runtime}: ${count(jobs)} trivial jobs, 2 workers`,
        metric: "rate",
        unit: "jobs/s",
        variants,
        anchors: variants.filter((v) => v === "tinypool" || v === "piscina"),
        goal: (r) => atLeast(`${runtime} ≥ 1.0x raw tinypool`, r.tinypool!, 1, "throughput"),
      }),
    );
  }
  return {
    id: "executor-throughput",
    title: "Executor throughput on trivial jobs",
    meaning:
      "Jobs per second (higher is better) when N jobs that return their argument are " +
      "submitted at once to a warm pool of two workers and awaited together: our " +
      "`pool.submit()` (one `Job` each, the layer every API uses), our `map()` stream (at " +
      "most `maxWorkers` jobs in flight), raw tinypool's `run()`, and piscina's `run()` " +
      "(threads only: piscina has no process runtime). The last column is raw tinypool given " +
      "a fresh `AbortSignal` per job, which a caller needs to be able to cancel a job. Each " +
      "column has a pool of its own.",
    rows,
    notes: [
      "Ours keeps as many jobs again as workers waiting in tinypool's own queue, which " +
        "tinypool serves the moment a worker answers (as raw tinypool serves its queue); the " +
        "rest of the gap is what every job costs on top: its record and settlement on the " +
        "host, its context and claim in the worker. Handing a thread its next job while it " +
        "runs one (tinypool's `concurrentTasksPerWorker: 2`) measured about 1.25x raw " +
        "tinypool here, but a job could then wait behind a long one while another thread " +
        "was free, so it is not done. Processes: each job is one message each way (JSON, or " +
        "V8 serialization inside it for what JSON cannot carry), plus tinypool's own " +
        "per-task `process.memoryUsage()` in the child, which both columns pay.",
      "`map()` keeps at most `maxWorkers` jobs in flight and hands out results in order, so " +
        "it pays a full round trip per job; it is shown for scale, the goal applies to " +
        "`submit()`.",
      "No Effect column: Effect 4's worker pool (`effect/workers` with " +
        "`@effect/platform-node`'s `NodeWorker`) carries typed messages over a protocol both " +
        "sides must define, not a module of plain functions; it is not the same work as a " +
        "pool of trivial jobs.",
    ],
  };
};
