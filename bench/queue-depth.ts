import { alternate, type Samples } from "./lib/alternate.ts";
import { asVariants, nodeContender, withContenders } from "./lib/isolated.ts";
import { count, POOL_ANCHORS, QUIESCE_POOLS } from "./lib/names.ts";
import { derivedRow, fmt, type GroupRunner, makeRow, type Row } from "./lib/row.ts";

const OURS = "@quiesce/executor";
const VARIANTS = [OURS, "piscina", "tinypool"];
const PHASES = [
  ["total", "all phases"],
  ["submit", "submit"],
  ["cancel", "cancel half"],
  ["drain", "drain the rest"],
] as const;
/** "Flat": per-job cost at the largest size at most this times the smallest size's. */
const FLAT = 1.5;

export const queueDepthGroup: GroupRunner = async ({ quick, log }) => {
  const sizes: [number, number][] = quick
    ? [
        [200, 1],
        [1_000, 1],
      ]
    : [
        [1_000, 5],
        [10_000, 3],
        [100_000, 1],
      ];
  const specs = [
    nodeContender(OURS, QUIESCE_POOLS, "queueDepth", { runtime: "threads" }, { quiesce: true }),
    nodeContender("piscina", POOL_ANCHORS, "queueDepth", {
      library: "piscina",
      runtime: "threads",
    }),
    nodeContender("tinypool", POOL_ANCHORS, "queueDepth", {
      library: "tinypool",
      runtime: "threads",
    }),
  ];
  const bySize = await withContenders(specs, async (remotes) => {
    const bySize: [number, Samples][] = [];
    for (const [n, rounds] of sizes) {
      log(`queue depth n=${n}`);
      // 100k: a warm-up round would cost as much as a measured one; smaller sizes warmed up.
      const warmup = n >= 100_000 ? 0 : 1;
      bySize.push([n, await alternate(asVariants(remotes, { n }), { rounds, warmup })]);
    }
    return bySize;
  });
  const rows: Row[] = [];
  for (const [n, samples] of bySize) {
    for (const [metric, what] of PHASES) {
      if (metric !== "total" && n !== bySize.at(-1)![0]) continue;
      rows.push(
        makeRow(samples, {
          case: `${count(n)} queued, half cancelled: ${what}`,
          metric,
          unit: "µs/job",
          variants: VARIANTS,
          anchors: VARIANTS.slice(1),
          scale: (ms) => (ms * 1000) / n,
        }),
      );
    }
  }
  const totals = rows.filter((r) => r.metric === "total");
  const [first, last] = [totals[0]!, totals.at(-1)!];
  const median = (row: Row, v: string) =>
    row.cells.find((c) => c.variant === v)?.summary.median ?? Number.NaN;
  const growth = Object.fromEntries(VARIANTS.map((v) => [v, median(last, v) / median(first, v)]));
  const [small, large] = [sizes[0]![0], sizes.at(-1)![0]];
  rows.push(
    derivedRow({
      case: `growth of the per-job cost, ${count(small)} → ${count(large)} queued`,
      metric: "growth",
      unit: "x",
      values: growth,
      anchors: VARIANTS.slice(1),
      goal: () => ({
        id: "queue-depth",
        text: `flat: per-job cost at ${count(large)} ≤ ${FLAT}x its cost at ${count(small)}`,
        met: growth[OURS]! <= FLAT,
        detail:
          `ours ${fmt(growth[OURS]!)}x (piscina ${fmt(growth.piscina!)}x, ` +
          `tinypool ${fmt(growth.tinypool!)}x)`,
      }),
    }),
  );
  return {
    id: "queue-depth",
    title: "Queue depth: N jobs queued on 2 workers, half of them cancelled",
    meaning:
      "Both workers of a warm thread pool are held by a job that waits for a file; N " +
      "trivial jobs are then queued behind them (phase submit), every other one is " +
      "cancelled (phase cancel, until every cancel has settled), the workers are released " +
      "and the other half runs (phase drain). Cells are microseconds per queued job; an " +
      "O(n) step per job shows as per-job cost growing with N. Ours: `pool.submit()` and " +
      "`job.cancel()`; piscina and tinypool: `run()` with an `AbortSignal` per job (how a " +
      "queued job is cancelled there) and `abort()`. Each column has a pool of its own. " +
      `"Flat" is read as: at ${count(large)} queued, at most ${FLAT}x the ` +
      `per-job cost at ${count(small)}.`,
    rows,
    notes: [
      "Only the largest size shows its phases; the total rows give the per-job cost at " +
        "every size. An aborted queued job is removed from tinypool's array queue with " +
        "`indexOf` + `splice`, and from piscina's chain of 2,048-slot ring buffers by " +
        "scanning them with `includes`: both O(n) per cancel, so their cancel phase grows " +
        "with N.",
    ],
  };
};
