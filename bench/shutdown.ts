import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { alternate, type Variant } from "./lib/alternate.ts";
import { ANCHOR_FLAGS, QUIESCE_FLAGS } from "./lib/child.ts";
import { count } from "./lib/names.ts";
import { asyncioNote, pythonCommand } from "./lib/python.ts";
import { allOf, atMost, fmt, type GroupRunner, makeRow, type Row, under } from "./lib/row.ts";

const OURS = "@quiesce/core main()";
const EFFECTION = "effection main() + tinypool";
const EFFECT = "Effect runMain + tinypool";
const ASYNCIO = "asyncio.run + ThreadPoolExecutor";

const fixture = (file: string) => new URL(`./fixtures/${file}`, import.meta.url);
const node = (flags: readonly string[], file: string) => (n: number) => ({
  command: process.execPath,
  args: [...flags, fileURLToPath(fixture(file)), String(n)],
});

/** How to start each program with n idle tasks (undefined: cannot run here). */
const PROGRAMS: Record<string, (n: number) => { command: string; args: string[] } | undefined> = {
  [OURS]: node(QUIESCE_FLAGS, "shutdown.ts"),
  [EFFECTION]: node(ANCHOR_FLAGS, "shutdown-effection.ts"),
  [EFFECT]: node(ANCHOR_FLAGS, "shutdown-effect.ts"),
  [ASYNCIO]: (n) => pythonCommand(fixture("shutdown-asyncio.py"), [String(n)]),
};

/** Far above any start-up or shutdown measured here: only a hung program gets there. */
const HANG_MS = 60_000;

/**
 * Starts a program, waits for "ready", sends SIGINT and times until the process exits.
 * A program that is not ready, or has not exited, HANG_MS after the last step is
 * killed (SIGKILL) and the sample fails.
 */
function once(name: string, start: { command: string; args: string[] }) {
  return new Promise<Record<string, number>>((resolve, reject) => {
    const child = spawn(start.command, start.args, { stdio: ["ignore", "pipe", "pipe"] });
    let hung = false;
    let timer = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, HANG_MS);
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
        clearTimeout(timer);
        timer = setTimeout(() => {
          hung = true;
          child.kill("SIGKILL");
        }, HANG_MS);
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      const ms = performance.now() - sentAt;
      clearTimeout(timer);
      if (hung) {
        const step = sentAt === 0 ? "never printed ready" : "did not exit after SIGINT";
        reject(new Error(`${name} ${step} in ${HANG_MS / 1000} s (killed):\n${stderr}`));
      } else if (sentAt === 0) {
        reject(new Error(`${name} exited (${code ?? signal}) before ready:\n${stderr}`));
      } else if (signal !== "SIGINT" && code !== 130) {
        reject(new Error(`${name} ended with ${code ?? signal}, not SIGINT:\n${stderr}`));
      } else resolve({ ms });
    });
  });
}

function variants(names: readonly string[], n: number): Variant[] {
  return names.flatMap((name) => {
    const start = PROGRAMS[name]!(n);
    return start ? [{ name, measure: () => once(name, start) }] : [];
  });
}

export const shutdownGroup: GroupRunner = async ({ quick, log }) => {
  const n = quick ? 100 : 10_000;
  const rounds = quick ? 1 : 4;
  const all = Object.keys(PROGRAMS);
  const rows: Row[] = [];
  for (const tasks of quick ? [n] : [n, 0]) {
    log(`shutdown latency, ${tasks} idle tasks + 2 busy workers`);
    // Without idle tasks only ours and effection's main(): the row isolates the pool's share.
    const names = tasks === 0 ? [OURS, EFFECTION] : all;
    const samples = await alternate(variants(names, tasks), {
      rounds: tasks === 0 ? Math.min(rounds, 3) : rounds,
      warmup: 0,
    });
    rows.push(
      makeRow(samples, {
        case: `SIGINT → exit, ${count(tasks)} idle tasks + pool of 2 busy threads`,
        metric: "ms",
        unit: "ms",
        variants: names,
        anchors: names.slice(1),
        goal:
          tasks === n
            ? (r, cells) =>
                allOf("sigint", "< 200 ms and ≤ effection's own main()", [
                  under("< 200 ms", cells[0]!.summary.median, 200, "ms"),
                  atMost("≤ effection main()", r[EFFECTION]!, 1),
                ])
            : undefined,
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
      "process has exited (by SIGINT, or with status 130). The anchor is the same program " +
      "on effection's own `main()` and raw tinypool (`fixtures/shutdown-effection.ts`: " +
      "abort both jobs and destroy the pool in `ensure`), in a process where quiesce is " +
      "never loaded. Reference columns: Effect 4's `NodeRuntime.runMain` with N idle " +
      "fibers and raw tinypool (`fixtures/shutdown-effect.ts`), and CPython's " +
      "`asyncio.run` with N idle tasks in a `TaskGroup` and a `ThreadPoolExecutor` of two " +
      "threads hashing 1 MiB blocks (which releases the GIL) until a stop flag is set " +
      "(`fixtures/shutdown-asyncio.py`). The row with 0 " +
      "idle tasks separates the pool's share from the tasks'.",
    rows,
    notes: [...shutdownNotes(rows), ...asyncioNote()],
  };
};

function shutdownNotes(rows: readonly Row[]): string[] {
  if (rows.length < 2) return [];
  const m = (row: Row, i: number) => row.cells[i]!.summary.median;
  const [withTasks, bare] = [rows[0]!, rows[1]!];
  return [
    `With no idle tasks, SIGINT to exit takes ${fmt(m(bare, 0))} ms for ours (pool stopped, ` +
      `workers gone) and ${fmt(m(bare, 1))} ms for effection's own \`main()\`. The ` +
      `${count(10_000)} idle tasks add ${fmt(m(withTasks, 0) - m(bare, 0))} ms to ours and ` +
      `${fmt(m(withTasks, 1) - m(bare, 1))} ms to effection's.`,
  ];
}
