import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { alternate } from "./lib/alternate.ts";
import { TS_FLAGS } from "./lib/child.ts";
import { type GroupRunner, makeRow, type Row, under } from "./lib/row.ts";

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
  const rounds = quick ? 1 : 5;
  log(`shutdown latency, ${n} idle tasks + 2 busy workers, ${rounds} runs`);
  const rows: Row[] = [];
  for (const tasks of quick ? [n] : [n, 0]) {
    const samples = await alternate(
      PROGRAMS.map((name) => ({ name, measure: () => once(name, tasks) })),
      { rounds, warmup: 0 },
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
    notes: [],
  };
};
