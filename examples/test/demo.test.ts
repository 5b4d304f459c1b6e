import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { lines, root, runExample, startExample } from "./run-example.ts";

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
  });

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
});
