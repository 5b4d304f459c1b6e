import { isAbsolute, join, relative as relativePath } from "node:path";
import { fileURLToPath } from "node:url";
import { threadId } from "node:worker_threads";
import { CancelledError } from "@quiesce/core";
import {
  type ExecutorPool,
  PoolClosedError,
  runInExecutor,
  UncloneableArgumentError,
  UnknownFunctionError,
  useThreadPool,
} from "@quiesce/executor";
import { run, sleep, until } from "effection";
import { describe, expect, it } from "vitest";
import { catching, failure, fixture, marker, waitForLines } from "./helpers.ts";

/** Resolves once `count` jobs of concurrency.mjs run at once (it counts them in `counter[0]`). */
async function occupied(counter: Int32Array, count: number): Promise<void> {
  for (let now = Atomics.load(counter, 0); now < count; now = Atomics.load(counter, 0)) {
    const waiting = Atomics.waitAsync(counter, 0, now);
    if (waiting.async) await waiting.value;
  }
}

describe("useThreadPool", () => {
  it("runs exported functions and rebuilds worker errors as real Errors", async () => {
    const { value, error } = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 2 });
      const value = yield* runInExecutor(pool, "add", 20, 22);
      let error: unknown;
      try {
        yield* runInExecutor(pool, "fail", "out of range");
      } catch (e) {
        error = e;
      }
      return { value, error };
    });
    expect(value).toBe(42);
    expect(error).toBeInstanceOf(Error);
    const e = error as Error & { code?: string };
    expect(e.name).toBe("RangeError");
    expect(e.message).toBe("out of range");
    expect(e.code).toBe("E_FIXTURE");
    expect(e.stack).toContain("echo.mjs");
    expect(e.cause).toBeInstanceOf(Error);
    expect((e.cause as Error).message).toBe("the root cause");
  });

  it("says which worker thread ran a job", async () => {
    const { who, job } = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
      const who = (yield* runInExecutor(pool, "whoAmI")) as { workerId: number; pid: number };
      const job = pool.submit("echo", 1);
      yield* until(job.promise);
      return { who, job };
    });
    expect(who.workerId).toBeGreaterThan(0);
    expect(who.workerId).not.toBe(threadId);
    expect(who.pid).toBe(process.pid);
    expect(job.workerId).toBe(who.workerId);
    expect(job.outcome).toBe("completed");
  });

  it("checks its options at the call, in the house message shape", () => {
    expect(() => useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 0 })).toThrow(
      "Expected `maxWorkers` to be an integer ≥ 1, got `0` (number)",
    );
    expect(() => useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 1.5 })).toThrow(
      TypeError,
    );
    expect(() => useThreadPool({ module: fixture("echo.mjs"), cancelGraceMs: -1 })).toThrow(
      "Expected `cancelGraceMs` to be a finite number ≥ 0, got `-1` (number)",
    );
    expect(() => useThreadPool({ module: fixture("no-such-module.mjs") })).toThrow(
      /Expected `module` to be a file URL or a path of an existing worker module, got .*no-such-module\.mjs/,
    );
  });

  it("resolves a relative module path against the working directory (#12)", async () => {
    const relative = relativePath(process.cwd(), fileURLToPath(fixture("echo.mjs")));
    expect(isAbsolute(relative)).toBe(false);
    const nine = await run(function* () {
      const pool = yield* useThreadPool({ module: relative, maxWorkers: 1 });
      expect(pool.module).toBe(fixture("echo.mjs").href);
      return yield* runInExecutor(pool, "square", 3);
    });
    expect(nine).toBe(9);
  });

  it("names the path it tried and what a relative path was resolved against when the module is missing (#12)", () => {
    const tried = join(process.cwd(), "no-such-worker.mjs");
    expect(() => useThreadPool({ module: "./no-such-worker.mjs" })).toThrow(
      "Expected `module` to be a file URL or a path of an existing worker module, " +
        `got \`"./no-such-worker.mjs"\` (string): ${tried} does not exist; a relative path ` +
        `is resolved against the working directory, ${process.cwd()} (for a file next to ` +
        `your code, pass new URL("./no-such-worker.mjs", import.meta.url))`,
    );
    const url = new URL("./no-such-worker.mjs", import.meta.url);
    expect(() => useThreadPool({ module: url })).toThrow(
      new RegExp(`: ${fileURLToPath(url).replace(/[.]/g, "[.]")} does not exist$`),
    );
  });

  it("refuses an unknown function and an uncloneable argument at the call", async () => {
    const { unknown, uncloneable, stats } = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
      const unknown = catching(() => pool.submit("sqaure", 3));
      const uncloneable = catching(() => pool.submit("add", 1, () => 2));
      return { unknown, uncloneable, stats: pool.stats() };
    });
    expect(unknown).toBeInstanceOf(UnknownFunctionError);
    expect((unknown as UnknownFunctionError).available).toContain("square");
    expect(uncloneable).toBeInstanceOf(UncloneableArgumentError);
    expect((uncloneable as UncloneableArgumentError).index).toBe(1);
    expect((uncloneable as Error).message).toMatch(/argument 1 of job "add"/);
    expect(stats.queued + stats.running + stats.completed).toBe(0);
  });

  it("serves under node --watch: its threads do not report their imports, which tinypool would take for a failure (#13)", async () => {
    // What `node --watch` sets in the program it runs; on Node 24 a thread that has it
    // posts each module it imports to its parent.
    process.env.WATCH_REPORT_DEPENDENCIES = "1";
    try {
      const seen = await run(function* () {
        const pool = yield* useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
        return yield* runInExecutor(pool, "getEnv", "WATCH_REPORT_DEPENDENCIES");
      });
      expect(seen).toBeUndefined();
    } finally {
      delete process.env.WATCH_REPORT_DEPENDENCIES;
    }
  });

  it("a job waiting for a worker goes to the first one free, never behind a job still running (#13)", async () => {
    const gates = new Int32Array(new SharedArrayBuffer(8));
    const path = marker();
    const { short, longState } = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("gate.mjs"), maxWorkers: 2 });
      // Holds one thread until the end; the four short jobs share the other.
      const long = pool.submit("returnWhenOpen", gates, path);
      yield* until(waitForLines(path, /^started/));
      const short = [1, 1, 1, 1].map((index) =>
        pool.submit<number>("whenOpened", { gates, index }),
      );
      Atomics.store(gates, 1, 1);
      Atomics.notify(gates, 1);
      const values = yield* until(Promise.all(short.map((job) => job.promise)));
      const longState = long.state;
      Atomics.store(gates, 0, 1);
      yield* until(long.promise);
      return { short: values, longState };
    });
    expect(short).toEqual([1, 1, 1, 1]);
    expect(longState).toBe("running");
  });

  it("fails a job whose result cannot be sent back, and keeps serving", async () => {
    const { error, after } = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
      const error = yield* failure(runInExecutor(pool, "returnFunction"));
      return { error, after: yield* runInExecutor(pool, "square", 3) };
    });
    expect((error as Error).name).toBe("TypeError");
    expect((error as Error).message).toMatch(/result of "returnFunction" cannot be sent back/);
    expect(after).toBe(9);
  });

  it("never runs more than maxWorkers jobs at once", async () => {
    const counter = new Int32Array(new SharedArrayBuffer(8));
    const results = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("concurrency.mjs"), maxWorkers: 2 });
      const jobs = Array.from({ length: 8 }, () => pool.submit<number>("occupy", counter, 10));
      // Running counts the jobs a worker has started (#13).
      yield* until(occupied(counter, 2));
      expect(pool.stats()).toMatchObject({ running: 2, queued: 6 });
      return yield* until(Promise.all(jobs.map((job) => job.promise)));
    });
    expect(Math.max(...results)).toBeLessThanOrEqual(2);
    expect(Atomics.load(counter, 1)).toBe(2);
  });

  it("never runs more than maxWorkers jobs at once, including right after a kill", async () => {
    const hearts = new Int32Array(new SharedArrayBuffer(12));
    const { running, outcomes } = await run(function* () {
      const pool = yield* useThreadPool({
        module: fixture("heartbeat.mjs"),
        maxWorkers: 2,
        cancelGraceMs: 0,
      });
      const stubborn = [0, 1].map((i) => pool.submit("stubborn", hearts, i));
      const quick = Array.from({ length: 4 }, () => pool.submit<number>("quick", hearts));
      while (Atomics.load(hearts, 0) === 0 || Atomics.load(hearts, 1) === 0) {
        yield* sleep(1);
      }
      expect(pool.stats()).toMatchObject({ running: 2, queued: 4 });
      // Killed at once: the queued jobs start only once the killed threads are gone.
      yield* until(Promise.all(stubborn.map((job) => job.cancel())));
      const running = yield* until(Promise.all(quick.map((job) => job.promise)));
      expect(pool.stats()).toMatchObject({ killed: 2, completed: 4, running: 0, workers: 2 });
      return { running, outcomes: stubborn.map((job) => job.outcome) };
    });
    expect(outcomes).toEqual(["killed", "killed"]);
    expect(Math.max(...running)).toBeLessThanOrEqual(2);
  });

  it("settles a job cancelled before any worker took it without killing one", async () => {
    const hearts = new Int32Array(new SharedArrayBuffer(12));
    await run(function* () {
      const pool = yield* useThreadPool({
        module: fixture("heartbeat.mjs"),
        maxWorkers: 1,
        cancelGraceMs: 0,
      });
      const stubborn = pool.submit("stubborn", hearts, 0);
      const waiting = pool.submit("record", "ran");
      while (Atomics.load(hearts, 0) === 0) yield* sleep(1);
      yield* until(stubborn.cancel());
      // Handed to tinypool while the replacement thread is still starting: not started,
      // so still queued, and a cancel settles it at once (#13).
      expect(waiting.state).toBe("queued");
      yield* until(waiting.cancel());
      expect(waiting.outcome).toBe("cancelled");
      expect(yield* failure(until(waiting.promise))).toBeInstanceOf(CancelledError);
      // The pool still serves, one job at a time.
      expect(yield* runInExecutor(pool, "record", "next")).toBe("next");
      expect(pool.stats()).toMatchObject({ killed: 1, cancelled: 1, completed: 1, running: 0 });
    });
  });

  it("shuts down when its scope ends and then refuses jobs", async () => {
    let kept: ExecutorPool | undefined;
    await run(function* () {
      kept = yield* useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 2 });
      yield* runInExecutor(kept, "square", 2);
      expect(kept.stats().workers).toBe(2);
    });
    const pool = kept as ExecutorPool;
    expect(pool.closed).toBe(true);
    expect(pool.stats().workers).toBe(0);
    expect(() => pool.submit("square", 2)).toThrow(PoolClosedError);
  });

  it("gives a cancelled job 1 s by default before its worker is killed", async () => {
    const graceMs = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
      return pool.cancelGraceMs;
    });
    expect(graceMs).toBe(1000);
  });

  it("a job that returns in the same turn as its cancel completes with its value", async () => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const path = marker();
    const job = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("gate.mjs"), maxWorkers: 1 });
      const job = pool.submit<string>("returnWhenOpen", gate, path);
      yield* until(waitForLines(path, /^started/));
      Atomics.store(gate, 0, 1);
      const cancelled = job.cancel();
      expect(yield* until(job.promise)).toBe("returned");
      yield* until(cancelled);
      expect(pool.stats()).toMatchObject({ completed: 1, cancelled: 0, killed: 0, running: 0 });
      return job;
    });
    expect(job.outcome).toBe("completed");
  });
});
