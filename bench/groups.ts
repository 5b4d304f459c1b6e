import { cancelLatencyGroup } from "./cancel-latency.ts";
import { cancelTreeGroup } from "./cancel-tree.ts";
import { combinatorsGroup } from "./combinators.ts";
import { executorThroughputGroup } from "./executor-throughput.ts";
import { heapGroup } from "./heap.ts";
import type { GroupRunner } from "./lib/row.ts";
import { seedGroup } from "./seed.ts";
import { shutdownGroup } from "./shutdown.ts";
import { spawnGroup } from "./spawn.ts";

/** Every row group, in the order the suite runs and the document lists them. */
export const GROUPS: Record<string, GroupRunner> = {
  spawn: spawnGroup,
  "cancel-tree": cancelTreeGroup,
  heap: heapGroup,
  combinators: combinatorsGroup,
  "executor-throughput": executorThroughputGroup,
  seed: seedGroup,
  "cancel-latency": cancelLatencyGroup,
  shutdown: shutdownGroup,
};

export const PREFACE = [
  "Each row runs ours and the anchors in the same process (or the same run, for rows that",
  "need child processes), alternating, several rounds, rotating which goes first. Cells show",
  "the median and, for round-based rows, the range over rounds (min–max); latency rows with",
  "many samples show p99 instead. Ratios divide our median by the anchor's: below 1 is",
  "faster (or smaller). The machine is a shared 2-core box: absolute numbers are rough, the",
  "ratios within one run are what count; the load average at start is in the table above.",
  "",
  "Run it with `pnpm bench` (writes this file and `benchmarks.json`), `pnpm bench --quick`",
  "(every row with tiny sizes, writes nothing; CI runs it to catch a broken benchmark, not",
  "to judge speed) or `pnpm bench --only=spawn,heap`. Where a goal is missed, the notes under",
  "the table say by how much, where the time goes (from a profile) and the fix we propose in",
  "`packages/`; those fixes are not applied by the benchmark suite.",
].join("\n");
