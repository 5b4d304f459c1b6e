import { run, sleep, suspend } from "effection";
import { describe, expect, it } from "vitest";
import { CancelledError, gather, spawnTask } from "../src/index.ts";

describe("gather", () => {
  it("returns results in argument order, not completion order", async () => {
    const result = await run(function* () {
      const late = yield* spawnTask(function* () {
        yield* sleep(10);
        return "late";
      });
      return yield* gather([
        late,
        function* () {
          return 1;
        },
        sleep(1),
      ]);
    });
    expect(result).toEqual(["late", 1, undefined]);
  });

  it("fails fast: the first failure cancels the rest, waits for their cleanup and is thrown", async () => {
    const log: string[] = [];
    await expect(
      run(function* () {
        yield* gather([
          function* () {
            try {
              yield* suspend();
            } finally {
              log.push("cleanup");
            }
          },
          function* () {
            yield* sleep(1);
            throw new Error("first");
          },
        ]);
      }),
    ).rejects.toThrow("first");
    expect(log).toEqual(["cleanup"]);
  });

  it("never cancels a task handle passed in when an item fails: it keeps running (#10)", async () => {
    const log: string[] = [];
    await run(function* () {
      const passedIn = yield* spawnTask(
        function* () {
          try {
            yield* suspend();
          } finally {
            log.push("passed-in cleanup");
          }
        },
        { name: "passed-in" },
      );
      let caught: unknown;
      try {
        yield* gather([
          passedIn,
          function* () {
            try {
              yield* suspend();
            } finally {
              log.push("started cleanup");
            }
          },
          function* () {
            yield* sleep(1);
            throw new Error("first");
          },
        ]);
      } catch (error) {
        caught = error;
      }
      expect((caught as Error).message).toBe("first");
      // What gather started is cleaned up before the error is thrown; the handle runs on.
      expect(log).toEqual(["started cleanup"]);
      expect(passedIn.state).toBe("running");
      expect(passedIn.cancelReason()).toBeUndefined();
      yield* passedIn.cancel();
    });
    expect(log).toEqual(["started cleanup", "passed-in cleanup"]);
  });

  it("throws a passed-in handle's failure without cancelling the other handles (#10)", async () => {
    await run(function* () {
      const failing = yield* spawnTask(function* () {
        yield* sleep(1);
        throw new Error("bad");
      });
      const other = yield* spawnTask(suspend);
      let caught: unknown;
      try {
        yield* gather([failing, other]);
      } catch (error) {
        caught = error;
      }
      expect((caught as Error).message).toBe("bad");
      expect(other.state).toBe("running");
      yield* other.cancel();
    });
  });

  it("collects failures and cancellations with returnExceptions", async () => {
    const result = await run(function* () {
      const cancelled = yield* spawnTask(suspend);
      cancelled.cancel("not needed");
      return yield* gather(
        [
          function* () {
            return "ok";
          },
          function* () {
            throw new Error("bad");
          },
          cancelled,
        ],
        { returnExceptions: true },
      );
    });
    expect(result[0]).toBe("ok");
    expect((result[1] as Error).message).toBe("bad");
    expect(result[2]).toBeInstanceOf(CancelledError);
    expect((result[2] as CancelledError).reason).toEqual({
      kind: "explicit",
      message: "not needed",
    });
  });

  it("cancels every gathered task when the caller is halted", async () => {
    await run(function* () {
      const outside = yield* spawnTask(suspend, { name: "outside" });
      const caller = yield* spawnTask(function* () {
        yield* gather([outside, suspend()]);
      });
      yield* sleep(1);
      yield* caller.cancel("stop");
      yield* outside.settlement();
      expect(outside.state).toBe("cancelled");
      expect(outside.cancelReason()).toEqual({ kind: "explicit", message: "stop" });
    });
  });

  it("returns an empty array for no items and refuses non-operations", async () => {
    expect(await run(() => gather([]))).toEqual([]);
    expect(() => gather([5 as never])).toThrow("Expected `items[0]` to be an operation");
    expect(() => gather("x" as never)).toThrow(
      'Expected `items` to be an array, got `"x"` (string)',
    );
  });
});
