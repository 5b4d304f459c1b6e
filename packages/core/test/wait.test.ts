import { run, sleep, suspend, withResolvers } from "effection";
import { describe, expect, it } from "vitest";
import { spawnTask, type TaskHandle, wait } from "../src/index.ts";

// Handles are iterable (yield* task), so compare them by id, not deeply.
const ids = (tasks: TaskHandle<unknown>[]) => tasks.map((t) => t.id);

function* trio() {
  const gate = withResolvers<void>();
  const fast = yield* spawnTask(function* () {
    yield* sleep(1);
    return "fast";
  });
  const failing = yield* spawnTask(function* () {
    yield* gate.operation;
    throw new Error("bad");
  });
  const slow = yield* spawnTask(suspend);
  return { fast, failing, slow, gate };
}

describe("wait", () => {
  it("returns when the first task completes, never cancelling the pending ones", async () => {
    await run(function* () {
      const { fast, failing, slow } = yield* trio();
      const { done, pending } = yield* wait([fast, failing, slow], {
        returnWhen: "FIRST_COMPLETED",
      });
      expect(ids(done)).toEqual(ids([fast]));
      expect(ids(pending)).toEqual(ids([failing, slow]));
      expect(slow.state).toBe("running");
      yield* failing.cancel();
      yield* slow.cancel();
    });
  });

  it("returns on the first failure with FIRST_EXCEPTION", async () => {
    await run(function* () {
      const { fast, failing, slow, gate } = yield* trio();
      yield* fast;
      gate.resolve();
      const { done, pending } = yield* wait([fast, failing, slow], {
        returnWhen: "FIRST_EXCEPTION",
      });
      expect(ids(done)).toEqual(ids([fast, failing]));
      expect(ids(pending)).toEqual(ids([slow]));
      expect((failing.error() as Error).message).toBe("bad");
      yield* slow.cancel();
    });
  });

  it("does not count a cancelled task as an exception", async () => {
    await run(function* () {
      const a = yield* spawnTask(suspend);
      const b = yield* spawnTask(function* () {
        yield* sleep(5);
      });
      a.cancel();
      const { done, pending } = yield* wait([a, b], { returnWhen: "FIRST_EXCEPTION" });
      expect(ids(done)).toEqual(ids([a, b]));
      expect(ids(pending)).toEqual(ids([]));
    });
  });

  it("waits for all by default and returns at the timeout with the rest pending", async () => {
    await run(function* () {
      const { fast, slow } = yield* trio();
      const { done, pending } = yield* wait([fast, slow], { timeout: 20 });
      expect(ids(done)).toEqual(ids([fast]));
      expect(ids(pending)).toEqual(ids([slow]));
      const all = yield* wait([fast]);
      expect(ids(all.done)).toEqual([fast.id]);
      yield* slow.cancel();
    });
  });

  it("returns at once for timeout 0", async () => {
    await run(function* () {
      const slow = yield* spawnTask(suspend);
      const { done, pending } = yield* wait([slow], { timeout: 0 });
      expect([ids(done), ids(pending)]).toEqual([[], [slow.id]]);
      yield* slow.cancel();
    });
  });

  it("returns at once for a negative timeout, which is already expired (#10)", async () => {
    await run(function* () {
      const slow = yield* spawnTask(suspend);
      const { done, pending } = yield* wait([slow], { timeout: -250 });
      expect([ids(done), ids(pending)]).toEqual([[], [slow.id]]);
      expect(slow.settled).toBe(false);
      yield* slow.cancel();
    });
  });

  it("refuses bad input at the call", async () => {
    await run(function* () {
      const t = yield* spawnTask(function* () {});
      expect(() => wait([])).toThrow(
        "Expected `tasks` to be a non-empty iterable of task handles, got `[]` (array)",
      );
      expect(() => wait([t], { timeout: Number.NaN })).toThrow(
        "Expected `timeout` to be a number of milliseconds (≤ 0: already expired) or undefined, got `NaN` (number)",
      );
      expect(() => wait([t], { timeout: "5" as never })).toThrow(TypeError);
      expect(() => wait([t], { returnWhen: "SOMETIME" as never })).toThrow(
        /Expected `returnWhen` to be "FIRST_COMPLETED", "FIRST_EXCEPTION" or "ALL_COMPLETED", got `"SOMETIME"` \(string\)/,
      );
      expect(() => wait([t, 3 as never])).toThrow("Expected `tasks[1]` to be a task handle");
      expect(() => wait(null as never)).toThrow(TypeError);
    });
  });
});
