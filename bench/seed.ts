import { alternate, type Samples } from "./lib/alternate.ts";
import { asVariants, type ContenderSpec, nodeContender, withContenders } from "./lib/isolated.ts";
import { ASYNCIO, POOL_ANCHORS, QUIESCE_POOLS } from "./lib/names.ts";
import { asyncioContender, asyncioNote } from "./lib/python.ts";
import type { Runtime } from "./lib/raw-pools.ts";
import { fmt, type GroupRunner, makeRow, type Row } from "./lib/row.ts";

const OURS = "@quiesce/executor";
const WORKERS = 3;
const JOBS = 6;

function contenders(runtime: Runtime, warm: boolean): (ContenderSpec | undefined)[] {
  const setup = { runtime, warm, workers: WORKERS };
  const raw = (library: string) =>
    nodeContender(library, POOL_ANCHORS, "seed", { ...setup, library });
  return [
    nodeContender(OURS, QUIESCE_POOLS, "seed", setup, { quiesce: true }),
    raw("tinypool"),
    runtime === "threads" ? raw("piscina") : undefined,
    asyncioContender(ASYNCIO, "seed", setup),
  ];
}

export const seedGroup: GroupRunner = async ({ quick, log }) => {
  // --quick only checks that the rows run: shorter jobs.
  const JOB_MS = quick ? 20 : 100;
  const IDEAL_MS = (JOBS / WORKERS) * JOB_MS;
  const cases: [Runtime, boolean, string, number][] = [
    ["threads", true, "warm pool (workers up)", quick ? 1 : 7],
    ["threads", false, "cold (pool start included)", quick ? 1 : 5],
    ["processes", true, "warm pool (workers up)", quick ? 1 : 5],
  ];
  const rows: Row[] = [];
  for (const [runtime, warm, label, rounds] of cases) {
    log(`seed program, ${runtime}, ${warm ? "warm" : "cold"}`);
    const specs = contenders(runtime, warm);
    const samples: Samples = await withContenders(specs, (remotes) =>
      alternate(asVariants(remotes, { jobs: JOBS, ms: JOB_MS }), { rounds, warmup: 0 }),
    );
    const variants = [OURS, "tinypool", "piscina", ASYNCIO];
    const row = makeRow(samples, {
      case: `${JOBS} jobs of ${JOB_MS} ms on ${WORKERS} ${runtime}, ${label}`,
      metric: "ms",
      unit: "ms",
      variants,
      anchors: variants.slice(1),
    });
    rows.push({
      ...row,
      ratios: [
        { label: `${OURS} / ideal ${IDEAL_MS} ms`, value: row.cells[0]!.summary.median / IDEAL_MS },
        ...row.ratios,
      ],
    });
  }
  const overhead = rows[0]!.cells[0]!.summary.median - IDEAL_MS;
  const ideal = `${IDEAL_MS} ms`;
  return {
    id: "seed",
    title: `The seed program: ${JOBS} jobs of ${JOB_MS} ms on ${WORKERS} workers`,
    meaning:
      "Seeds 000/003 (`examples/executor-thread`, `/work/shared/reference/" +
      "asyncio_executor.py`): six jobs that block their worker for 100 ms " +
      "(`Atomics.wait`, like `time.sleep`), started as tasks with " +
      "`spawnTask(runInExecutor(...))` and collected with `wait`, on a pool of three. Ideal " +
      "wall time: two waves of 100 ms = 200 ms. Anchors submit the same six jobs with " +
      "`Promise.all` over raw tinypool and piscina (threads only); the reference column is " +
      "the seed itself, `loop.run_in_executor` + `asyncio.wait` on a `ThreadPoolExecutor` " +
      "or `ProcessPoolExecutor` of three. Warm: every worker already started; cold: from " +
      "creating the pool to the last result.",
    rows,
    notes: [
      `Warm threads, we spend ${fmt(overhead)} ms over the ideal ${ideal}.`,
      "No Effect column: Effect 4 has no pool for blocking functions short of its worker " +
        "protocol (see the throughput group).",
      ...asyncioNote(),
    ],
  };
};
