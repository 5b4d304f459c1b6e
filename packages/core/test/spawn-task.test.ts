import { createContext, run, sleep, spawn, suspend, useScope } from "effection";
import { describe, expect, it } from "vitest";
import {
  allTasks,
  CancelledError,
  describeReport,
  InvalidStateError,
  type Report,
  spawnTask,
  type TaskHandle,
} from "../src/index.ts";
import { inDebugMode, latch, runCollecting } from "./helpers.ts";

/** Effection's own task group of a scope (private: read here to see what is left to halt). */
const TaskGroup = createContext<{ tasks: Set<unknown> } | undefined>("@effection/task-group");

describe("spawnTask", () => {
  it("a settled task is over, effection's teardown of it included: its spawner has nothing of it left to halt (#13)", async () => {
    const left = await run(function* () {
      const scope = yield* useScope();
      const tasks: TaskHandle<number>[] = [];
      for (let i = 0; i < 50; i++) {
        tasks.push(
          yield* spawnTask(function* () {
            if (i % 2) yield* sleep(0);
            return i;
          }),
        );
      }
      for (const task of tasks) yield* task;
      return scope.get(TaskGroup)?.tasks.size;
    });
    expect(left).toBe(0);
  });

  it("a task halted before its first step never runs its body and settles cancelled, by a cancel or its spawner's end (#13)", async () => {
    const ran: string[] = [];
    const body = (name: string) =>
      function* () {
        ran.push(name);
      };
    let torn: TaskHandle<void> | undefined;
    const { reports } = await runCollecting(function* () {
      const cancelled = yield* spawnTask(body("cancelled"));
      yield* cancelled.cancel("early");
      expect(cancelled.state).toBe("cancelled");
      expect(cancelled.cancelReason()).toEqual({ kind: "explicit", message: "early" });
      // Its spawner returns at once: the task is torn down with it, never started.
      torn = yield* spawnTask(body("torn down"), { name: "torn" });
    });
    expect(ran).toEqual([]);
    expect(torn?.state).toBe("cancelled");
    expect(reports.map((r) => [r.kind, r.task.name])).toEqual([["destroyed-pending", "torn"]]);
  });

  it("a task stopped by its spawner's end settles cancelled, also when its finally waits on something (#13)", async () => {
    const tasks: TaskHandle<void>[] = [];
    await runCollecting(function* () {
      for (const wait of [false, true]) {
        tasks.push(
          yield* spawnTask(function* () {
            try {
              yield* suspend();
            } finally {
              if (wait) yield* sleep(1);
            }
          }),
        );
      }
      yield* sleep(0);
    });
    expect(tasks.map((t) => t.state)).toEqual(["cancelled", "cancelled"]);
  });

  it("returns a pending handle at once and a running one once its body starts", async () => {
    await run(function* () {
      const started = latch();
      const task = yield* spawnTask(function* () {
        started.resolve();
        yield* suspend();
      });
      expect(task.state).toBe("pending");
      yield* started.operation;
      expect(task.state).toBe("running");
      yield* task.cancel();
      expect(task.state).toBe("cancelled");
    });
  });

  it("gives the result through yield* and result()", async () => {
    const value = await run(function* () {
      const task = yield* spawnTask(function* () {
        yield* sleep(1);
        return 42;
      });
      const viaYield = yield* task;
      expect(task.state).toBe("done");
      expect(task.result()).toBe(42);
      expect(task.error()).toBeUndefined();
      return viaYield;
    });
    expect(value).toBe(42);
  });

  it("names tasks from options, then the function name, then Task-<id>", async () => {
    await run(function* () {
      const named = yield* spawnTask(function* () {}, { name: "worker" });
      const fromFunction = yield* spawnTask(function* fetcher() {});
      const anonymous = yield* spawnTask(() => sleep(0));
      expect(named.name).toBe("worker");
      expect(fromFunction.name).toBe("fetcher");
      expect(anonymous.name).toBe(`Task-${anonymous.id}`);
      expect(fromFunction.id).toBeGreaterThan(named.id);
    });
  });

  it("keeps a failure in the handle instead of failing the spawner", async () => {
    const { reports } = await runCollecting(function* () {
      const task = yield* spawnTask(function* () {
        yield* sleep(1);
        throw new Error("boom");
      });
      yield* task.settlement();
      expect(task.state).toBe("failed");
      expect((task.error() as Error).message).toBe("boom");
      expect(() => task.result()).toThrow("boom");
    });
    expect(reports).toEqual([]);
  });

  it("rethrows the failure from yield* task", async () => {
    await expect(
      run(function* () {
        const task = yield* spawnTask(function* () {
          throw new Error("inner");
        });
        yield* task;
      }),
    ).rejects.toThrow("inner");
  });

  it("reports a failure nobody retrieved when the spawning scope ends", async () => {
    const { reports } = await runCollecting(function* () {
      const task = yield* spawnTask(
        function* () {
          throw new Error("lost");
        },
        { name: "forgotten" },
      );
      yield* task.settlement();
    });
    expect(reports).toHaveLength(1);
    const [report] = reports as [Report];
    expect(report.kind).toBe("unretrieved-failure");
    expect(report.message).toBe("Task exception was never retrieved");
    expect(report.task.name).toBe("forgotten");
    expect((report.error as Error).message).toBe("lost");
    // Where it was created is recorded in debug mode only (#13).
    expect(report.site).toBeUndefined();
  });

  it("reports a task destroyed while pending, with where it was created in debug mode (#13)", async () => {
    const { reports } = await inDebugMode(() =>
      runCollecting(function* () {
        yield* spawnTask(suspend, { name: "orphan" });
        yield* sleep(0);
      }),
    );
    expect(reports.map((r) => [r.kind, r.task.name])).toEqual([["destroyed-pending", "orphan"]]);
    expect(reports[0]?.message).toBe("Task was destroyed but it is pending!");
    expect(reports[0]?.site).toMatch(/^Error:? *\n +at .*spawn-task\.test\.ts:\d+:\d+/);
    expect(describeReport(reports[0]!)).toMatch(
      /^Task was destroyed but it is pending!: task "orphan" \(T\d+\)\n {2}created at .*spawn-task\.test\.ts:\d+:\d+$/,
    );
  });

  it("outside debug mode, a report names the task that spawned it and how to see where it was created (#13)", async () => {
    const { reports } = await runCollecting(function* () {
      yield* spawnTask(
        function* () {
          yield* spawnTask(suspend, { name: "orphan" });
          yield* sleep(0);
        },
        { name: "parent" },
      );
      yield* sleep(1);
    });
    const orphan = reports.find((r) => r.task.name === "orphan")!;
    expect(orphan.parent?.name).toBe("parent");
    expect(orphan.site).toBeUndefined();
    expect(describeReport(orphan)).toBe(
      `Task was destroyed but it is pending!: task "orphan" (T${orphan.task.id}), spawned by "parent" (T${orphan.parent?.id})\n` +
        "  (set QUIESCE_DEBUG=1 to see where tasks are created)",
    );
  });

  it("does not report a pending task that someone was awaiting", async () => {
    const { reports } = await runCollecting(function* () {
      const inner = yield* spawnTask(suspend, { name: "awaited" });
      yield* spawnTask(function* () {
        yield* inner;
      });
      yield* sleep(0);
    });
    expect(reports.map((r) => r.task.name)).not.toContain("awaited");
  });

  it("lets a failing child of raw effection spawn fail the task, not the spawner", async () => {
    await run(function* () {
      const task = yield* spawnTask(function* () {
        yield* spawn(function* () {
          throw new Error("child");
        });
        yield* suspend();
      });
      yield* task.settlement();
      expect(task.state).toBe("failed");
      expect((task.error() as Error).message).toBe("child");
    });
  });

  it("throws InvalidStateError when asked for a result before settling", async () => {
    await run(function* () {
      const task = yield* spawnTask(suspend);
      expect(() => task.result()).toThrow(InvalidStateError);
      expect(() => task.error()).toThrow(/while it is pending/);
      yield* task.cancel();
    });
  });

  it("never outlives its scope and leaves nothing in allTasks()", async () => {
    let cleaned = false;
    await run(function* () {
      yield* spawnTask(function* () {
        try {
          yield* suspend();
        } finally {
          cleaned = true;
        }
      });
      yield* sleep(0);
      expect(allTasks()).toHaveLength(1);
    });
    expect(cleaned).toBe(true);
    expect(allTasks()).toHaveLength(0);
  });

  it("records the parent task", async () => {
    await run(function* () {
      let child: TaskHandle<unknown> | undefined;
      const parent = yield* spawnTask(function* () {
        child = yield* spawnTask(suspend);
        yield* suspend();
      });
      yield* sleep(0);
      expect(child?.parent).toBe(parent);
      yield* parent.cancel();
      expect(child?.state).toBe("cancelled");
      expect(child?.cancelReason()).toEqual({ kind: "explicit" });
    });
  });

  it.each([
    [
      "a number",
      42,
      /Expected `op` to be an operation or a function returning one, got `42` \(number\)/,
    ],
    ["null", null, /got `null` \(null\)/],
  ])("refuses %s as the operation with a TypeError", (_, op, message) => {
    expect(() => spawnTask(op as never)).toThrow(TypeError);
    expect(() => spawnTask(op as never)).toThrow(message);
  });

  it("refuses an empty name", () => {
    expect(() => spawnTask(suspend, { name: "" })).toThrow(
      'Expected `name` to be a non-empty string, got `""` (string)',
    );
  });

  it("accepts an operation object as well as a function", async () => {
    const value = await run(function* () {
      return yield* yield* spawnTask(sleep(1));
    });
    expect(value).toBeUndefined();
  });

  it("ends a task that awaits a cancelled task cancelled, with the victim's reason (#10)", async () => {
    const { reports } = await runCollecting(function* () {
      const victim = yield* spawnTask(suspend, { name: "victim" });
      const awaiter = yield* spawnTask(
        function* () {
          yield* victim;
        },
        { name: "awaiter" },
      );
      yield* sleep(0);
      yield* victim.cancel({ kind: "shutdown", message: "draining" });
      yield* awaiter.settlement();
      expect(awaiter.state).toBe("cancelled");
      expect(awaiter.cancelReason()).toEqual({ kind: "shutdown", message: "draining" });
      const error = awaiter.error() as CancelledError;
      expect(error).toBeInstanceOf(CancelledError);
      expect(error.taskName).toBe("awaiter");
      expect(error.reason).toEqual({ kind: "shutdown", message: "draining" });
      expect((error.cause as CancelledError).taskName).toBe("victim");
      // And the awaiter of the awaiter, in turn.
      const outer = yield* spawnTask(() => awaiter);
      yield* outer.settlement();
      expect(outer.state).toBe("cancelled");
    });
    // A cancel is not a failure: nothing to report as never retrieved.
    expect(reports).toEqual([]);
  });

  it("keeps a CancelledError that the body catches an ordinary error (#10)", async () => {
    await runCollecting(function* () {
      const victim = yield* spawnTask(suspend);
      victim.cancel("gone");
      const rethrows = yield* spawnTask(function* () {
        try {
          yield* victim;
        } catch (error) {
          throw new Error("victim was cancelled", { cause: error });
        }
      });
      const swallows = yield* spawnTask(function* () {
        try {
          yield* victim;
        } catch {
          return "handled";
        }
      });
      yield* rethrows.settlement();
      yield* swallows.settlement();
      expect(rethrows.state).toBe("failed");
      expect((rethrows.error() as Error).message).toBe("victim was cancelled");
      expect(swallows.state).toBe("done");
      expect(swallows.result()).toBe("handled");
    });
  });

  it("rejects a cancelled task's yield* with CancelledError carrying the reason", async () => {
    await run(function* () {
      const task = yield* spawnTask(suspend, { name: "victim" });
      task.cancel({ kind: "shutdown", message: "draining" });
      const error = yield* catchError(task);
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).reason).toEqual({ kind: "shutdown", message: "draining" });
      expect((error as CancelledError).taskName).toBe("victim");
      expect((error as Error).name).toBe("CancelledError");
    });
  });
});

function* catchError(task: TaskHandle<unknown>) {
  try {
    yield* task;
  } catch (error) {
    return error;
  }
  throw new Error("expected the task to fail");
}
