import { spawnTask, type TaskHandle, wait } from "@quiesce/core";
import { type ExecutorPool, runInExecutor } from "@quiesce/executor";
import { alternate, type Variant } from "./lib/alternate.ts";
import {
  inScope,
  openOurPool,
  openPiscina,
  openTinypool,
  type Piscina,
  type Tinypool,
} from "./lib/pools.ts";
import { fmt, type GroupRunner, makeRow, type Row } from "./lib/row.ts";

const WORKERS = 3;
const JOBS = 6;
const JOB_MS = 100;
const IDEAL_MS = (JOBS / WORKERS) * JOB_MS;

/** The seed program's body: six blocking jobs as tasks, then `wait` for all of them. */
function ours(pool: ExecutorPool): Promise<unknown> {
  return inScope(function* () {
    const tasks: TaskHandle<number>[] = [];
    for (let i = 0; i < JOBS; i++) {
      tasks.push(yield* spawnTask(() => runInExecutor<number>(pool, "blocks", JOB_MS)));
    }
    const { done } = yield* wait(tasks);
    return done.map((t) => t.result());
  });
}

function raw(pool: Tinypool | Piscina): Promise<unknown> {
  return Promise.all(
    Array.from({ length: JOBS }, () => pool.run(JOB_MS, { name: "blocks" }) as Promise<number>),
  );
}

/** Runs short blocking jobs until every worker has run one, so all are up. */
async function warmUp(run: () => Promise<number[]>): Promise<void> {
  const seen = new Set<number>();
  for (let round = 0; round < 100 && seen.size < WORKERS; round++) {
    for (const id of await run()) seen.add(id);
  }
  if (seen.size < WORKERS) throw new Error(`only ${seen.size} of ${WORKERS} workers came up`);
}

const wave = (pool: { run(arg: number, o: { name: string }): Promise<unknown> }) => () =>
  Promise.all(Array.from({ length: WORKERS }, () => pool.run(20, { name: "blocks" }))) as Promise<
    number[]
  >;

const ms = async (fn: () => Promise<unknown>) => {
  const start = performance.now();
  await fn();
  return { ms: performance.now() - start };
};

export const seedGroup: GroupRunner = async ({ quick, log }) => {
  const rounds = quick ? 1 : 7;
  log("seed program, warm pools");
  const our = await openOurPool("threads", { maxWorkers: WORKERS });
  const tiny = openTinypool("threads", WORKERS);
  const pisc = openPiscina(WORKERS);
  let warm: Awaited<ReturnType<typeof alternate>>;
  try {
    await warmUp(() =>
      Promise.all(
        Array.from({ length: WORKERS }, () => our.pool.submit<number>("blocks", 20).promise),
      ),
    );
    await warmUp(wave(tiny));
    await warmUp(wave(pisc));
    warm = await alternate(
      [
        { name: "@quiesce/executor", measure: () => ms(() => ours(our.pool)) },
        { name: "tinypool", measure: () => ms(() => raw(tiny)) },
        { name: "piscina", measure: () => ms(() => raw(pisc)) },
      ],
      { rounds, warmup: 0 },
    );
  } finally {
    await our.close();
    await tiny.destroy();
    await pisc.destroy();
  }

  log("seed program, cold pools");
  const cold: Variant[] = [
    {
      name: "@quiesce/executor",
      measure: async () => {
        const start = performance.now();
        const p = await openOurPool("threads", { maxWorkers: WORKERS });
        await ours(p.pool);
        const elapsed = performance.now() - start;
        await p.close();
        return { ms: elapsed };
      },
    },
    ...(["tinypool", "piscina"] as const).map((name) => ({
      name,
      measure: async () => {
        const start = performance.now();
        const pool = name === "tinypool" ? openTinypool("threads", WORKERS) : openPiscina(WORKERS);
        await raw(pool);
        const elapsed = performance.now() - start;
        await pool.destroy();
        return { ms: elapsed };
      },
    })),
  ];
  const coldSamples = await alternate(cold, { rounds: quick ? 1 : 5, warmup: 0 });

  const rows: Row[] = [];
  for (const [label, samples] of [
    ["warm pool (workers up)", warm],
    ["cold (pool start included)", coldSamples],
  ] as const) {
    const row = makeRow(samples, {
      case: `${JOBS} jobs of ${JOB_MS} ms on ${WORKERS} threads, ${label}`,
      metric: "ms",
      unit: "ms",
      variants: ["@quiesce/executor", "tinypool", "piscina"],
      anchors: ["tinypool", "piscina"],
    });
    const median = row.cells[0]!.summary.median;
    rows.push({
      ...row,
      ratios: [
        { label: "@quiesce/executor / ideal 200 ms", value: median / IDEAL_MS },
        ...row.ratios,
      ],
    });
  }
  const overhead = rows[0]!.cells[0]!.summary.median - IDEAL_MS;
  return {
    id: "seed",
    title: "The seed program: 6 jobs of 100 ms on 3 workers",
    meaning:
      "Seeds 000/003 (`examples/executor-thread`): six jobs that block their worker thread " +
      "for 100 ms (`Atomics.wait`, like `time.sleep`), started as tasks with " +
      "`spawnTask(runInExecutor(...))` and collected with `wait`, on a pool of three threads. " +
      "Ideal wall time: two waves of 100 ms = 200 ms. Anchors submit the same six jobs with " +
      "`Promise.all` over raw tinypool and piscina. Warm: every worker already started; " +
      "cold: from creating the pool to the last result.",
    rows,
    notes: [`Warm, we spend ${fmt(overhead)} ms over the ideal 200 ms.`],
  };
};
