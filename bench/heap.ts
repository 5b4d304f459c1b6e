import { alternate } from "./lib/alternate.ts";
import { asVariants, nodeContender, withContenders } from "./lib/isolated.ts";
import {
  count,
  EFFECT,
  EFFECT_TASKS,
  EFFECTION_TASKS,
  PROMISE_TASKS,
  QUIESCE_DEBUG_TASKS,
  QUIESCE_TASKS,
} from "./lib/names.ts";
import { atMost, fmt, type GroupRunner, makeRow } from "./lib/row.ts";

const OURS = "@quiesce/core";
const PROMISES = "async + AbortController";
const DEBUG = "@quiesce/core, debug mode";
const VARIANTS = [OURS, "effection", PROMISES, EFFECT, DEBUG];

export const heapGroup: GroupRunner = async ({ quick, log }) => {
  const n = quick ? 500 : 10_000;
  const rounds = quick ? 1 : 2;
  log(`heap per suspended task n=${n}`);
  const specs = [
    nodeContender(OURS, QUIESCE_TASKS, "heap", null, { quiesce: true }),
    nodeContender("effection", EFFECTION_TASKS, "heap"),
    nodeContender(PROMISES, PROMISE_TASKS, "heap"),
    nodeContender(EFFECT, EFFECT_TASKS, "heap"),
    nodeContender(DEBUG, QUIESCE_DEBUG_TASKS, "heap", null, { quiesce: true }),
  ];
  const samples = await withContenders(specs, (remotes) =>
    alternate(asVariants(remotes, { n }), { rounds, warmup: 1 }),
  );
  const row = makeRow(samples, {
    case: `${count(n)} suspended tasks`,
    metric: "bytes",
    unit: "B/task",
    variants: VARIANTS,
    anchors: ["effection", PROMISES, EFFECT],
    goal: (r) => atMost("≤ 1.05x raw effection", r.effection!, 1.05, "heap"),
  });
  const median = (v: string) => row.cells.find((c) => c.variant === v)?.summary.median;
  const [ours, effection, debug] = [median(OURS), median("effection"), median(DEBUG)];
  return {
    id: "heap",
    title: "Heap bytes per suspended task",
    meaning:
      "Heap used (after two full GCs) by N tasks suspended forever, divided by N, with the " +
      "handles kept in an array as a program would: `spawnTask` vs effection's `spawn` vs an " +
      "async function awaiting an abortable promise with its own `AbortController`, and " +
      "Effect fibers (`Effect.forkChild` of `Effect.never`) for reference. The last column " +
      "is `spawnTask` in debug mode (`QUIESCE_DEBUG=1`), where every task keeps where it " +
      "was created, for scale; the goal is on the default.",
    rows: [row],
    notes: [
      `Ours keeps ${fmt(ours! - effection!)} B per task more than raw effection ` +
        `(${fmt(ours!)} vs ${fmt(effection!)}); in debug mode, ` +
        `${fmt(debug! - ours!)} B more again, for where each task was created.`,
    ],
  };
};
