import { type Operation, run, spawn, withResolvers } from "effection";
import { alternate, type Variant } from "./lib/alternate.ts";
import { deferred } from "./lib/deferred.ts";
import { spawnTask } from "./lib/quiesce.ts";
import { atMost, type GroupRunner, makeRow, type Row } from "./lib/row.ts";

const VARIANTS = ["@quiesce/core", "effection", "promises"] as const;

/**
 * Spawns `n` tasks that count themselves done and return; the last one opens the
 * gate the spawner waits on. No handle is kept, so finished tasks can be collected
 * as they go (keeping 100k handles would mostly measure the GC).
 */
const contenders = (n: number): Variant[] => [
  { name: "@quiesce/core", measure: () => structured(n, (op) => spawnTask(op)) },
  { name: "effection", measure: () => structured(n, (op) => spawn(op)) },
  {
    name: "promises",
    measure: async () => {
      const start = performance.now();
      const gate = deferred();
      let left = n;
      for (let i = 0; i < n; i++) {
        void (async () => {
          if (--left === 0) gate.resolve();
          return i;
        })();
      }
      await gate.promise;
      return { ms: performance.now() - start };
    },
  },
];

async function structured(
  n: number,
  spawnOne: (op: () => Operation<number>) => Operation<Operation<unknown>>,
): Promise<Record<string, number>> {
  const start = performance.now();
  await run(function* () {
    const gate = withResolvers<void>();
    let left = n;
    let last: Operation<unknown> | undefined;
    for (let i = 0; i < n; i++) {
      last = yield* spawnOne(function* () {
        if (--left === 0) gate.resolve();
        return i;
      });
    }
    yield* gate.operation;
    // Trivial tasks finish in spawn order: once the last has settled, all have.
    yield* last!;
  });
  return { ms: performance.now() - start };
}

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
      "Time per task to spawn N tasks that return at once, inside one `run()`, until the " +
      "last has finished (each task counts itself; the last opens a gate the spawner waits " +
      "on; no handles are kept, so finished tasks can be collected): `spawnTask` vs " +
      "effection's `spawn` vs an async function per task. Goal: our overhead over raw effection at most 10%.",
    rows,
    notes: [],
  };
};
