import {
  runInExecutor,
  useProcessPool,
  useThreadPool,
  WorkerCrashedError,
  WorkerLoadError,
} from "@quiesce/executor";
import { run, until } from "effection";
import { describe, expect, it } from "vitest";
import { catching, failure, fixture } from "./helpers.ts";

describe("a worker that dies under its job", () => {
  it.each([
    ["exitInTask", [3], { how: "exit", exitCode: 3 }],
    ["throwLater", [], { how: "uncaught-error" }],
    ["exhaustMemory", [], { how: "out-of-memory" }],
  ] as const)(
    "thread pool: %s fails only its job, and the pool keeps serving",
    async (fn, args, expected) => {
      const { error, pong, stats } = await run(function* () {
        const pool = yield* useThreadPool({
          module: fixture("crash.mjs"),
          maxWorkers: 1,
          resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
        });
        const error = yield* failure(runInExecutor(pool, fn, ...args));
        expect(pool.stats().workers).toBe(1); // replaced at once
        const pong = yield* runInExecutor(pool, "ping");
        return { error, pong, stats: pool.stats() };
      });
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error).toMatchObject(expected);
      expect((error as Error).message).toMatch(new RegExp(`died under job "${fn}"`));
      expect(pong).toBe("pong");
      expect(stats).toMatchObject({ crashed: 1, completed: 1, running: 0 });
    },
  );

  it.each([
    ["exitInTask", [3], { how: "exit", exitCode: 3 }],
    ["killSelf", [], { how: "signal", signal: "SIGKILL" }],
  ] as const)(
    "process pool: %s fails only its job, and the pool keeps serving",
    async (fn, args, expected) => {
      const { error, pong } = await run(function* () {
        const pool = yield* useProcessPool({ module: fixture("crash.mjs"), maxWorkers: 1 });
        const error = yield* failure(runInExecutor(pool, fn, ...args));
        return { error, pong: yield* runInExecutor(pool, "ping") };
      });
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error).toMatchObject(expected);
      expect(pong).toBe("pong");
    },
  );

  it("a module that throws while loading fails each job with WorkerLoadError", async () => {
    const error = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("crash-on-load.mjs"), maxWorkers: 1 });
      return catching(() => pool.submit("ping"));
    });
    expect(error).toBeInstanceOf(WorkerLoadError);
    expect((error as Error).message).toMatch(
      /crash-on-load\.mjs failed to load: Error: crash on load/,
    );
    expect(((error as Error).cause as Error).message).toBe("crash on load");
  });

  it.each([
    ["worker_threads", "exitInTask"],
    ["child_process", "killSelf"],
  ] as const)(
    "%s: a crash fails only its own job, not one running beside it",
    async (runtime, fn) => {
      const { error, slow } = await run(function* () {
        const usePool = runtime === "worker_threads" ? useThreadPool : useProcessPool;
        const pool = yield* usePool({ module: fixture("crash.mjs"), maxWorkers: 2 });
        const beside = pool.submit<string>("pingAfter", 1000);
        const error = yield* failure(runInExecutor(pool, fn, 3));
        expect(beside.state).toBe("running");
        return { error, slow: yield* until(beside.promise) };
      });
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(slow).toBe("pong");
    },
  );

  it.each([
    ["worker_threads", useThreadPool],
    ["child_process", useProcessPool],
  ] as const)(
    "%s: an exception thrown from a timer in a job fails it as uncaught-error, with the error as cause (#10)",
    async (_runtime, usePool) => {
      const { error, pong } = await run(function* () {
        const pool = yield* usePool({ module: fixture("crash.mjs"), maxWorkers: 1 });
        const error = yield* failure(runInExecutor(pool, "throwLater"));
        return { error, pong: yield* runInExecutor(pool, "ping") };
      });
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error).toMatchObject({ how: "uncaught-error" });
      expect((error as Error).message).toMatch(/an uncaught exception ended it/);
      expect((error as Error).cause).toBeInstanceOf(Error);
      expect((error as Error).cause).toMatchObject({ message: "thrown from a timer" });
      expect(((error as Error).cause as Error).stack).toContain("crash.mjs");
      expect(pong).toBe("pong");
    },
  );

  it.each(["worker_threads", "child_process"] as const)(
    "%s: a job that exhausts its heap fails as out-of-memory, not as a signal (#10)",
    async (runtime) => {
      const { error, pong } = await run(function* () {
        const module = fixture("crash.mjs");
        // Threads take resourceLimits; child processes take V8's flag.
        const pool =
          runtime === "worker_threads"
            ? yield* useThreadPool({
                module,
                maxWorkers: 1,
                resourceLimits: { maxOldGenerationSizeMb: 32 },
              })
            : yield* useProcessPool({
                module,
                maxWorkers: 1,
                execArgv: ["--max-old-space-size=32"],
              });
        const error = yield* failure(runInExecutor(pool, "exhaustMemory"));
        return { error, pong: yield* runInExecutor(pool, "ping") };
      });
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error).toMatchObject({ how: "out-of-memory" });
      expect((error as Error).message).toMatch(/it ran out of memory$/);
      expect(pong).toBe("pong");
    },
  );
});
