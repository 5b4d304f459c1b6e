import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lines, root, runExample, runPiped, startExample, startProcess } from "./run-example.ts";

/** The pool size from the first line, and every worker number the run printed. */
function workerNumbers(stdout: string) {
  const size = Number(stdout.match(/on a pool of (\d+) worker threads/)?.[1]);
  const seen = [...stdout.matchAll(/on worker (\d+)/g)].map((m) => Number(m[1]));
  return { size, seen };
}

/** Escape sequences: any, colours (SGR), and erase-line (the progress bars' redraw). */
const ESC = String.fromCharCode(27);
const anyEscape = new RegExp(`${ESC}\\[`);
const colourCode = new RegExp(`${ESC}\\[[\\d;]*m`);

const script = ["/usr/bin/script", "/bin/script"].find((file) => existsSync(file));

/** Runs the demo on a terminal of its own (util-linux `script` gives it a pty). */
function onTerminal(env: Record<string, string>) {
  const command =
    "node --conditions=@quiesce/source --import tsx examples/demo/main.ts --seconds 1";
  return startProcess("demo on a terminal", script!, ["-qefc", command, "/dev/null"], { env })
    .finished;
}

function summary(stdout: string) {
  const out = lines(stdout);
  const field = (name: string) => out.find((l) => l.startsWith(`  ${name}:`)) ?? "";
  const num = (name: string) => Number(field(name).match(/:\s+(\d+)/)?.[1]);
  return { out, field, num };
}

describe.concurrent("demo", () => {
  it("without a terminal it stops by itself, cleans up, prints the summary and exits 0", async () => {
    const run = await runExample("demo", ["--seconds", "2"]);
    expect(run.code).toBe(0);
    const { out, field, num } = summary(run.stdout);
    expect(out).toContain("summary");
    expect(out).toContainEqual(expect.stringMatching(/^time limit of 2 s: cancelling/));
    expect(field("stopped by")).toMatch(/time limit of 2 s, after \d+\.\d s$/);
    expect(num("finished")).toBeGreaterThanOrEqual(1);
    expect(num("finished") + num("cancelled") + num("not started")).toBe(32);
    expect(field("cleanup")).toMatch(/\d+ ms .*0 workers killed, 0 left$/);
    const { size, seen } = workerNumbers(run.stdout);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (const n of seen) expect(n).toBeGreaterThanOrEqual(1);
    for (const n of seen) expect(n).toBeLessThanOrEqual(size);
    expect(run.stdout).not.toMatch(anyEscape); // no terminal: no escape codes at all
  });

  it("Ctrl+C cancels the running jobs in their workers, prints the summary and dies by SIGINT", async () => {
    const ex = startExample("demo");
    await ex.waitForLine(/: done on worker \d+$/);
    ex.signal("SIGINT");
    const run = await ex.finished;
    expect(run.signal).toBe("SIGINT");
    const { out, field, num } = summary(run.stdout);
    expect(out).toContainEqual(
      expect.stringMatching(/^signal SIGINT: cancelling the running jobs/),
    );
    expect(field("stopped by")).toMatch(/^ {2}stopped by: {2}signal SIGINT/);
    const checkpoints = out.filter((l) =>
      /: cancelled at \d+% on worker \d+, checkpoint saved/.test(l),
    );
    expect(num("cancelled")).toBeGreaterThanOrEqual(1);
    // A job cancelled in the instant between its dispatch and its start in the worker
    // never ran, so it has nothing to save.
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
    expect(checkpoints.length).toBeLessThanOrEqual(num("cancelled"));
    expect(num("finished") + num("cancelled") + num("not started")).toBe(32);
    expect(field("cleanup")).toMatch(/0 workers killed, 0 left$/);
    const { size, seen } = workerNumbers(run.stdout);
    for (const n of seen) expect(n).toBeGreaterThanOrEqual(1);
    for (const n of seen) expect(n).toBeLessThanOrEqual(size); // not thread ids (#11)
  });

  it.skipIf(script === undefined)(
    "on a terminal it uses colour, and none with NO_COLOR (#11)",
    async () => {
      const [coloured, plain] = await Promise.all([
        onTerminal({ NO_COLOR: "" }),
        onTerminal({ NO_COLOR: "1" }),
      ]);
      expect(coloured.code).toBe(0);
      expect(coloured.stdout).toContain(`${ESC}[1mquiesce demo:`);
      expect(plain.code).toBe(0);
      expect(plain.stdout).toContain("quiesce demo:");
      expect(plain.stdout).not.toMatch(colourCode); // no colour; progress bars still redraw
      expect(plain.stdout).toContain(`${ESC}[2K`);
    },
  );

  it("`pnpm demo` (scripts/example.mjs) runs it from source", async () => {
    const child = spawn(process.execPath, ["scripts/example.mjs", "demo", "--seconds", "1"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^quiesce demo: 32 CPU jobs/);
    expect(stdout).toMatch(/\nsummary\n/);
  });

  it("`pnpm demo | head -5` prints five lines and no EPIPE stack (#11)", async () => {
    const run = await runPiped("node scripts/example.mjs demo --seconds 2 | head -5");
    expect(lines(run.stdout)).toHaveLength(5);
    expect(run.stderr).not.toMatch(/EPIPE|Error|failure/);
  });
});
