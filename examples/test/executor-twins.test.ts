import { describe, expect, it } from "vitest";
import { descendants, lines, runExample, startExample, survivors } from "./run-example.ts";

/** Checks seed 000's output shape; returns the worker labels that ran jobs. */
function checkBlocksLog(stderr: string, label: RegExp): Set<string> {
  const out = lines(stderr);
  const events = out
    .map((line) => line.match(/^(.+?)\s+blocks\((\d)\): (running|done)$/))
    .filter((m): m is RegExpMatchArray => m !== null);
  expect(events).toHaveLength(12);
  let running = 0;
  let most = 0;
  const workers = new Set<string>();
  for (const [, who, , what] of events) {
    expect(who?.trim()).toMatch(label);
    workers.add(who!.trim());
    running += what === "running" ? 1 : -1;
    most = Math.max(most, running);
  }
  expect(most).toBeLessThanOrEqual(3);
  expect(running).toBe(0);
  expect(workers.size).toBeLessThanOrEqual(3);
  for (let n = 0; n < 6; n++) {
    const start = out.findIndex((l) => l.endsWith(`blocks(${n}): running`));
    const end = out.findIndex((l) => l.endsWith(`blocks(${n}): done`));
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
  }
  expect(out).toContainEqual(
    expect.stringMatching(/run_blocking_tasks: results: \[0,1,4,9,16,25\]$/),
  );
  expect(out.at(-2)).toMatch(/run_blocking_tasks: exiting$/);
  const time = Number(out.at(-1)?.match(/^TIME (\d+\.\d+)$/)?.[1]);
  expect(time).toBeGreaterThanOrEqual(0.19); // two waves of 100 ms
  expect(time).toBeLessThan(5);
  return workers;
}

describe.concurrent("executor twins", () => {
  it("executor-thread: six jobs on three threads, at most three at once, squares in order", async () => {
    const run = await runExample("executor-thread");
    expect(run.code).toBe(0);
    const workers = checkBlocksLog(run.stderr, /^Thread-\d+$/);
    expect(lines(run.stderr)[0]).toMatch(/^MainThread +pool: 3 worker threads up after/);
    expect(workers.size).toBeGreaterThanOrEqual(2);
  });

  it("executor-process: six jobs in three child processes, lines carry their PIDs, none left", async () => {
    const ex = startExample("executor-process");
    const first = await ex.waitForLine(/blocks\(0\): running/);
    const children = descendants(ex.pid);
    const run = await ex.finished;
    expect(run.code).toBe(0);
    const workers = checkBlocksLog(run.stderr, /^PID +\d+$/);
    expect(first).toMatch(/^PID +\d+/);
    expect(workers.has(`PID ${ex.pid}`)).toBe(false); // the jobs ran elsewhere
    for (const w of workers) expect(children).toContain(Number(w.slice(4)));
    expect(await survivors(children)).toEqual([]);
  });

  it("executor-process: SIGINT mid-run ends it by SIGINT and leaves no child process", async () => {
    const ex = startExample("executor-process");
    await ex.waitForLine(/blocks\(0\): running/);
    const children = descendants(ex.pid);
    expect(children.length).toBeGreaterThanOrEqual(1);
    ex.signal("SIGINT");
    const run = await ex.finished;
    expect(run.signal).toBe("SIGINT");
    expect(await survivors(children)).toEqual([]);
  });
});
