import { setTimeout as delay } from "node:timers/promises";
import { run, sleep, withResolvers } from "effection";
import { describe, expect, it } from "vitest";
import { CancelledError, callAbortable, spawnTask, taskTree, withTimeout } from "../src/index.ts";

describe("callAbortable", () => {
  it("returns what the promise resolves to", async () => {
    expect(await run(() => callAbortable(async () => 7))).toBe(7);
  });

  it("aborts the signal with the task's cancel reason when the task is cancelled", async () => {
    await run(function* () {
      const started = withResolvers<AbortSignal>();
      const task = yield* spawnTask(
        () =>
          callAbortable((signal) => {
            started.resolve(signal);
            return delay(60_000, undefined, { signal });
          }),
        { name: "fetcher" },
      );
      const signal = yield* started.operation;
      yield* task.cancel({ kind: "signal", signal: "SIGTERM" });
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(CancelledError);
      expect((signal.reason as CancelledError).reason).toEqual({
        kind: "signal",
        signal: "SIGTERM",
      });
      expect((signal.reason as CancelledError).taskName).toBe("fetcher");
    });
  });

  it("carries a timeout reason into the signal", async () => {
    let reason: unknown;
    await run(function* () {
      try {
        yield* withTimeout(5, () =>
          callAbortable((signal) => {
            signal.addEventListener("abort", () => {
              reason = (signal.reason as CancelledError).reason;
            });
            return new Promise(() => {});
          }),
        );
      } catch {}
      yield* sleep(0);
    });
    expect(reason).toEqual({ kind: "timeout", ms: 5 });
  });

  it("leaves the signal alone when the promise fails by itself", async () => {
    let signal: AbortSignal | undefined;
    await expect(
      run(() =>
        callAbortable((s) => {
          signal = s;
          return Promise.reject(new Error("503"));
        }),
      ),
    ).rejects.toThrow("503");
    expect(signal?.aborted).toBe(false);
  });

  it("says in the task tree which promise the task waits on", async () => {
    await run(function* () {
      const started = withResolvers<void>();
      const task = yield* spawnTask(() =>
        callAbortable(function fetchReport() {
          started.resolve();
          return new Promise(() => {});
        }),
      );
      yield* started.operation;
      expect(taskTree().find((n) => n.id === task.id)?.waitingOn).toBe("promise fetchReport");
      yield* task.cancel();
    });
  });

  it("passes a rejection through and refuses a non-function", async () => {
    await expect(run(() => callAbortable(() => Promise.reject(new Error("nope"))))).rejects.toThrow(
      "nope",
    );
    expect(() => callAbortable("x" as never)).toThrow("Expected `fn` to be a function");
  });
});
