import { cancelLatencyGroup } from "./cancel-latency.ts";
import { cancelTreeGroup } from "./cancel-tree.ts";
import { combinatorsGroup } from "./combinators.ts";
import { executorThroughputGroup } from "./executor-throughput.ts";
import { heapGroup } from "./heap.ts";
import type { GoalLine } from "./lib/report.ts";
import type { GroupRunner } from "./lib/row.ts";
import { queueDepthGroup } from "./queue-depth.ts";
import { seedGroup } from "./seed.ts";
import { shutdownGroup } from "./shutdown.ts";
import { spawnGroup } from "./spawn.ts";

/** Every row group, in the order the suite runs and the document lists them. */
export const GROUPS: Record<string, GroupRunner> = {
  spawn: spawnGroup,
  heap: heapGroup,
  "cancel-tree": cancelTreeGroup,
  combinators: combinatorsGroup,
  "executor-throughput": executorThroughputGroup,
  "queue-depth": queueDepthGroup,
  "cancel-latency": cancelLatencyGroup,
  shutdown: shutdownGroup,
  seed: seedGroup,
};

/** The goals table of issue 13, word for word; rows answer a line through `Goal.id`. */
export const GOALS: readonly GoalLine[] = [
  {
    id: "spawn",
    row: "spawn and complete, 1k / 10k / 100k tasks",
    goal: "≤ 1.05x raw effection, untaxed",
  },
  { id: "heap", row: "heap per suspended task", goal: "≤ 1.05x raw effection" },
  {
    id: "growth",
    row: "growth",
    goal: "per-task cost from 1k to 100k grows no more than raw effection's does",
  },
  {
    id: "throughput",
    row: "executor throughput, trivial jobs, 2 workers",
    goal: "threads ≥ 1.0x raw tinypool; processes ≥ 1.0x raw tinypool",
  },
  {
    id: "queue-depth",
    row: "queue depth: 100k jobs queued on 2 workers, then 50k of them cancelled",
    goal: "per-job cost flat from 1k to 100k queued (no O(n) step per job); compare piscina",
  },
  {
    id: "cooperative-cancel",
    row: "cooperative cancel of a running CPU job",
    goal: "threads p99 < 5 ms; processes, with the synchronous check, p99 < 10 ms",
  },
  { id: "forced-cancel", row: "forced cancel", goal: "< 50 ms, threads and processes" },
  {
    id: "sigint",
    row: "SIGINT → exit, 10k idle tasks + a pool of 2 busy threads",
    goal: "< 200 ms, and ≤ effection's own `main()` with the same tasks",
  },
];

export const PREFACE = [
  "Ours and the anchors run in separate child processes, one per library: ours where",
  "quiesce is loaded; raw effection, plain promises, raw tinypool and piscina, and the",
  "reference columns (Effect, CPython asyncio) each in a process where it is not. An",
  "anchor's process refuses to load quiesce (`bench/lib/no-quiesce-hooks.mjs`), so nothing",
  "quiesce installs can tax it. The parent asks for one measurement at a time, each column",
  "in turn, several rounds, rotating which goes first; no two ever measure at once. Cells",
  "show the median and, for round-based rows, the range over rounds (min–max); latency",
  "rows with many samples show p99 instead. Ratios divide our median by the other",
  "column's: below 1 is faster (or smaller); for jobs/s, above 1 is faster. Effect and",
  "asyncio are reference columns with no goal: the ratio is the point. The machine is a",
  "shared 2-core box: absolute numbers are rough, the ratios within one run are what count.",
  "",
  "Run it with `pnpm bench` (writes this file and `benchmarks.json`), `pnpm bench --quick`",
  "(every row with tiny sizes, writes nothing; CI runs it to catch a broken benchmark, not",
  "to judge speed), `pnpm bench --only=spawn,heap` (some groups: the ids follow each",
  "section's title) or `--out=<dir>` (write the two files elsewhere, also with `--quick`).",
].join("\n");
