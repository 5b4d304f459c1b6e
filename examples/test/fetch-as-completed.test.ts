import { describe, expect, it } from "vitest";
import { lines, runExample, startExample } from "./run-example.ts";

describe.concurrent("fetch-as-completed", () => {
  it("fetches twelve URLs at most four at a time and handles each as it completes", async () => {
    const run = await runExample("fetch-as-completed");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const out = lines(run.stdout);
    expect(out[0]).toMatch(/^fetching 12 URLs from http:\/\/127\.0\.0\.1:\d+, at most 4 at a time/);
    const done = out.filter((l) => /^ *\d+ ms {2}(ok|failed|timeout)/.test(l));
    expect(done).toHaveLength(12);
    const times = done.map((l) => Number(l.trim().split(" ")[0]));
    expect(times).toEqual([...times].sort((a, b) => a - b)); // handled as they completed
    expect(out).toContainEqual(
      expect.stringMatching(/failed {2}GET \/status\/503: Error: HTTP 503$/),
    );
    expect(out).toContainEqual(expect.stringMatching(/timeout GET \/delay\/3000: TimeoutError/));
    expect(out).toContainEqual(
      expect.stringMatching(/^aborting fetch \/delay\/3000: .*\(timeout after 1500 ms\)$/),
    );
    expect(out.find((l) => l.startsWith("summary:"))).toMatch(
      /^summary: 10 ok, 2 failed or timed out, 0 aborted in flight, 0 never started; .*at most 4 requests at once$/,
    );
  });

  it("SIGINT aborts the in-flight requests through their AbortSignal and ends by SIGINT", async () => {
    const ex = startExample("fetch-as-completed");
    await ex.waitForLines(/ms {2}ok /, 2);
    ex.signal("SIGINT");
    const run = await ex.finished;
    expect(run.signal).toBe("SIGINT");
    const out = lines(run.stdout);
    const aborted = out.filter((l) => l.startsWith("aborting fetch"));
    expect(aborted.length).toBeGreaterThanOrEqual(1);
    expect(aborted.length).toBeLessThanOrEqual(4);
    for (const line of aborted) expect(line).toMatch(/\(signal SIGINT\)$/);
    const summary = out.find((l) => l.startsWith("summary:"));
    expect(summary).toMatch(
      new RegExp(`, ${aborted.length} aborted in flight, [1-9]\\d* never started`),
    );
    expect(out.indexOf(summary!)).toBeGreaterThan(out.indexOf(aborted.at(-1)!));
    // The server saw the clients go away (a request aborted before it reached the
    // server has nothing to see): the long ones started first are surely there.
    const gone = out.filter((l) => / client went away from /.test(l));
    expect(gone.length).toBeGreaterThanOrEqual(1);
    expect(gone.length).toBeLessThanOrEqual(aborted.length);
  });
});
