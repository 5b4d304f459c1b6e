import { run, sleep, suspend } from "effection";
import { describe, expect, it } from "vitest";
import {
  CancelledError,
  cancelReason,
  moveOnAfter,
  spawnTask,
  type TaskHandle,
  TimeoutError,
  withTimeout,
} from "../src/index.ts";

describe("withTimeout", () => {
  it("returns the value when the operation finishes in time", async () => {
    expect(
      await run(() =>
        withTimeout(1000, function* () {
          yield* sleep(1);
          return "ok";
        }),
      ),
    ).toBe("ok");
  });

  it("cancels only the operation with a timeout reason, runs its cleanup, then throws TimeoutError", async () => {
    const seen: unknown[] = [];
    const error = await run(function* () {
      try {
        yield* withTimeout(10, function* () {
          try {
            yield* suspend();
          } finally {
            seen.push(yield* cancelReason());
          }
        });
      } catch (error) {
        return error;
      }
    });
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).ms).toBe(10);
    expect((error as TimeoutError).name).toBe("TimeoutError");
    expect((error as Error).cause).toBeInstanceOf(CancelledError);
    expect(seen).toEqual([{ kind: "timeout", ms: 10 }]);
  });

  it("passes the operation's own failure through unchanged", async () => {
    await expect(
      run(() =>
        withTimeout(1000, function* () {
          throw new Error("own");
        }),
      ),
    ).rejects.toThrow("own");
  });

  it("lets an outer cancel win over a timeout that runs out in the same turn", async () => {
    await run(function* () {
      let outcome = "none";
      const caller: TaskHandle<void> = yield* spawnTask(function* () {
        try {
          yield* withTimeout(5, function* () {
            try {
              yield* suspend();
            } finally {
              // The outer cancel arrives in the turn the time limit ran out.
              caller.cancel("outer");
              yield* sleep(10);
            }
          });
          outcome = "returned";
        } catch (error) {
          outcome = (error as Error).name;
        }
      });
      yield* caller.settlement();
      expect(caller.state).toBe("cancelled");
      expect(caller.cancelReason()).toEqual({ kind: "explicit", message: "outer" });
      expect(outcome).toBe("none");
    });
  });

  it.each([
    ["withTimeout", withTimeout],
    ["moveOnAfter", moveOnAfter],
  ] as const)(
    "%s: an outer cancel from a later callback of the same turn still wins",
    async (_, limit) => {
      await run(function* () {
        let outcome = "none";
        const caller: TaskHandle<void> = yield* spawnTask(function* () {
          try {
            yield* limit(5, function* () {
              try {
                yield* suspend();
              } finally {
                // `op` stops at once, inside the time limit's own callback; the
                // outer cancel comes from a later callback of that same turn.
                setImmediate(() => caller.cancel("outer"));
              }
            });
            outcome = "returned";
          } catch (error) {
            outcome = (error as Error).name;
          }
        });
        yield* caller.settlement();
        expect(outcome).toBe("none");
        expect(caller.state).toBe("cancelled");
        expect(caller.cancelReason()).toEqual({ kind: "explicit", message: "outer" });
      });
    },
  );

  it("moveOnAfter returns undefined when time runs out, but not for a nested TimeoutError", async () => {
    expect(await run(() => moveOnAfter(5, suspend))).toBeUndefined();
    await expect(
      run(() =>
        moveOnAfter(1000, function* () {
          yield* withTimeout(1000, () => withTimeout(1, suspend));
        }),
      ),
    ).rejects.toBeInstanceOf(TimeoutError);
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], ["5"]])("refuses %s as a time limit", (ms) => {
    expect(() => withTimeout(ms as never, suspend)).toThrow(
      /Expected `ms` to be a finite number of milliseconds \(≤ 0: already expired\), got/,
    );
    expect(() => moveOnAfter(ms as never, suspend)).toThrow(TypeError);
  });

  it("treats a negative time limit as already expired (#10)", async () => {
    const seen: unknown[] = [];
    const error = await run(function* () {
      try {
        yield* withTimeout(-20, function* () {
          try {
            yield* suspend();
          } finally {
            seen.push(yield* cancelReason());
          }
        });
      } catch (error) {
        return error;
      }
    });
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).ms).toBe(-20);
    expect(seen).toEqual([{ kind: "timeout", ms: -20 }]);
    expect(await run(() => moveOnAfter(-1, suspend))).toBeUndefined();
  });
});
