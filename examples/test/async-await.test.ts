import { describe, expect, it } from "vitest";
import { descendants, lines, startExample, survivors } from "./run-example.ts";

const main = (line: string) => /^\[main \d+\] /.test(line);
const worker = (line: string) => /^\[worker \d+\] /.test(line);
const text = (line: string) => line.replace(/^\[(main|worker) \d+\] /, "");

describe.concurrent("async-await", () => {
  it("runs six jobs on three worker processes, prints the squares and the cleanup line, exits 0", async () => {
    const ex = startExample("async-await");
    await ex.waitForLine(/job 0: running/);
    const children = descendants(ex.pid);
    const run = await ex.finished;
    expect(run.code).toBe(0);
    const out = lines(run.stderr);
    const ran = out.filter((l) => worker(l) && / running \(300 ms of work\)$/.test(l));
    expect(ran).toHaveLength(6);
    const pids = new Set(ran.map((l) => Number(l.match(/^\[worker (\d+)\]/)?.[1])));
    expect(pids.size).toBeGreaterThanOrEqual(1);
    expect(pids.size).toBeLessThanOrEqual(3);
    expect(pids.has(ex.pid)).toBe(false); // the jobs ran in child processes
    for (const pid of pids) expect(children).toContain(pid);
    expect(out.filter(main).map(text)).toContain("results: [0,1,4,9,16,25]");
    // The deferred cleanup runs last, after the pool was closed by `await using`.
    expect(text(out.at(-1) ?? "")).toBe("cleanup: 6 done, 0 cancelled; 0 workers left");
    expect(await survivors(children)).toEqual([]);
  });

  it("Ctrl+C cancels the jobs inside their workers, cleans up and dies by SIGINT, leaving no worker (#12)", async () => {
    const ex = startExample("async-await", ["--ms", "30000"]);
    await ex.waitForLines(/job \d: running/, 3);
    const children = descendants(ex.pid);
    expect(children.length).toBeGreaterThanOrEqual(3);
    const sentAt = performance.now();
    ex.signal("SIGINT");
    const run = await ex.finished;
    expect(run.signal).toBe("SIGINT"); // a shell shows 130
    const out = lines(run.stderr);
    // The three running jobs stopped in their workers, each with the reason.
    const stopped = out.filter(
      (l) => worker(l) && /: cancelled at \d+% \(signal SIGINT\), checkpoint saved$/.test(l),
    );
    expect(stopped).toHaveLength(3);
    // All six, running or queued, were cancelled on the main side.
    const cancelled = out.filter((l) => main(l) && /: cancelled \(signal SIGINT\)$/.test(l));
    expect(cancelled).toHaveLength(6);
    expect(text(out.at(-1) ?? "")).toBe("cleanup: 0 done, 6 cancelled; 0 workers left");
    expect(out.filter((l) => / done$/.test(l))).toEqual([]);
    expect(performance.now() - sentAt).toBeLessThan(10_000);
    expect(await survivors(children)).toEqual([]);
  });
});
