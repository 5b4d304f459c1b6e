import { ensure, type Operation, run, sleep, spawn, suspend, withResolvers } from "effection";
import { describe, expect, it } from "vitest";
import {
  CancelledError,
  callAbortable,
  cancelAll,
  describeCancelReason,
  spawnTask,
  type TaskHandle,
} from "../src/index.ts";
import { runCollecting } from "./helpers.ts";

describe("task handle", () => {
  it("cancel() is idempotent and the first reason wins", async () => {
    await run(function* () {
      const task = yield* spawnTask(suspend);
      task.cancel({ kind: "timeout", ms: 5 });
      task.cancel("second");
      yield* task.cancel({ kind: "shutdown" });
      expect(task.cancelReason()).toEqual({ kind: "timeout", ms: 5 });
      task.cancel("after settling");
      expect(task.state).toBe("cancelled");
      expect(task.cancelReason()).toEqual({ kind: "timeout", ms: 5 });
    });
  });

  it("returns from a yielded cancel only after the cleanup, children included, has run", async () => {
    const log: string[] = [];
    await run(function* () {
      const started = withResolvers<void>();
      const task = yield* spawnTask(function* () {
        yield* spawn(function* () {
          yield* ensure(function* () {
            yield* sleep(10);
            log.push("child cleanup");
          });
          yield* suspend();
        });
        yield* ensure(function* () {
          yield* sleep(5);
          log.push("own cleanup");
        });
        started.resolve();
        yield* suspend();
      });
      yield* started.operation;
      yield* task.cancel();
      log.push("cancel returned");
    });
    expect(log).toEqual(["own cleanup", "child cleanup", "cancel returned"]);
  });

  it("can be awaited outside effection", async () => {
    let task: TaskHandle<void> | undefined;
    let cleaned = false;
    await run(function* () {
      task = yield* spawnTask(function* () {
        try {
          yield* suspend();
        } finally {
          cleaned = true;
        }
      });
      yield* sleep(0);
      yield* spawn(function* () {
        yield* sleep(0);
      });
      const settlement = task.cancel();
      const awaited = (async () => {
        await settlement;
        return cleaned;
      })();
      yield* task.settlement();
      expect(yield* callPromise(awaited)).toBe(true);
    });
  });

  it("runs done callbacks exactly once, in order, after settling, whatever the outcome", async () => {
    const calls: string[] = [];
    await runCollecting(function* () {
      for (const outcome of ["done", "failed", "cancelled"] as const) {
        const task = yield* spawnTask(function* () {
          yield* sleep(1);
          if (outcome === "failed") throw new Error("x");
          if (outcome === "cancelled") yield* suspend();
        });
        task.onDone((t) => calls.push(`${outcome}:1:${t.state}`));
        task.onDone((t) => calls.push(`${outcome}:2:${t.state}`));
        if (outcome === "cancelled") {
          yield* sleep(2);
          task.cancel();
        }
        yield* task.settlement();
        task.error();
      }
    });
    expect(calls).toEqual([
      "done:1:done",
      "done:2:done",
      "failed:1:failed",
      "failed:2:failed",
      "cancelled:1:cancelled",
      "cancelled:2:cancelled",
    ]);
  });

  it("runs a callback added after settling on the next microtask, and not a removed one", async () => {
    const calls: string[] = [];
    await run(function* () {
      const task = yield* spawnTask(function* () {
        return 1;
      });
      const removed = yield* spawnTask(suspend);
      removed.onDone(() => calls.push("removed"))();
      yield* task;
      task.onDone(() => calls.push("late"));
      expect(calls).toEqual([]);
      yield* sleep(0);
      expect(calls).toEqual(["late"]);
      yield* removed.cancel();
    });
    expect(calls).toEqual(["late"]);
  });

  it("reports a callback that throws and still runs the next one", async () => {
    const calls: string[] = [];
    const { reports } = await runCollecting(function* () {
      const task = yield* spawnTask(function* () {});
      task.onDone(() => {
        throw new Error("callback broke");
      });
      task.onDone(() => calls.push("second"));
      yield* task;
    });
    expect(calls).toEqual(["second"]);
    expect(reports.map((r) => [r.kind, (r.error as Error).message])).toEqual([
      ["callback-error", "callback broke"],
    ]);
  });

  it("lets a task cancel itself", async () => {
    await run(function* () {
      let self: TaskHandle<void> | undefined;
      const log: string[] = [];
      self = yield* spawnTask(function* () {
        try {
          yield* sleep(1);
          self?.cancel("myself");
          yield* suspend();
        } finally {
          log.push("cleanup");
        }
      });
      yield* self.settlement();
      expect(self.state).toBe("cancelled");
      expect(log).toEqual(["cleanup"]);
    });
  });

  it("gives every task of a deep chain the reason asked of its top", async () => {
    await run(function* () {
      const chain: TaskHandle<unknown>[] = [];
      const bottom = withResolvers<void>();
      const link = (depth: number): Operation<void> =>
        (function* () {
          if (depth === 0) bottom.resolve();
          else chain.push(yield* spawnTask(() => link(depth - 1)));
          yield* suspend();
        })();
      const top = yield* spawnTask(() => link(2000));
      yield* bottom.operation;
      yield* top.cancel({ kind: "signal", signal: "SIGTERM" });
      expect(chain).toHaveLength(2000);
      for (const task of chain) {
        expect(task.state).toBe("cancelled");
        expect(task.cancelReason()).toEqual({ kind: "signal", signal: "SIGTERM" });
      }
    });
  });

  it.each([
    ["a number", 5, { kind: "explicit", value: 5 }],
    ["null", null, { kind: "explicit", value: null }],
    ["an object without a kind", { why: "reload" }, { kind: "explicit", value: { why: "reload" } }],
    ["a string", "reload", { kind: "explicit", message: "reload" }],
    ["nothing", undefined, { kind: "explicit" }],
  ])("accepts %s as a cancel reason and gives it back exactly (#10)", async (_, value, reason) => {
    await run(function* () {
      const task = yield* spawnTask(suspend);
      yield* task.cancel(value);
      expect(task.cancelReason()).toEqual(reason);
      const error = task.error() as CancelledError;
      expect(error.reason).toEqual(reason);
      expect(error.value).toBe(value);
    });
  });

  it("accepts an error as a cancel reason: the value and the cause are that error (#10)", async () => {
    await run(function* () {
      const why = new Error("config changed");
      const task = yield* spawnTask(suspend, { name: "w" });
      yield* task.cancel(why);
      const error = task.error() as CancelledError;
      expect(error.value).toBe(why);
      expect(error.cause).toBe(why);
      expect(error.reason).toEqual({ kind: "explicit", value: why });
      expect(error.message).toBe('task "w" was cancelled (cancelled: Error: config changed)');
      expect(describeCancelReason({ kind: "explicit", value: 5 })).toBe("cancelled: 5");
    });
  });

  it("gives a structured reason back as the value, and any value through cancelAll (#10)", async () => {
    await run(function* () {
      const reason = { kind: "signal", signal: "SIGTERM" } as const;
      const task = yield* spawnTask(suspend);
      yield* task.cancel(reason);
      expect((task.error() as CancelledError).value).toBe(reason);
      expect(task.cancelReason()).toBe(reason);
      const boss = yield* spawnTask(function* () {
        const worker = yield* spawnTask(suspend);
        yield* sleep(0);
        yield* cancelAll(42);
        return worker;
      });
      const worker = yield* boss;
      expect((worker.error() as CancelledError).value).toBe(42);
    });
  });

  it("passes the exact cancel value to promise code through signal.reason (#10)", async () => {
    await run(function* () {
      const started = withResolvers<AbortSignal>();
      const task = yield* spawnTask(() =>
        callAbortable((signal) => {
          started.resolve(signal);
          return new Promise(() => {});
        }),
      );
      const signal = yield* started.operation;
      const why = { code: 7 };
      yield* task.cancel(why);
      expect(signal.reason).toBeInstanceOf(CancelledError);
      expect((signal.reason as CancelledError).value).toBe(why);
      expect((signal.reason as CancelledError).reason).toEqual({ kind: "explicit", value: why });
    });
  });

  it("refuses a malformed cancel reason", async () => {
    await run(function* () {
      const task = yield* spawnTask(suspend);
      expect(() => task.cancel({ kind: "whim" } as never)).toThrow(
        /Expected `reason` to be a string or a CancelReason with a known `kind`/,
      );
      expect(() => task.onDone(5 as never)).toThrow("Expected `callback` to be a function");
      yield* task.cancel();
    });
  });

  it("records a failure during cleanup after a cancel as the task's failure", async () => {
    await runCollecting(function* () {
      const task = yield* spawnTask(function* () {
        try {
          yield* suspend();
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: the point of the test
          throw new Error("cleanup failed");
        }
      });
      yield* sleep(0);
      yield* task.cancel();
      expect(task.state).toBe("failed");
      expect((task.error() as Error).message).toBe("cleanup failed");
    });
  });
});

function* callPromise<T>(promise: Promise<T>) {
  const { operation, resolve, reject } = withResolvers<T>();
  promise.then(resolve, reject);
  return yield* operation;
}
