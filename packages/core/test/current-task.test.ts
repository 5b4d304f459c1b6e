import { run, sleep, spawn, suspend, withResolvers } from "effection";
import { describe, expect, it } from "vitest";
import { allTasks, cancelAll, cancelReason, currentTask, spawnTask } from "../src/index.ts";

describe("currentTask, cancelReason, allTasks, cancelAll", () => {
  it("currentTask is the nearest quiesce task, also inside raw effection spawns", async () => {
    await run(function* () {
      expect(yield* currentTask()).toBeUndefined();
      const task = yield* spawnTask(function* () {
        const inner = yield* spawn(currentTask);
        return [yield* currentTask(), yield* inner];
      });
      const [direct, viaSpawn] = yield* task;
      expect(direct).toBe(task);
      expect(viaSpawn).toBe(task);
    });
  });

  it("cancelReason is undefined until a cancel is asked, then the inherited reason", async () => {
    await run(function* () {
      const seen: unknown[] = [];
      const parent = yield* spawnTask(function* () {
        yield* spawnTask(function* () {
          seen.push(yield* cancelReason());
          try {
            yield* suspend();
          } finally {
            seen.push(yield* cancelReason());
          }
        });
        yield* suspend();
      });
      yield* sleep(1);
      yield* parent.cancel({ kind: "signal", signal: "SIGHUP" });
      expect(seen).toEqual([undefined, { kind: "signal", signal: "SIGHUP" }]);
    });
  });

  it("allTasks lists live tasks parents first, and cancelAll cancels every one below the caller", async () => {
    await run(function* () {
      const cleaned: string[] = [];
      const ready = withResolvers<void>();
      const go = withResolvers<void>();
      const worker = (name: string) =>
        spawnTask(
          function* () {
            if (name === "b1") ready.resolve();
            try {
              yield* suspend();
            } finally {
              cleaned.push(name);
            }
          },
          { name },
        );
      const boss = yield* spawnTask(
        function* () {
          yield* worker("a");
          yield* spawnTask(
            function* () {
              yield* worker("b1");
              yield* suspend();
            },
            { name: "b" },
          );
          yield* go.operation;
          const count = yield* cancelAll({ kind: "shutdown" });
          return count;
        },
        { name: "boss" },
      );
      yield* ready.operation;
      expect(allTasks().map((t) => t.name)).toEqual(["boss", "a", "b", "b1"]);
      expect(allTasks(boss).map((t) => t.name)).toEqual(["a", "b", "b1"]);
      go.resolve();
      expect(yield* boss).toBe(3);
      expect(cleaned.sort()).toEqual(["a", "b1"]);
      expect(allTasks()).toEqual([]);
    });
  });

  it("cancelAll refuses a malformed reason at the call, even with nothing to cancel", () => {
    expect(() => cancelAll({ kind: "whim" } as never)).toThrow(
      /Expected `reason` to be a string or a CancelReason with a known `kind`/,
    );
  });
});
