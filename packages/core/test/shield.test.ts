import { type Effect, Ok, run, sleep, spawn, suspend, withResolvers } from "effection";
import { describe, expect, it } from "vitest";
import { CancelledError, cancelReason, shield, spawnTask } from "../src/index.ts";

describe("shield", () => {
  it("lets the shielded operation finish before the outer cancel takes effect", async () => {
    const log: string[] = [];
    await run(function* () {
      const inside = withResolvers<void>();
      const task = yield* spawnTask(function* () {
        try {
          yield* shield(
            function* () {
              inside.resolve();
              yield* sleep(20);
              log.push("commit finished");
            },
            { budgetMs: 5000 },
          );
          log.push("after shield (must not run)");
        } finally {
          log.push("task cleanup");
        }
      });
      yield* inside.operation;
      yield* task.cancel("stop");
      expect(task.state).toBe("cancelled");
    });
    expect(log).toEqual(["commit finished", "task cleanup"]);
  });

  it("interrupts the shielded operation when its budget runs out after the cancel", async () => {
    const log: string[] = [];
    const started = performance.now();
    await run(function* () {
      const inside = withResolvers<void>();
      const task = yield* spawnTask(function* () {
        yield* shield(
          function* () {
            try {
              inside.resolve();
              yield* suspend();
            } finally {
              log.push(`interrupted: ${(yield* cancelReason())?.kind}`);
            }
          },
          { budgetMs: 30 },
        );
      });
      yield* inside.operation;
      yield* task.cancel();
    });
    expect(log).toEqual(["interrupted: explicit"]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("counts the budget from the outer cancel, not from the start of the operation", async () => {
    const log: string[] = [];
    await run(function* () {
      const inside = withResolvers<void>();
      const task = yield* spawnTask(function* () {
        yield* shield(
          function* () {
            inside.resolve();
            yield* sleep(200);
            log.push("ran past the budget before the cancel");
            // Well inside the budget counted from the cancel.
            yield* sleep(10);
            log.push("finished");
          },
          { budgetMs: 150 },
        );
      });
      yield* inside.operation;
      yield* sleep(200);
      // The operation has run longer than its budget; only now does the cancel come.
      yield* task.cancel("stop");
      expect(task.state).toBe("cancelled");
    });
    expect(log).toEqual(["ran past the budget before the cancel", "finished"]);
  });

  it("runs as long as its operation when nobody cancels", async () => {
    const value = await run(() =>
      shield(
        function* () {
          yield* sleep(20);
          return "whole";
        },
        { budgetMs: 1 },
      ),
    );
    expect(value).toBe("whole");
  });

  it("cancels a task that awaits a cancelled task through shield, with the victim's reason (#10)", async () => {
    await run(function* () {
      const victim = yield* spawnTask(suspend, { name: "victim" });
      const awaiter = yield* spawnTask(() => shield(victim, { budgetMs: 1000 }));
      yield* sleep(0);
      yield* victim.cancel("victim stopped");
      yield* awaiter.settlement();
      expect(awaiter.state).toBe("cancelled");
      expect(awaiter.cancelReason()).toEqual({ kind: "explicit", message: "victim stopped" });
      expect(awaiter.error()).toBeInstanceOf(CancelledError);
    });
  });

  it("throws the shielded operation's failure to the caller, who can catch it", async () => {
    const caught = await run(function* () {
      try {
        yield* shield(
          function* () {
            yield* sleep(1);
            throw new Error("flush failed");
          },
          { budgetMs: 1000 },
        );
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(caught).toBe("flush failed");
  });

  it("a failure of the shielded operation after the outer cancel fails the task, not lost (review)", async () => {
    await run(function* () {
      const inside = withResolvers<void>();
      const task = yield* spawnTask(function* () {
        yield* shield(
          function* () {
            inside.resolve();
            yield* sleep(20);
            throw new Error("commit failed");
          },
          { budgetMs: 5000 },
        );
      });
      yield* inside.operation;
      yield* task.cancel("stop");
      // As a failure in any cleanup after a cancel: the task fails with it.
      expect(task.state).toBe("failed");
      expect((task.error() as Error).message).toBe("commit failed");
    });
  });

  it("gives the budget reason when the halt came with no reason of its own", async () => {
    const log: string[] = [];
    await run(function* () {
      const inside = withResolvers<void>();
      const task = yield* spawnTask(function* () {
        yield* spawn(() =>
          shield(
            function* () {
              try {
                inside.resolve();
                yield* suspend();
              } finally {
                log.push(JSON.stringify(yield* cancelReason()));
              }
            },
            { budgetMs: 10 },
          ),
        );
        yield* inside.operation;
        // The body returns: effection halts its child, and nobody gave a reason.
      });
      yield* task;
    });
    expect(log).toEqual(['{"kind":"budget","ms":10}']);
  });

  // shield relies on this part of effection's Effect protocol (public, but unused by
  // effection itself): a halt asks the effect to exit, and waits until it has.
  it("relies on effection letting an effect finish its exit later: the halt waits for it", async () => {
    const log: string[] = [];
    await run(function* () {
      let finishExit: (() => void) | undefined;
      const entered = withResolvers<void>();
      const exitAsked = withResolvers<void>();
      const task = yield* spawn(function* () {
        try {
          yield {
            description: "slow exit",
            enter() {
              entered.resolve();
              return (exited: (result: ReturnType<typeof Ok>) => void) => {
                finishExit = () => exited(Ok());
                exitAsked.resolve();
              };
            },
          } as Effect<void>;
          log.push("resumed (must not happen)");
        } finally {
          log.push("finally");
        }
      });
      yield* entered.operation;
      const halter = yield* spawn(function* () {
        yield* task.halt();
        log.push("halt returned");
      });
      yield* exitAsked.operation;
      log.push("exit still pending");
      finishExit?.();
      yield* halter;
    });
    expect(log).toEqual(["exit still pending", "finally", "halt returned"]);
  });

  it("requires a budget", () => {
    expect(() => shield(suspend, {} as never)).toThrow(
      "Expected `budgetMs` to be a finite number ≥ 0, got `undefined` (undefined)",
    );
    expect(() => shield(suspend, undefined as never)).toThrow(TypeError);
  });
});
