import { alternate } from "./lib/alternate.ts";
import { asVariants, nodeContender, withContenders } from "./lib/isolated.ts";
import {
  ASYNCIO,
  count,
  EFFECT,
  EFFECT_TASKS,
  EFFECTION_TASKS,
  PROMISE_TASKS,
  QUIESCE_DEBUG_TASKS,
  QUIESCE_TASKS,
} from "./lib/names.ts";
import { asyncioContender, asyncioNote } from "./lib/python.ts";
import { atMost, derivedRow, fmt, type GroupRunner, makeRow, type Row } from "./lib/row.ts";

const OURS = "@quiesce/core";
const TAXED = "effection, quiesce loaded";
const DEBUG = "@quiesce/core, debug mode";
const VARIANTS = [OURS, "effection", "promises", EFFECT, ASYNCIO, TAXED, DEBUG];
/** The taxed and debug columns cost as much as ours: measured at the smallest size only. */
const TAXED_MAX_N = 1_000;

export const spawnGroup: GroupRunner = async ({ quick, log }) => {
  // [tasks, rounds]; quick still has two sizes so the growth row runs.
  const sizes: [number, number][] = quick
    ? [
        [100, 1],
        [400, 1],
      ]
    : [
        [1_000, 11],
        [10_000, 4],
        [100_000, 2],
      ];
  const specs = [
    nodeContender(OURS, QUIESCE_TASKS, "spawn", null, { quiesce: true }),
    nodeContender("effection", EFFECTION_TASKS, "spawn"),
    nodeContender("promises", PROMISE_TASKS, "spawn"),
    nodeContender(EFFECT, EFFECT_TASKS, "spawn"),
    asyncioContender(ASYNCIO, "spawn"),
    nodeContender(
      TAXED,
      QUIESCE_TASKS,
      "taxedEffectionSpawn",
      { maxN: TAXED_MAX_N },
      {
        quiesce: true,
      },
    ),
    nodeContender(DEBUG, QUIESCE_DEBUG_TASKS, "spawn", { maxN: TAXED_MAX_N }, { quiesce: true }),
  ];
  const rows: Row[] = await withContenders(specs, async (remotes) => {
    const rows: Row[] = [];
    for (const [n, rounds] of sizes) {
      log(`spawn+complete n=${n}`);
      // 100k: a warm-up round would cost as much as a measured one. 1k, the first size, gets
      // three (the JIT settles on every column first), 10k one.
      const samples = await alternate(asVariants(remotes, { n }), {
        rounds,
        warmup: n >= 100_000 ? 0 : n <= 1_000 ? 3 : 1,
      });
      rows.push(
        makeRow(samples, {
          case: `${count(n)} tasks`,
          metric: "ms",
          unit: "µs/task",
          variants: VARIANTS,
          anchors: VARIANTS.slice(1, -2),
          scale: (ms) => (ms * 1000) / n,
          goal: (r) => atMost("≤ 1.05x raw effection, untaxed", r.effection!, 1.05, "spawn"),
        }),
      );
    }
    return rows;
  });
  rows.push(growthRow(rows, sizes[0]![0], sizes.at(-1)![0]));
  return {
    id: "spawn",
    title: "Spawn and complete N tasks",
    meaning:
      "Time per task to spawn N tasks that return at once, inside one `run()`, until the " +
      "last has finished (each task counts itself; the last opens a gate the spawner waits " +
      "on; no handles are kept, so finished tasks can be collected): `spawnTask` vs " +
      "effection's `spawn` vs an async function per task, with Effect fibers " +
      "(`Effect.forkChild` in one `Effect.runPromise`) and CPython asyncio " +
      "(`asyncio.create_task` in one `run_until_complete`) as reference columns. The " +
      "last column is raw effection again, but run in the process where quiesce is loaded " +
      "and `spawnTask` has run: the tax the untaxed column is free of; then `spawnTask` in " +
      "debug mode (`QUIESCE_DEBUG=1`: each task records where it was created), for scale, " +
      `both at ${count(TAXED_MAX_N)} tasks only. The goals are on the default. The last row ` +
      "divides each column's per-task cost at the largest N by its cost at the smallest.",
    rows,
    notes: [...taxNotes(rows), ...debugNotes(rows), ...spawnNotes(rows), ...asyncioNote()],
  };
};

/** Per-task cost at `large` ÷ at `small`, per column; goal: ours grows no more than effection. */
function growthRow(rows: readonly Row[], small: number, large: number): Row {
  const median = (row: Row, v: string) =>
    row.cells.find((c) => c.variant === v)?.summary.median ?? Number.NaN;
  const [first, last] = [rows[0]!, rows.at(-1)!];
  const columns = VARIANTS.filter((v) => v !== TAXED && v !== DEBUG);
  const values = Object.fromEntries(columns.map((v) => [v, median(last, v) / median(first, v)]));
  return derivedRow({
    case: `growth, ${count(small)} → ${count(large)} tasks`,
    metric: "growth",
    unit: "x",
    values,
    anchors: VARIANTS.slice(1, 2),
    goal: (r) => {
      const met = r.effection! <= 1;
      const more = met ? "" : `: ${((r.effection! - 1) * 100).toFixed(1)}% more growth`;
      return {
        id: "growth",
        text: "grows no more than raw effection's",
        met,
        detail: `ours ${fmt(values[OURS]!)}x, effection ${fmt(values.effection!)}x${more}`,
      };
    },
  });
}

/** How much slower raw effection runs where quiesce is loaded, per size measured. */
function taxNotes(rows: readonly Row[]): string[] {
  const median = (row: Row, v: string) =>
    row.cells.find((c) => c.variant === v)?.summary.median ?? Number.NaN;
  const parts = rows.flatMap((row) => {
    const [taxed, clean] = [median(row, TAXED), median(row, "effection")];
    if (!Number.isFinite(taxed) || !Number.isFinite(clean)) return [];
    const pct = (taxed / clean - 1) * 100;
    const signed = `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`;
    return [`${row.case}: ${fmt(taxed)} vs ${fmt(clean)} µs/task (${signed})`];
  });
  if (parts.length === 0) return [];
  return [
    `Raw effection where quiesce is loaded vs where it is not: ${parts.join("; ")}. Rounds ` +
      "on a shared machine spread by several percent, so a difference within the ranges " +
      "is no tax.",
  ];
}

/** What debug mode (a creation site per task) costs, per size measured. */
function debugNotes(rows: readonly Row[]): string[] {
  const median = (row: Row, v: string) =>
    row.cells.find((c) => c.variant === v)?.summary.median ?? Number.NaN;
  const parts = rows.flatMap((row) => {
    const [debug, ours] = [median(row, DEBUG), median(row, OURS)];
    if (!Number.isFinite(debug) || !Number.isFinite(ours)) return [];
    return [`${row.case}: ${fmt(debug)} vs ${fmt(ours)} µs/task (${fmt(debug / ours)}x)`];
  });
  if (parts.length === 0) return [];
  return [
    `Debug mode (\`QUIESCE_DEBUG=1\`, where each task was created) vs the default: ${parts.join("; ")}. ` +
      "It captures the caller's stack frame at every spawn, which V8 makes costly for " +
      "optimised code: that is why it is off by default, as in asyncio.",
  ];
}

function spawnNotes(rows: readonly Row[]): string[] {
  const noisy = rows.some((row) =>
    row.cells.some(
      (c) =>
        [OURS, "effection"].includes(c.variant) &&
        c.summary.n > 1 &&
        c.summary.max > 1.5 * c.summary.min,
    ),
  );
  return noisy
    ? [
        "In this run some rounds differ by more than 1.5x (see the ranges): the medians " +
          "and their ratios are rough.",
      ]
    : [];
}
