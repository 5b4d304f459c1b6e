import { each, run, scoped, sleep, spawn, suspend, withResolvers } from "effection";
import { describe, expect, it } from "vitest";
import { asCompleted, spawnTask, TimeoutError } from "../src/index.ts";

function* sleeper(ms: number) {
  return yield* spawnTask(
    function* () {
      yield* sleep(ms);
      return ms;
    },
    { name: `sleep-${ms}` },
  );
}

describe("asCompleted", () => {
  it("yields tasks in the order they settle, already-settled ones first", async () => {
    const order = await run(function* () {
      const done = yield* spawnTask(function* () {
        return 0;
      });
      yield* done;
      // Each task waits on its own gate; the gates open in the order 10, 20, 30.
      const gates = new Map([10, 20, 30].map((n) => [n, withResolvers<void>()]));
      const gated = (n: number) =>
        spawnTask(function* () {
          yield* gates.get(n)!.operation;
          return n;
        });
      const tasks = [yield* gated(30), yield* gated(10), done, yield* gated(20)];
      yield* spawn(function* () {
        for (const gate of gates.values()) gate.resolve();
      });
      const seen: number[] = [];
      for (const task of yield* each(asCompleted(tasks))) {
        seen.push(task.result() as number);
        yield* each.next();
      }
      return seen;
    });
    expect(order).toEqual([0, 10, 20, 30]);
  });

  it("throws TimeoutError for the next task after the timeout, leaving tasks running", async () => {
    await run(function* () {
      const quick = yield* sleeper(1);
      const stuck = yield* spawnTask(suspend);
      const seen: unknown[] = [];
      let caught: unknown;
      try {
        for (const task of yield* each(asCompleted([quick, stuck], { timeout: 30 }))) {
          seen.push(task.result());
          yield* each.next();
        }
      } catch (error) {
        caught = error;
      }
      expect(seen).toEqual([1]);
      expect(caught).toBeInstanceOf(TimeoutError);
      expect(stuck.state).toBe("running");
      yield* stuck.cancel();
    });
  });

  it("leaves no listener on the tasks when the consumer stops early", async () => {
    await run(function* () {
      const quick = yield* sleeper(1);
      const stuck = yield* spawnTask(suspend);
      // scoped() returns once the loop's subscription has ended.
      yield* scoped(function* () {
        for (const _ of yield* each(asCompleted([quick, stuck]))) break;
      });
      // White-box: the handle's settle listeners are what a consumer leaves behind.
      expect((stuck as unknown as { listeners?: unknown[] }).listeners ?? []).toEqual([]);
      yield* stuck.cancel();
    });
  });

  it("ends the stream at once for an empty list (#10)", async () => {
    const seen = await run(function* () {
      const out: unknown[] = [];
      for (const task of yield* each(asCompleted([]))) {
        out.push(task);
        yield* each.next();
      }
      return out;
    });
    expect(seen).toEqual([]);
    expect(() => asCompleted(null as never)).toThrow(TypeError);
  });

  it("yields a task listed twice only once (#10)", async () => {
    const names = await run(function* () {
      const a = yield* sleeper(1);
      const b = yield* sleeper(2);
      const out: string[] = [];
      for (const task of yield* each(asCompleted([a, b, a, b, a]))) {
        out.push(task.name);
        yield* each.next();
      }
      return out;
    });
    expect(names).toEqual(["sleep-1", "sleep-2"]);
  });

  it("treats a negative timeout as already expired (#10)", async () => {
    await run(function* () {
      const done = yield* spawnTask(function* () {
        return "ready";
      });
      yield* done;
      const stuck = yield* spawnTask(suspend);
      const seen: unknown[] = [];
      let caught: unknown;
      try {
        for (const task of yield* each(asCompleted([done, stuck], { timeout: -50 }))) {
          seen.push(task.result());
          yield* each.next();
        }
      } catch (error) {
        caught = error;
      }
      expect(seen).toEqual(["ready"]);
      expect(caught).toBeInstanceOf(TimeoutError);
      expect(stuck.state).toBe("running");
      expect(() => asCompleted([stuck], { timeout: Number.NaN })).toThrow(TypeError);
      yield* stuck.cancel();
    });
  });
});
