import { CancelledError, spawnTask } from "@quiesce/core";
import {
  type ExecutorPool,
  type PoolRuntime,
  runInExecutor,
  useProcessPool,
  useThreadPool,
  WorkerKilledError,
} from "@quiesce/executor";
import { run, spawn, until } from "effection";
import { describe, expect, it } from "vitest";
import { failure, fixture, lines, marker, waitForLines } from "./helpers.ts";

const runtimes: PoolRuntime[] = ["worker_threads", "child_process"];
const usePool = (runtime: PoolRuntime) =>
  runtime === "worker_threads" ? useThreadPool : useProcessPool;

describe.each(runtimes)("runInExecutor on %s", (runtime) => {
  it("removes a queued job when its caller is halted; its function never starts", async () => {
    const first = marker();
    const second = marker();
    const stats = await run(function* () {
      const pool = yield* usePool(runtime)({
        module: fixture("wait-for-abort.mjs"),
        maxWorkers: 1,
      });
      const running = yield* spawn(() => runInExecutor(pool, "waitForAbort", first));
      const queued = yield* spawn(() => runInExecutor(pool, "waitForAbort", second));
      yield* until(waitForLines(first, /^started/));
      expect(pool.stats()).toMatchObject({ running: 1, queued: 1 });
      yield* queued.halt();
      const stats = pool.stats();
      yield* running.halt();
      return stats;
    });
    expect(stats).toMatchObject({ running: 1, queued: 0, cancelled: 1 });
    expect(lines(second)).toEqual([]);
    expect(lines(first)).toHaveLength(2);
  });

  it("tells a running job through its AbortSignal, with the reason, and waits for its finally", async () => {
    const path = marker();
    await run(function* () {
      const pool = yield* usePool(runtime)({
        module: fixture("wait-for-abort.mjs"),
        maxWorkers: 1,
      });
      const task = yield* spawnTask(() => runInExecutor(pool, "waitForAbort", path));
      yield* until(waitForLines(path, /^started/));
      yield* task.cancel({ kind: "explicit", message: "user asked" });
      // The halt returned only after the worker's finally block had run.
      expect(lines(path)[1]).toBe("finally CancelledError explicit");
      expect(task.state).toBe("cancelled");
      expect(pool.stats()).toMatchObject({ running: 0, cancelled: 1, killed: 0 });
    });
  });

  it("gives a job that reads its AbortSignal only after the cancel an aborted one, with the reason", async () => {
    const path = marker();
    const error = await run(function* () {
      const pool = yield* usePool(runtime)({
        module: fixture("wait-for-abort.mjs"),
        maxWorkers: 1,
      });
      const job = pool.submit("pollThenReadSignal", path);
      yield* until(waitForLines(path, /^started/));
      yield* until(job.cancel({ kind: "explicit", message: "user asked" }));
      expect(pool.stats()).toMatchObject({ running: 0, cancelled: 1, killed: 0 });
      return yield* failure(until(job.promise));
    });
    expect(error).toBeInstanceOf(CancelledError);
    expect(lines(path).slice(1)).toEqual(["signal true CancelledError explicit true", "finally"]);
  });

  it("kills a job that ignores the cancel after cancelGraceMs and keeps serving", async () => {
    const path = marker();
    const { error, elapsed, after } = await run(function* () {
      const pool = yield* usePool(runtime)({
        module: fixture("ignores-cancel.mjs"),
        maxWorkers: 1,
        cancelGraceMs: 200,
      });
      const job = pool.submit("spinForever", path);
      yield* until(waitForLines(path, /^started/));
      const start = Date.now();
      yield* until(job.cancel());
      const elapsed = Date.now() - start;
      const error = yield* failure(until(job.promise));
      const again = marker();
      const second = pool.submit("spinForever", again);
      yield* until(waitForLines(again, /^started/));
      const after = lines(again)[0];
      yield* until(second.cancel());
      expect(pool.stats()).toMatchObject({ killed: 2, running: 0 });
      return { error, elapsed, after };
    });
    expect(error).toBeInstanceOf(WorkerKilledError);
    expect((error as WorkerKilledError).graceMs).toBe(200);
    expect((error as Error).message).toMatch(/did not stop within its 200 ms cancel grace period/);
    expect((error as Error).cause).toBeInstanceOf(CancelledError);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(lines(path)).not.toContain("finally");
    expect(after).toMatch(/^started \d+/);
  });

  it.each([0, 50])(
    "never starts a job cancelled while a new worker was starting, even once a grace of %i ms is over (#10)",
    async (graceMs) => {
      const busy = marker();
      const trace = marker();
      const { outcome, atCancel } = await run(function* () {
        const pool = yield* usePool(runtime)({
          module: fixture("wait-for-abort.mjs"),
          maxWorkers: 2,
          minWorkers: 1,
          cancelGraceMs: graceMs,
        });
        const running = pool.submit("waitForAbort", busy);
        yield* until(waitForLines(busy, /^started/));
        // The only warm worker is busy: the job waits for a second one to start, and its
        // grace period may be over before that worker takes it.
        const victim = pool.submit("append", trace, "victim ran");
        yield* until(victim.cancel());
        const atCancel = lines(trace);
        // Its slot is freed only once the worker hands its task back: this job runs after.
        yield* until(pool.submit("append", trace, "next ran").promise);
        yield* until(running.cancel());
        return { outcome: victim.outcome, atCancel };
      });
      // "cancelled" when its grace ran out before a worker took it; a worker that took
      // it (with the cancel already in the task) and did not answer within the grace is
      // killed instead. Either way the job itself never ran:
      expect(["cancelled", "killed"]).toContain(outcome);
      expect(atCancel).toEqual([]);
      expect(lines(trace)).toEqual(["next ran"]);
    },
  );
});

describe.each(runtimes)("the synchronous cancel check on %s", (runtime) => {
  it("is seen by a job busy in a CPU loop, which then runs its finally (#10)", async () => {
    const path = marker();
    const rounds = 10;
    const took: number[] = [];
    const stats = await run(function* () {
      const pool = yield* usePool(runtime)({
        module: fixture("cpu-loop.mjs"),
        maxWorkers: 1,
        cancelGraceMs: 30_000,
      });
      for (let round = 1; round <= rounds; round++) {
        const job = pool.submit("spin", path);
        yield* until(waitForLines(path, /^started/, round));
        const start = performance.now();
        yield* until(job.cancel({ kind: "explicit", message: `round ${round}` }));
        took.push(performance.now() - start);
        expect(job.outcome).toBe("cancelled");
      }
      return pool.stats();
    });
    expect(stats).toMatchObject({ cancelled: rounds, killed: 0 });
    expect(lines(path).filter((line) => line.startsWith("finally"))).toEqual(
      Array.from({ length: rounds }, () => "finally true explicit"),
    );
    took.sort((a, b) => a - b);
    console.log(
      `${runtime}: cancel to settled, median ${took[rounds >> 1]?.toFixed(2)} ms, max ${took[rounds - 1]?.toFixed(2)} ms`,
    );
  });
});

describe("runInExecutor on worker_threads", () => {
  it("checks its pool at the call, in the house message shape", () => {
    expect(() => runInExecutor(undefined as unknown as ExecutorPool, "square", 2)).toThrow(
      "Expected `pool` to be a pool from useThreadPool or useProcessPool, got `undefined`",
    );
  });

  it("lets a CPU loop see the cancel with one Atomics.load and run its finally", async () => {
    const path = marker();
    await run(function* () {
      const pool = yield* useThreadPool({
        module: fixture("cpu-loop.mjs"),
        maxWorkers: 1,
        cancelGraceMs: 30_000,
      });
      const task = yield* spawn(() => runInExecutor(pool, "spin", path));
      yield* until(waitForLines(path, /^started/));
      yield* task.halt();
      expect(lines(path)[1]).toBe("finally true scope-exit");
      expect(pool.stats()).toMatchObject({ cancelled: 1, killed: 0 });
    });
  });
});
