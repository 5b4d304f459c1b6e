import { spawn as spawnProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import {
  type ExecutorPool,
  PoolClosedError,
  type PoolRuntime,
  type ShutdownCounts,
  type ShutdownOptions,
  useProcessPool,
  useThreadPool,
  WorkerKilledError,
} from "@quiesce/executor";
import { type Operation, run, spawn, type Task, until, withResolvers } from "effection";
import { describe, expect, it } from "vitest";
import {
  alive,
  catching,
  fixture,
  lines,
  marker,
  osThreads,
  waitForLines,
  waitGone,
} from "./helpers.ts";

const runtimes: PoolRuntime[] = ["worker_threads", "child_process"];
const usePool = (runtime: PoolRuntime) =>
  runtime === "worker_threads" ? useThreadPool : useProcessPool;

/** Starts `pool.shutdown(options)` in a task of its own and returns once it has begun. */
function* beginShutdown(
  pool: ExecutorPool,
  options: ShutdownOptions,
): Operation<Task<ShutdownCounts>> {
  const began = withResolvers<void>();
  const task = yield* spawn(function* () {
    began.resolve();
    return yield* pool.shutdown(options);
  });
  yield* began.operation;
  expect(pool.closed).toBe(true);
  return task;
}

describe("ExecutorPool.shutdown", () => {
  it("with wait runs the queued jobs too and counts them completed", async () => {
    const counts = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("wait-for-abort.mjs"), maxWorkers: 1 });
      const jobs = [10, 10, 10].map((ms) => pool.submit("sleep", ms));
      const counts = yield* pool.shutdown();
      expect(yield* until(Promise.all(jobs.map((job) => job.promise)))).toEqual([10, 10, 10]);
      return counts;
    });
    expect(counts).toEqual({ completed: 3, cancelled: 0, killed: 0 });
  });

  it("with cancelFutures drops the queued jobs and waits for the running one", async () => {
    const path = marker();
    const counts = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("wait-for-abort.mjs"), maxWorkers: 1 });
      const jobs = [
        pool.submit("sleepMarked", path, 50),
        pool.submit("sleep", 10),
        pool.submit("sleep", 10),
      ];
      yield* until(waitForLines(path, /^started/));
      expect(jobs.map((job) => job.state)).toEqual(["running", "queued", "queued"]);
      const counts = yield* pool.shutdown({ cancelFutures: true });
      expect(jobs.map((job) => job.outcome)).toEqual(["completed", "cancelled", "cancelled"]);
      for (const job of jobs.slice(1)) {
        yield* until(
          job.promise.catch((error: Error) => expect(error.name).toBe("CancelledError")),
        );
      }
      return counts;
    });
    expect(counts).toEqual({ completed: 1, cancelled: 2, killed: 0 });
  });

  it("after timeoutMs cancels running jobs: cooperative ones stop, stubborn ones are killed", async () => {
    const cooperative = marker();
    const stubborn = marker();
    const { counts, refused, errors } = await run(function* () {
      const pool = yield* useProcessPool({
        module: fixture("wait-for-abort.mjs"),
        maxWorkers: 2,
        cancelGraceMs: 300,
      });
      const stubbornPool = yield* useThreadPool({
        module: fixture("ignores-cancel.mjs"),
        maxWorkers: 1,
        cancelGraceMs: 300,
      });
      const a = pool.submit("waitForAbort", cooperative);
      const b = stubbornPool.submit("spinForever", stubborn);
      yield* until(
        Promise.all([waitForLines(cooperative, /^started/), waitForLines(stubborn, /^started/)]),
      );
      const [countsA, countsB] = yield* until(
        Promise.all([
          run(() => pool.shutdown({ timeoutMs: 50 })),
          run(() => stubbornPool.shutdown({ timeoutMs: 50 })),
        ]),
      );
      const refused = catching(() => pool.submit("sleep", 1));
      const errors = yield* until(
        Promise.all([a.promise.catch((e) => e), b.promise.catch((e) => e)]),
      );
      return { counts: [countsA, countsB], refused, errors };
    });
    expect(counts).toEqual([
      { completed: 0, cancelled: 1, killed: 0 },
      { completed: 0, cancelled: 0, killed: 1 },
    ]);
    expect(lines(cooperative)[1]).toBe("finally CancelledError shutdown");
    expect(errors[0]).toMatchObject({ name: "CancelledError", reason: { kind: "shutdown" } });
    expect(errors[1]).toBeInstanceOf(WorkerKilledError);
    expect(refused).toBeInstanceOf(PoolClosedError);
  });

  it("wait: false with cancelFutures cancels at once; calling shutdown again returns the same counts", async () => {
    const path = marker();
    await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("wait-for-abort.mjs"), maxWorkers: 1 });
      pool.submit("waitForAbort", path);
      pool.submit("waitForAbort", path);
      yield* until(waitForLines(path, /^started/));
      const first = yield* pool.shutdown({ wait: false, cancelFutures: true });
      expect(first).toEqual({ completed: 0, cancelled: 2, killed: 0 });
      expect(yield* pool.shutdown()).toEqual(first);
      expect(pool.stats().workers).toBe(0);
    });
  });

  it.each(runtimes)(
    "%s: wait: false without cancelFutures cancels the running job and still runs the queued ones (#10)",
    async (runtime) => {
      const path = marker();
      const { counts, outcomes, values } = await run(function* () {
        const pool = yield* usePool(runtime)({
          module: fixture("wait-for-abort.mjs"),
          maxWorkers: 1,
        });
        const running = pool.submit("waitForAbort", path);
        const queued = [pool.submit<number>("sleep", 1), pool.submit<number>("sleep", 2)];
        yield* until(waitForLines(path, /^started/));
        const counts = yield* pool.shutdown({ wait: false });
        const values = yield* until(Promise.all(queued.map((job) => job.promise)));
        return { counts, outcomes: [running, ...queued].map((job) => job.outcome), values };
      });
      expect(counts).toEqual({ completed: 2, cancelled: 1, killed: 0 });
      expect(outcomes).toEqual(["cancelled", "completed", "completed"]);
      expect(values).toEqual([1, 2]);
      expect(lines(path)[1]).toBe("finally CancelledError shutdown");
    },
  );

  it("leaves no child process behind when the scope ends mid-job", async () => {
    const path = marker();
    let kept: ExecutorPool | undefined;
    await run(function* () {
      const pool = yield* useProcessPool({
        module: fixture("ignores-cancel.mjs"),
        maxWorkers: 2,
        cancelGraceMs: 100,
      });
      kept = pool;
      pool.submit("spinForever", path).promise.catch(() => {});
      pool.submit("spinForever", path).promise.catch(() => {});
      yield* until(waitForLines(path, /^started/, 2));
    });
    const pids = lines(path).map((line) => Number(line.split(" ")[1]));
    expect(pids.some(alive)).toBe(false);
    expect(kept?.stats()).toMatchObject({ killed: 2, workers: 0 });
    await waitGone(pids, 100);
  });

  it("refuses new jobs as soon as it begins, while it still waits for running ones", async () => {
    const path = marker();
    await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("wait-for-abort.mjs"), maxWorkers: 1 });
      pool.submit("waitForAbort", path);
      yield* until(waitForLines(path, /^started/));
      const shutdown = yield* beginShutdown(pool, { timeoutMs: 60_000 });
      expect(catching(() => pool.submit("sleep", 1))).toBeInstanceOf(PoolClosedError);
      expect(yield* pool.shutdown({ wait: false })).toEqual(yield* shutdown);
    });
  });

  it("a second, stricter call stops a shutdown that was waiting, and both get the same counts", async () => {
    const path = marker();
    await run(function* () {
      const pool = yield* useThreadPool({
        module: fixture("ignores-cancel.mjs"),
        maxWorkers: 1,
        cancelGraceMs: 100,
      });
      pool.submit("spinForever", path);
      pool.submit("spinForever", path);
      yield* until(waitForLines(path, /^started/));
      const patient = yield* beginShutdown(pool, {});
      const strict = yield* pool.shutdown({ wait: false, cancelFutures: true });
      const counts = [yield* patient, strict];
      expect(counts).toEqual([
        { completed: 0, cancelled: 1, killed: 1 },
        { completed: 0, cancelled: 1, killed: 1 },
      ]);
    });
  });

  it("a scope that ends during a waiting shutdown kills what runs and leaves no thread behind", async () => {
    const path = marker();
    const threadsBefore = osThreads();
    const task = run(function* () {
      const pool = yield* useThreadPool({
        module: fixture("ignores-cancel.mjs"),
        maxWorkers: 2,
        cancelGraceMs: 100,
      });
      pool.submit("spinForever", path);
      yield* until(waitForLines(path, /^started/));
      yield* pool.shutdown();
    });
    await waitForLines(path, /^started/);
    await task.halt();
    expect(lines(path)).toEqual([expect.stringMatching(/^started/)]);
    if (threadsBefore !== undefined) expect(osThreads()).toBe(threadsBefore);
  });

  it("halting shutdown() returns only once the pool's processes are gone", async () => {
    const path = marker();
    await run(function* () {
      const pool = yield* useProcessPool({
        module: fixture("ignores-cancel.mjs"),
        maxWorkers: 1,
        cancelGraceMs: 100,
      });
      const job = pool.submit("spinForever", path);
      yield* until(waitForLines(path, /^started/));
      const shutdown = yield* beginShutdown(pool, {});
      yield* shutdown.halt();
      expect(job.outcome).toBe("killed");
      expect(pool.stats().workers).toBe(0);
      expect(alive(job.workerId as number)).toBe(false);
    });
  });

  it("treats a timeoutMs beyond Node's timer range as a very long wait, not as none", async () => {
    const counts = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("wait-for-abort.mjs"), maxWorkers: 1 });
      pool.submit("sleep", 100);
      return yield* pool.shutdown({ timeoutMs: 2 ** 31 });
    });
    expect(counts).toEqual({ completed: 1, cancelled: 0, killed: 0 });
  });

  it("does not keep the process alive: a program ends by itself once its pools' scope ends", async () => {
    const program = spawnProcess(
      process.execPath,
      [
        "--conditions=@quiesce/source",
        "--import",
        "tsx",
        fileURLToPath(fixture("exits-by-itself.ts")),
        marker(),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    program.stdout?.on("data", (chunk) => {
      stdout += chunk;
    });
    const ceiling = setTimeout(() => program.kill("SIGKILL"), 30_000);
    const [code, signal] = await once(program, "exit");
    clearTimeout(ceiling);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stdout).toMatch(
      /^useThreadPool \d+ killed cancelled\nuseProcessPool \d+ killed cancelled\nscope ended\n$/,
    );
    const child = Number(/useProcessPool (\d+)/.exec(stdout)?.[1]);
    expect(alive(child)).toBe(false);
  });
});
