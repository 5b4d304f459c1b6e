import { alternate } from "./lib/alternate.ts";
import { asVariants, nodeContender, withContenders } from "./lib/isolated.ts";
import {
  ASYNCIO,
  count,
  EFFECT,
  EFFECT_TASKS,
  EFFECTION_TASKS,
  PROMISE_TASKS,
  QUIESCE_TASKS,
} from "./lib/names.ts";
import { asyncioContender, asyncioNote } from "./lib/python.ts";
import { type GroupRunner, makeRow, type Row } from "./lib/row.ts";

const OURS = "@quiesce/core";
const VARIANTS = [OURS, "effection", "promises", EFFECT, ASYNCIO];
type Shape = "wide" | "deep";

export const cancelTreeGroup: GroupRunner = async ({ quick, log }) => {
  const cases: [Shape, number, number][] = quick
    ? [
        ["wide", 100, 1],
        ["deep", 50, 1],
      ]
    : [
        ["wide", 10_000, 2],
        ["deep", 1_000, 5],
      ];
  const specs = [
    nodeContender(OURS, QUIESCE_TASKS, "cancelTree", null, { quiesce: true }),
    nodeContender("effection", EFFECTION_TASKS, "cancelTree"),
    nodeContender("promises", PROMISE_TASKS, "cancelTree"),
    nodeContender(EFFECT, EFFECT_TASKS, "cancelTree"),
    asyncioContender(ASYNCIO, "cancel_tree"),
  ];
  const rows = await withContenders(specs, async (remotes) => {
    const rows: Row[] = [];
    for (const [shape, n, rounds] of cases) {
      log(`cancel ${shape} n=${n}`);
      const samples = await alternate(asVariants(remotes, { shape, n }), { rounds, warmup: 1 });
      for (const [metric, what] of [
        ["cancel", "cancel call returns"],
        ["cleanup", "every cleanup ran"],
      ] as const) {
        rows.push(
          makeRow(samples, {
            case: `${shape}, ${count(n)} tasks: ${what}`,
            metric,
            unit: "ms",
            variants: VARIANTS,
            anchors: VARIANTS.slice(1),
          }),
        );
      }
    }
    return rows;
  });
  return {
    id: "cancel-tree",
    title: "Cancel a tree of N suspended tasks",
    meaning:
      "A tree of suspended tasks, each with a `finally` that counts its cleanup: wide (one " +
      "parent, N children) and deep (a chain of N). We time the cancel call itself " +
      "(`handle.cancel()`; effection's `task.halt()` started with `.then`; " +
      "`AbortController.abort()` for promises, one controller per task linked to its " +
      "parent's; `Fiber.interrupt` of the root fiber for Effect, whose `forkChild` " +
      "children are interrupted with it; `task.cancel()` of the root task for asyncio, " +
      "each level an `asyncio.TaskGroup`) and the time until the tree has settled with " +
      "every cleanup run. No goal in issue 13; the ratios are the point.",
    rows,
    notes: [
      "With effection (and so with ours) and with Effect the cancel call does all the work " +
        "synchronously, so the two rows of a case are the same number. Promises and " +
        "asyncio settle later: `abort()` and `Task.cancel()` only schedule the work.",
      ...effectDeepNote(rows),
      ...asyncioNote(),
    ],
  };
};

/** Says why Effect's deep cells are empty when they are (see effect-tasks.ts). */
function effectDeepNote(rows: readonly Row[]): string[] {
  const empty = rows.some(
    (r) => r.case.startsWith("deep") && r.cells.find((c) => c.variant === EFFECT)?.summary.n === 0,
  );
  return empty
    ? [
        "Effect's deep cells are empty: interrupting a chain of 1,000 `forkChild` fibers " +
          "with `Fiber.interrupt` in Effect 4.1.0 recursed once per level, overflowed the " +
          "stack at about 800 levels on this machine and then ran out of memory instead " +
          "of failing, so the bench stops at 500 levels for Effect (it measures nothing " +
          "deeper).",
      ]
    : [];
}
