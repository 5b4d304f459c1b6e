import { describe, expect, it } from "vitest";
import { lines, runExample, startExample } from "./run-example.ts";

describe.concurrent("ctrl-c", () => {
  it("without Ctrl+C: all three tasks finish in about 2 s and the program exits 0", async () => {
    const run = await runExample("ctrl-c");
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out.filter((l) => l.startsWith("Task ret:"))).toHaveLength(3);
    expect(out.filter((l) => l.startsWith("cleanup:"))).toHaveLength(3);
    expect(out.some((l) => l.startsWith("cancelled"))).toBe(false);
    expect(Number(out.at(-1)?.split(/\s+/)[1])).toBeLessThan(10);
  });

  it("SIGINT cancels every task, each cleans up, then it says what was cancelled and dies by SIGINT", async () => {
    const ex = startExample("ctrl-c");
    await ex.waitForLines(/^Waiting: /, 3);
    ex.signal("SIGINT");
    const run = await ex.finished;
    expect(run.signal).toBe("SIGINT");
    const out = lines(run.stdout);
    expect(out.filter((l) => /^cancelled: [12] \(.*\)$/.test(l))).toHaveLength(3);
    expect(out.filter((l) => /^cleanup: [12]$/.test(l))).toHaveLength(3);
    expect(out).toContain("cancelled 3 tasks: do_some_work(1), do_some_work(2), do_some_work(2)");
    expect(out.at(-1)).toMatch(/^TIME: {2}\d+\.\d{3}$/);
    expect(out.some((l) => l.startsWith("Task ret:"))).toBe(false);
  });

  it("SIGTERM stops it the same way and it dies by SIGTERM", async () => {
    const ex = startExample("ctrl-c");
    await ex.waitForLines(/^Waiting: /, 3);
    ex.signal("SIGTERM");
    const run = await ex.finished;
    expect(run.signal).toBe("SIGTERM");
    expect(lines(run.stdout).filter((l) => /^cleanup: [12]$/.test(l))).toHaveLength(3);
  });

  it("a second SIGINT during a slow cleanup prints the stuck tasks and ends at once", async () => {
    const ex = startExample("ctrl-c", ["--slow-cleanup", "30000"]);
    await ex.waitForLines(/^Waiting: /, 3);
    ex.signal("SIGINT");
    await ex.waitForLines(/^cleanup: \d takes 30 s/, 3);
    // A repeat within 200 ms would be the same signal (node --watch forwards it).
    await new Promise((resolve) => setTimeout(resolve, 250));
    const second = performance.now();
    ex.signal("SIGINT");
    const run = await ex.finished;
    expect(performance.now() - second).toBeLessThan(5_000); // not the 30 s cleanup
    expect(run.signal).toBe("SIGINT");
    expect(run.output).toMatch(/do_some_work\(1\)/);
    // The report names what the program started, not quiesce's own machinery
    // (cancelAll once waited in one effection task per cancelled task).
    expect(run.stderr).not.toMatch(/── spawn \[/);
    expect(lines(run.stdout).filter((l) => /^cleanup: [12]$/.test(l))).toHaveLength(0);
  });
});
