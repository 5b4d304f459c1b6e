import { alternate, type Samples } from "./lib/alternate.ts";
import { asVariants, nodeContender, withContenders } from "./lib/isolated.ts";
import { POOL_ANCHORS, QUIESCE_POOLS } from "./lib/names.ts";
import type { Runtime } from "./lib/raw-pools.ts";
import { allOf, fmt, type Goal, type GroupRunner, makeRow, type Row, under } from "./lib/row.ts";

/** Grace of the synchronous-check row: a job that never sees the cancel is killed then. */
const SYNC_GRACE_MS = 100;

interface Kind {
  readonly name: string;
  readonly label: string;
  readonly fn: string;
  readonly cancelGraceMs: number;
  readonly goal?: (row: Row, killed: number) => Goal;
}

const p99Under = (id: string, text: string, limit: number) => (row: Row, killed: number) => {
  const s = row.cells[0]!.summary;
  const goal = under(text, s.p99, limit, "ms", id);
  if (killed === 0) return goal;
  return {
    ...goal,
    met: false,
    detail:
      `${killed} of ${s.n} jobs never saw the cancel and were killed after the ` +
      `${SYNC_GRACE_MS} ms grace (p99 ${fmt(s.p99)} ms)`,
  };
};

const forcedGoal = (row: Row) => {
  const s = row.cells[0]!.summary;
  return allOf("forced-cancel", "< 50 ms", [
    under("median", s.median, 50, "ms"),
    under("p99", s.p99, 50, "ms"),
  ]);
};

const KINDS: Record<Runtime, Kind[]> = {
  threads: [
    {
      name: "cooperative",
      label: "cooperative (`ctx.throwIfCancelled()` every 1024 turns)",
      fn: "spinChecking",
      cancelGraceMs: 5_000,
      goal: p99Under("cooperative-cancel", "threads p99 < 5 ms", 5),
    },
    {
      name: "forced",
      label: "forced (cancelGraceMs 0)",
      fn: "spinForever",
      cancelGraceMs: 0,
      goal: forcedGoal,
    },
  ],
  processes: [
    {
      name: "cooperative, sync",
      label: "cooperative with the synchronous check (`ctx.throwIfCancelled()` every 1024 turns)",
      fn: "spinChecking",
      cancelGraceMs: SYNC_GRACE_MS,
      goal: p99Under("cooperative-cancel", "processes p99 < 10 ms", 10),
    },
    {
      name: "cooperative, slices",
      label: "cooperative in 1 ms slices (the event loop turns between slices)",
      fn: "spinSlices",
      cancelGraceMs: 5_000,
    },
    {
      name: "forced",
      label: "forced (cancelGraceMs 0)",
      fn: "spinForever",
      cancelGraceMs: 0,
      goal: forcedGoal,
    },
  ],
};

/**
 * Samples of each kind, side by side with the anchors; `extra` more of the kinds with a
 * p99 goal whose workers survive the cancel (cooperative), which cost little, so that the
 * p99 has enough samples not to be the one worst.
 */
async function measure(runtime: Runtime, samples: number, extra: number): Promise<Samples> {
  const ours = KINDS[runtime].map((k) =>
    nodeContender(
      k.name,
      QUIESCE_POOLS,
      "cancelLatency",
      { runtime, fn: k.fn, cancelGraceMs: k.cancelGraceMs },
      { quiesce: true },
    ),
  );
  const raw = (library: string) =>
    nodeContender(`${library} abort`, POOL_ANCHORS, "cancelLatency", { library, runtime });
  const anchors = runtime === "threads" ? [raw("tinypool"), raw("piscina")] : [raw("tinypool")];
  return withContenders([...ours, ...anchors], async (remotes) => {
    const all = await alternate(asVariants(remotes), { rounds: samples, warmup: 1 });
    const cheap = remotes.filter((r) => r.name === "cooperative");
    if (extra === 0 || cheap.length === 0) return all;
    const more = await alternate(asVariants(cheap), { rounds: extra, warmup: 0 });
    for (const [name, metrics] of Object.entries(more)) {
      for (const [metric, values] of Object.entries(metrics)) {
        all[name]![metric] = [...(all[name]![metric] ?? []), ...values];
      }
    }
    return all;
  });
}

export const cancelLatencyGroup: GroupRunner = async ({ quick, log }) => {
  const rows: Row[] = [];
  for (const runtime of ["threads", "processes"] as const) {
    const n = quick ? 2 : runtime === "threads" ? 40 : 20;
    const extra = quick || runtime !== "threads" ? 0 : 60;
    log(`cancel latency ${runtime}, ${n} samples each (+${extra} cooperative)`);
    const samples = await measure(runtime, n, extra);
    const anchors =
      runtime === "threads" ? ["tinypool abort", "piscina abort"] : ["tinypool abort"];
    for (const kind of KINDS[runtime]) {
      const view: Samples = { ...samples, ours: samples[kind.name]! };
      const row = makeRow(view, {
        case: `${runtime}, ${kind.label}`,
        metric: "ms",
        unit: "ms",
        variants: ["ours", ...anchors],
        anchors: kind.fn === "spinForever" ? anchors : [],
      });
      const killed = (samples[kind.name]?.killed ?? []).reduce((a, b) => a + b, 0);
      const goal = kind.goal?.(row, kind.fn === "spinForever" ? 0 : killed);
      rows.push(goal ? { ...row, goal } : row);
    }
  }
  return {
    id: "cancel-latency",
    title: "Cancel latency of a running CPU-bound job",
    meaning:
      "A task runs a CPU-bound job through `runInExecutor` on a warm pool of two; once the " +
      "job writes that it is spinning, we time `task.cancel()` until the task has settled " +
      "(job stopped, or its worker dead). Cooperative: the job calls " +
      "`ctx.throwIfCancelled()` every 1024 turns of a synchronous loop (one `Atomics.load` " +
      "on threads); in processes also the older pattern of 1 ms slices with the event loop " +
      `turning between them. The synchronous-check row in processes gives the job ` +
      `${SYNC_GRACE_MS} ms of grace: a job that never sees the cancel is killed then, and ` +
      "the row says how many were. Forced: the job ignores cancellation and the pool " +
      "(`cancelGraceMs: 0`) kills its worker. Anchors: raw tinypool and piscina " +
      "`run(..., { signal })`, whose abort terminates the worker.",
    rows,
    notes: [
      "The anchors are not like for like: tinypool and piscina reject the job's promise as " +
        "soon as the signal aborts and terminate the worker in the background, while " +
        "`task.cancel()` settles only once the job's `finally` has run (cooperative) or its " +
        "worker has actually exited (forced), which is the guarantee quiesce sells. The " +
        "forced ratios therefore compare a promise rejection with a worker's death.",
      "p99 is the nearest-rank 99th percentile: the threads' cooperative row has 100 " +
        "samples (40 side by side with the others, then 60 more of it alone), so its p99 " +
        "is the second worst and one sample slowed by the shared 2-core box's scheduling " +
        "does not decide it; the other rows have 40 (threads) or 20 (processes) samples, " +
        "so their p99 is the worst one.",
    ],
  };
};
