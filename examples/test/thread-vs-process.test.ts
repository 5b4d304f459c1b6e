import { describe, expect, it } from "vitest";
import { lines, runExample } from "./run-example.ts";

describe("thread-vs-process", () => {
  it("measures thread and process workers and prints a table of six rows", async () => {
    const run = await runExample("thread-vs-process", ["--jobs", "50"]);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out).toContain("measured thread pool (2 workers, 50 jobs)");
    expect(out).toContain("measured process pool (2 workers, 50 jobs)");
    const rows = out.filter(
      (l) => l.startsWith("| ") && !l.startsWith("| -") && !l.includes("unit"),
    );
    expect(rows.map((r) => r.split("|")[1]?.trim())).toEqual([
      "start a pool of 1 and load the module",
      "start 2 workers, all ready",
      "trivial job, round trip",
      "trivial jobs, all workers busy",
      "1 MB argument there and back",
      "shut the pool down",
    ]);
    for (const row of rows) {
      const [, , , thread, proc, ratio] = row.split("|").map((c) => c.trim());
      expect(Number(thread)).toBeGreaterThan(0);
      expect(Number(proc)).toBeGreaterThan(0);
      expect(ratio).toMatch(/^\d+\.\d×$/);
    }
  });
});
