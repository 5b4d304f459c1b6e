import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { alternate } from "./lib/alternate.ts";
import { TS_FLAGS } from "./lib/child.ts";
import { type GroupRunner, makeRow, under } from "./lib/row.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/shutdown.ts", import.meta.url));

/** Starts the fixture, waits for "ready", sends SIGINT and times until the process exits. */
function once(n: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TS_FLAGS, FIXTURE, String(n)], {
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
  const samples = await alternate([{ name: "@quiesce/core main()", measure: () => once(n) }], {
    rounds,
    warmup: 0,
  });
  const row = makeRow(samples, {
    case: `SIGINT → exit, ${n.toLocaleString("en-US")} idle tasks + pool of 2 busy threads`,
    metric: "ms",
    unit: "ms",
    variants: ["@quiesce/core main()"],
    anchors: [],
    goal: (_, cells) => under("< 200 ms", cells[0]!.summary.median, 200, "ms"),
  });
  return {
    id: "shutdown",
    title: "Shutdown latency from SIGINT",
    meaning:
      "A fixture program (`bench/fixtures/shutdown.ts`) runs under `main()` with N idle " +
      "tasks and a thread pool of two whose workers both run a CPU loop that checks for " +
      "cancellation. Once it prints `ready` the bench sends SIGINT and times until the " +
      "process has exited (by SIGINT, as `main()` re-raises it). The cleanup has no work of " +
      "its own beyond stopping the jobs, so the goal is the bare 200 ms.",
    rows: [row],
    notes: [],
  };
};
