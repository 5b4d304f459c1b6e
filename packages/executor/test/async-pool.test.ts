import { CancelledError } from "@quiesce/core";
import {
  type AsyncPool,
  createProcessPool,
  createThreadPool,
  PoolClosedError,
  type PoolRuntime,
  useThreadPool,
  WorkerKilledError,
} from "@quiesce/executor";
import { run, until } from "effection";
import { describe, expect, it } from "vitest";
import { alive, fixture, lines, marker, osThreads, waitForLines, waitGone } from "./helpers.ts";

const runtimes: PoolRuntime[] = ["worker_threads", "child_process"];
const createPool = (runtime: PoolRuntime) =>
  runtime === "worker_threads" ? createThreadPool : createProcessPool;

describe.each(runtimes)("the promise pool on %s (#12)", (runtime) => {
  it("runs jobs with no generators and is gone after its await using block", async () => {
    const threadsBefore = osThreads();
    let kept: AsyncPool | undefined;
    let pid = 0;
    {
      await using pool = await createPool(runtime)({ module: fixture("echo.mjs"), maxWorkers: 2 });
      kept = pool;
      expect(pool.functions).toContain("square");
      expect(await Promise.all([pool.run("square", [3]), pool.run("add", [20, 22])])).toEqual([
        9, 42,
      ]);
      pid = (await pool.run<{ pid: number }>("whoAmI")).pid;
    }
    expect(kept?.closed).toBe(true);
    expect(kept?.stats()).toMatchObject({ completed: 3, workers: 0 });
    await expect(kept?.run("square", [3])).rejects.toBeInstanceOf(PoolClosedError);
    if (runtime === "child_process") expect(alive(pid)).toBe(false);
    else if (threadsBefore !== undefined) expect(osThreads()).toBe(threadsBefore);
  });

  it("an aborted signal tells the running job, with its reason, and settles after its finally", async () => {
    const path = marker();
    await using pool = await createPool(runtime)({
      module: fixture("wait-for-abort.mjs"),
      maxWorkers: 1,
    });
    const controller = new AbortController();
    const running = pool.run("waitForAbort", [path], { signal: controller.signal });
    const queued = marker();
    const waiting = pool.run("waitForAbort", [queued], { signal: controller.signal });
    await waitForLines(path, /^started/);
    controller.abort({ kind: "shutdown", message: "deploy" });
    const errors = await Promise.all([running, waiting].map((p) => p.catch((e: unknown) => e)));
    // The promise settled only after the worker's finally block ran.
    expect(lines(path)[1]).toBe("finally CancelledError shutdown");
    expect(lines(queued)).toEqual([]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).reason).toEqual({ kind: "shutdown", message: "deploy" });
    }
    expect(pool.stats()).toMatchObject({ cancelled: 2, killed: 0, running: 0, queued: 0 });
  });

  it("a job that ignores the abort is killed after cancelGraceMs", async () => {
    const path = marker();
    await using pool = await createPool(runtime)({
      module: fixture("ignores-cancel.mjs"),
      maxWorkers: 1,
      cancelGraceMs: 100,
    });
    const controller = new AbortController();
    const job = pool.run("spinForever", [path], { signal: controller.signal });
    await waitForLines(path, /^started/);
    controller.abort();
    const error = await job.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerKilledError);
    expect(((error as Error).cause as CancelledError).reason).toEqual({
      kind: "explicit",
      value: controller.signal.reason,
    });
    expect(((error as Error).cause as CancelledError).value).toBe(controller.signal.reason);
    expect(lines(path)).not.toContain("finally");
    const pid = Number(lines(path)[0]?.split(" ")[1]);
    if (runtime === "child_process") await waitGone([pid], 2000);
  });

  it("an already aborted signal rejects at once and queues nothing", async () => {
    await using pool = await createPool(runtime)({ module: fixture("echo.mjs"), maxWorkers: 1 });
    const error = await pool
      .run("square", [3], { signal: AbortSignal.abort("not now") })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).reason).toEqual({ kind: "explicit", message: "not now" });
    expect(pool.stats()).toMatchObject({ completed: 0, cancelled: 0, queued: 0 });
  });

  it("shutdown() resolves with the counts and the pool refuses new jobs", async () => {
    const pool = await createPool(runtime)({
      module: fixture("wait-for-abort.mjs"),
      maxWorkers: 1,
    });
    const jobs = [pool.run("sleep", [10]), pool.run("sleep", [10])];
    expect(await pool.shutdown()).toEqual({ completed: 2, cancelled: 0, killed: 0 });
    expect(await Promise.all(jobs)).toEqual([10, 10]);
    await expect(pool.run("sleep", [1])).rejects.toBeInstanceOf(PoolClosedError);
    expect(pool.stats().workers).toBe(0);
    await pool[Symbol.asyncDispose]();
  });
});

describe("the promise pool (#12)", () => {
  it("checks run()'s arguments in the house message shape", async () => {
    await using pool = await createThreadPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
    await expect(pool.run("square", 3 as unknown as unknown[])).rejects.toThrow(
      "Expected `args` to be an array of arguments, got `3` (number)",
    );
    await expect(
      pool.run("square", [3], { signal: "stop" as unknown as AbortSignal }),
    ).rejects.toThrow('Expected `signal` to be an AbortSignal, got `"stop"` (string)');
    expect(() => createProcessPool({ module: fixture("echo.mjs"), maxWorkers: 0 })).toThrow(
      "Expected `maxWorkers` to be an integer ≥ 1, got `0` (number)",
    );
  });

  it("a pool from useThreadPool, handed to promise code, is AsyncDisposable too", async () => {
    await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
      yield* until(pool[Symbol.asyncDispose]());
      expect(pool.closed).toBe(true);
      expect(pool.stats().workers).toBe(0);
    });
  });
});
