import { describe, expect, it } from "vitest";
import { lines, runExample } from "./run-example.ts";

describe("tasks-and-callbacks", () => {
  it("creates tasks, reads results, runs done callbacks and lets test2 run while test1 sleeps", async () => {
    const run = await runExample("tasks-and-callbacks", ["--sleep-ms", "300"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out).toContainEqual(expect.stringMatching(/^<Task T\d+ test_work state=pending>$/));
    expect(out).toContainEqual(expect.stringMatching(/^<Task T\d+ test_work state=done>$/));
    expect(out).toContain("Callback:  Test work process !");
    const order = ["Test work process !", "This second task !", "Test work process2 !"];
    const at = order.map((line) => out.indexOf(line));
    expect(at[0]).toBeGreaterThanOrEqual(0);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(run.stdout).toMatch(/failing state=failed> error\(\): Error: disk full/);
    expect(run.stdout).toMatch(/Callback: {2}failing failed/);
    const cleanup = out.indexOf("sleeper: cleanup runs");
    expect(cleanup).toBeGreaterThanOrEqual(0);
    expect(out[cleanup + 1]).toMatch(
      /sleeper state=cancelled> error\(\): CancelledError: .*not needed any more/,
    );
  });
});
