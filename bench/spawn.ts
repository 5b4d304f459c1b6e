import { run, spawn } from "effection";
import { alternate, time } from "./lib/alternate.ts";
import { spawnTask } from "./lib/quiesce.ts";
import { atMost, type GroupRunner, makeRow, type Row } from "./lib/row.ts";

const VARIANTS = ["@quiesce/core", "effection", "promises"] as const;

function* body(i: number) {
  return i;
}

/** Spawns `n` tasks that return at once, then waits for every one. */
const contenders = (n: number) => [
  {
    name: "@quiesce/core",
    measure: async () => ({
      ms: await time(() =>
        run(function* () {
          const tasks = [];
          for (let i = 0; i < n; i++) tasks.push(yield* spawnTask(() => body(i)));
          for (const task of tasks) yield* task;
        }),
      ),
    }),
  },
  {
    name: "effection",
    measure: async () => ({
      ms: await time(() =>
        run(function* () {
          const tasks = [];
          for (let i = 0; i < n; i++) tasks.push(yield* spawn(() => body(i)));
          for (const task of tasks) yield* task;
        }),
      ),
    }),
  },
  {
    name: "promises",
    measure: async () => ({
      ms: await time(() => {
        const tasks = [];
        for (let i = 0; i < n; i++) tasks.push((async () => i)());
        return Promise.all(tasks);
      }),
    }),
  },
];

export const spawnGroup: GroupRunner = async ({ quick, log }) => {
  const sizes: [number, number][] = quick
    ? [[200, 1]]
    : [
        [1_000, 9],
        [10_000, 5],
        [100_000, 3],
      ];
  const rows: Row[] = [];
  for (const [n, rounds] of sizes) {
    log(`spawn+complete n=${n}`);
    const samples = await alternate(contenders(n), { rounds, warmup: 1 });
    rows.push(
      makeRow(samples, {
        case: `${n.toLocaleString("en-US")} tasks`,
        metric: "ms",
        unit: "µs/task",
        variants: VARIANTS,
        anchors: ["effection", "promises"],
        scale: (ms) => (ms * 1000) / n,
        goal: (r) => atMost("≤ 1.10x effection", r.effection!, 1.1),
      }),
    );
  }
  return {
    id: "spawn",
    title: "Spawn and complete N tasks",
    meaning:
      "Time per task to spawn N tasks that return at once and wait for every result, inside one " +
      "`run()`: `spawnTask` vs effection's `spawn` vs an async function per task gathered with " +
      "`Promise.all`. Goal: our overhead over raw effection at most 10%.",
    rows,
    notes: [],
  };
};
