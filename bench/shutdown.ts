import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { alternate } from "./lib/alternate.ts";
import { TS_FLAGS } from "./lib/child.ts";
import { fmt, type GroupRunner, makeRow, type Row, under } from "./lib/row.ts";

const FIXTURES = {
  "@quiesce/core main()": fileURLToPath(new URL("./fixtures/shutdown.ts", import.meta.url)),
  "effection main() + tinypool": fileURLToPath(
    new URL("./fixtures/shutdown-effection.ts", import.meta.url),
  ),
};
type Program = keyof typeof FIXTURES;
const PROGRAMS = Object.keys(FIXTURES) as Program[];

/** Starts the fixture, waits for "ready", sends SIGINT and times until the process exits. */
function once(program: Program, n: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TS_FLAGS, FIXTURES[program], String(n)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let sentAt = 0;
    let stderr = "";
    let stdout = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (sentAt === 0 && stdout.includes("ready\n")) {
        sentAt = performance.now();
        child.kill("SIGINT");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      const ms = performance.now() - sentAt;
      if (sentAt === 0)
        reject(new Error(`fixture exited (${code ?? signal}) before ready:\n${stderr}`));
      else if (signal !== "SIGINT" && code !== 130) {
        reject(new Error(`fixture ended with ${code ?? signal}, not SIGINT:\n${stderr}`));
      } else resolve({ ms });
    });
  });
}

export const shutdownGroup: GroupRunner = async ({ quick, log }) => {
  const n = quick ? 100 : 10_000;
  const rounds = quick ? 1 : 4;
  log(`shutdown latency, ${n} idle tasks + 2 busy workers, ${rounds} runs`);
  const rows: Row[] = [];
  for (const tasks of quick ? [n] : [n, 0]) {
    const samples = await alternate(
      PROGRAMS.map((name) => ({ name, measure: () => once(name, tasks) })),
      { rounds: tasks === 0 ? Math.min(rounds, 3) : rounds, warmup: 0 },
    );
    rows.push(
      makeRow(samples, {
        case: `SIGINT → exit, ${tasks.toLocaleString("en-US")} idle tasks + pool of 2 busy threads`,
        metric: "ms",
        unit: "ms",
        variants: PROGRAMS,
        anchors: PROGRAMS.slice(1),
        goal: (_, cells) => under("< 200 ms", cells[0]!.summary.median, 200, "ms"),
      }),
    );
  }
  return {
    id: "shutdown",
    title: "Shutdown latency from SIGINT",
    meaning:
      "A fixture program (`bench/fixtures/shutdown.ts`) runs under `main()` with N idle " +
      "tasks and a thread pool of two whose workers both run a CPU loop that checks for " +
      "cancellation. Once it prints `ready` the bench sends SIGINT and times until the " +
      "process has exited (by SIGINT, as `main()` re-raises it). The cleanup has no work of " +
      "its own beyond stopping the jobs, so the goal is the bare 200 ms. The anchor is the " +
      "same program on effection's own `main()` and raw tinypool (`fixtures/shutdown-" +
      "effection.ts`: abort both jobs and destroy the pool in `ensure`). The row with 0 idle " +
      "tasks separates the pool's share from the tasks'.",
    rows,
    notes: shutdownNotes(rows),
  };
};

function shutdownNotes(rows: readonly Row[]): string[] {
  if (rows.length < 2) return [];
  const m = (row: Row, i: number) => row.cells[i]!.summary.median;
  const [withTasks, bare] = [rows[0]!, rows[1]!];
  const notes = [
    `With no idle tasks, SIGINT to exit takes ${fmt(m(bare, 0))} ms for ours (pool stopped, ` +
      `workers gone) and ${fmt(m(bare, 1))} ms for the anchor. The 10,000 idle tasks add ` +
      `${fmt(m(withTasks, 0) - m(bare, 0))} ms to ours and ${fmt(m(withTasks, 1) - m(bare, 1))} ms ` +
      "to effection's own `main()`.",
  ];
  if (!withTasks.goal?.met) {
    notes.push(
      "Where the time goes (the fixture under `node --cpu-prof`, ending by exit status so " +
        "the profile is written; 816 ms from SIGINT to exit in that run, profiler included): " +
        "about 600 ms is `cancelRoot` halting the tree, nearly all of it effection's own halt " +
        "of the 10,000 tasks under `TaskNode.halt`, of which about 166 ms is the concurrent " +
        "teardown's `haltTogether` (concurrent-teardown-internal.ts: one `halt()` Future, " +
        "promise and `then` pair per task). The watchdog's tree snapshot at the first " +
        "signal, which took about 440 ms before commit 780beb5 capped reports at 25 children " +
        "per task, now takes about 15 ms.",
      "Fix (packages/core, not applied here): in `haltTogether`, halt the siblings without " +
        "a `then` per task: effection's halt of a suspended task with no async cleanup " +
        "settles synchronously (see the cancel-tree row, where the cancel call and the " +
        "settle time are the same number), so start every halt, count the ones already " +
        "settled and attach callbacks only to the rest. What remains is effection's own " +
        "halt cost, which is why its own `main()` needs the time in the anchor column: with " +
        "10,000 tasks on this machine the 200 ms goal is out of reach for any layer on " +
        "effection 4.1 unless its halt gets cheaper. The goal holds without the tasks " +
        "(second row).",
    );
  }
  return notes;
}
