import { asCompleted, gather, spawnTask, type TaskHandle, wait } from "@quiesce/core";
import { all, each, type Operation, run, spawn, withResolvers } from "effection";
import { alternate, type Samples, type Variant } from "./lib/alternate.ts";
import { deferred } from "./lib/deferred.ts";
import { type GroupRunner, makeRow, type Row } from "./lib/row.ts";

type Collect<T> = (tasks: T[]) => Operation<unknown>;

/**
 * Spawns `n` tasks parked on one gate (untimed), then times opening the gate and
 * collecting every task with `collect`: the cost of n settlements plus the combinator.
 */
function structured<T>(
  n: number,
  spawnOne: (op: () => Operation<number>) => Operation<T>,
  collect: Collect<T>,
): () => Promise<Record<string, number>> {
  return async () => {
    let ms = 0;
    await run(function* () {
      const gate = withResolvers<void>();
      const tasks: T[] = [];
      for (let i = 0; i < n; i++) {
        tasks.push(
          yield* spawnOne(function* () {
            yield* gate.operation;
            return i;
          }),
        );
      }
      const start = performance.now();
      gate.resolve();
      yield* collect(tasks);
      ms = performance.now() - start;
    });
    return { ms };
  };
}

const ours = (op: () => Operation<number>) => spawnTask(op);

function* viaAsCompleted(tasks: TaskHandle<number>[]): Operation<number> {
  let seen = 0;
  for (const _ of yield* each(asCompleted(tasks))) {
    seen++;
    yield* each.next();
  }
  if (seen !== tasks.length) throw new Error(`asCompleted gave ${seen} of ${tasks.length}`);
  return seen;
}

function* inOrder(tasks: TaskHandle<number>[]): Operation<void> {
  for (const task of tasks) yield* task;
}

const contenders = (n: number): Variant[] => [
  { name: "wait", measure: structured(n, ours, (t) => wait(t)) },
  { name: "gather", measure: structured(n, ours, (t) => gather(t)) },
  { name: "asCompleted", measure: structured(n, ours, viaAsCompleted) },
  { name: "yield* each handle", measure: structured(n, ours, inOrder) },
  {
    name: "effection all()",
    measure: structured(
      n,
      (op) => spawn(op),
      (t) => all(t),
    ),
  },
  {
    name: "Promise.all",
    measure: async () => {
      const gate = deferred();
      const tasks: Promise<number>[] = [];
      for (let i = 0; i < n; i++) {
        tasks.push(
          (async () => {
            await gate.promise;
            return i;
          })(),
        );
      }
      const start = performance.now();
      gate.resolve();
      await Promise.all(tasks);
      return { ms: performance.now() - start };
    },
  },
];

const ANCHORS = ["yield* each handle", "effection all()", "Promise.all"];

export const combinatorsGroup: GroupRunner = async ({ quick, log }) => {
  const n = quick ? 200 : 10_000;
  const rounds = quick ? 1 : 3;
  log(`wait/gather/asCompleted n=${n}`);
  const samples = await alternate(contenders(n), { rounds, warmup: 0 });
  const rows: Row[] = ["wait", "gather", "asCompleted"].map((name) => {
    const view: Samples = { ...samples, "@quiesce/core": samples[name]! };
    return makeRow(view, {
      case: `\`${name}\` over ${n.toLocaleString("en-US")} tasks`,
      metric: "ms",
      unit: "ms",
      variants: ["@quiesce/core", ...ANCHORS],
      anchors: ANCHORS,
    });
  });
  return {
    id: "combinators",
    title: "`wait`, `gather`, `asCompleted` over N tasks",
    meaning:
      "N tasks are spawned parked on one gate (not timed); the clock runs from opening the " +
      "gate until the combinator returns, so each cell is N settlements plus the combinator. " +
      "The anchors collect the same tasks without a combinator (`yield*` each handle in " +
      "order), with effection's `all()` over raw effection tasks, and with `Promise.all` over " +
      "async functions. No goal is set in issue 6; the ratios show what a combinator adds.",
    rows,
    notes: [
      "Most of each cell is the N settlements themselves (compare the `yield* each " +
        "handle` column, which has no combinator at all); effection's `all()` runs one more " +
        "task per operation, which is why it is slower than ours. `Promise.all` shows what " +
        "the same fan-in costs without structured concurrency.",
    ],
  };
};
