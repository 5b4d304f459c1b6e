import { describe, expect, it } from "vitest";
import { lines, runExample, runPiped } from "./run-example.ts";

describe("concurrency", () => {
  it("runs 1, 2 and 4 unit sleeps concurrently in all four parts: about 4 units each, not 7", async () => {
    const run = await runExample("concurrency", ["--unit", "250"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = lines(run.stdout);

    const parts = out.filter((l) => l.startsWith("== ")).map((l) => l.slice(3));
    expect(parts).toEqual(["wait", "gather", "as-completed", "nested"]);
    const times = out.filter((l) => l.startsWith("TIME:")).map((l) => Number(l.split(/\s+/)[1]));
    expect(times).toHaveLength(4);
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(3.9);
      expect(t).toBeLessThan(6.5); // generous; run one after another they would take 7
    }

    expect(out).toContain(
      "FIRST_COMPLETED: done [do_some_work(1)] pending [do_some_work(2), do_some_work(4)]",
    );
    expect(out).toContain(
      "timeout 1.5 s:    done [do_some_work(1), do_some_work(2)] pending [do_some_work(4)]",
    );
    expect(out).toContain(
      'gather results (argument order): ["Done after 4s","Done after 1s","Done after 2s"]',
    );
    expect(out.filter((l) => l.startsWith("completed:"))).toEqual([
      "completed: do_some_work(1) -> Done after 1s",
      "completed: do_some_work(2) -> Done after 2s",
      "completed: do_some_work(4) -> Done after 4s",
    ]);
    expect(run.stdout).toMatch(/└── T\d+ main_coro \[running .*waiting on wait\(3 tasks/);
    expect(run.stdout).toMatch(/ {4}├── T\d+ do_some_work\(1\) \[running/);
    expect(run.stdout).toMatch(/ {4}└── T\d+ do_some_work\(4\) \[running/);
  });

  it("`pnpm example concurrency | head -1` prints one line and no EPIPE stack (#11)", async () => {
    const run = await runPiped("node scripts/example.mjs concurrency --unit 100 | head -1");
    expect(lines(run.stdout)).toEqual(["== wait"]);
    expect(run.stderr).not.toMatch(/EPIPE|Error|failure/);
  });
});
