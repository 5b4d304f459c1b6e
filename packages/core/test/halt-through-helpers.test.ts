import { each, ensure, type Operation, run, sleep, suspend, withResolvers } from "effection";
import { describe, expect, it } from "vitest";
import {
  asCompleted,
  callAbortable,
  cancelAll,
  gather,
  moveOnAfter,
  shield,
  spawnTask,
  type TaskHandle,
  wait,
  withTimeout,
} from "../src/index.ts";

// Effection hazard: async work after a `yield*` inside a helper's `finally` can
// lose a halt, so the caller carries on as if nothing was cancelled. Each helper
// is cancelled while blocked; the line after it must never run.
type Helper = (blocker: TaskHandle<unknown>, ready: () => void) => Operation<unknown>;
const helpers: [string, Helper][] = [
  ["wait", (b) => wait([b])],
  ["gather", (b) => gather([b, suspend()])],
  [
    "asCompleted",
    (b) =>
      (function* () {
        for (const _ of yield* each(asCompleted([b]))) yield* each.next();
      })(),
  ],
  ["withTimeout", () => withTimeout(60_000, suspend)],
  ["moveOnAfter", () => moveOnAfter(60_000, suspend)],
  ["shield", () => shield(suspend, { budgetMs: 10 })],
  ["callAbortable", () => callAbortable(() => new Promise(() => {}))],
  ["yield* task", (b) => b],
  ["task.settlement()", (b) => b.settlement()],
  [
    "cancelAll",
    (_, ready) =>
      (function* () {
        yield* spawnTask(function* () {
          // Slow cleanup: the caller is halted while cancelAll waits on it.
          yield* ensure(function* () {
            ready();
            yield* sleep(30);
          });
          yield* suspend();
        });
        yield* sleep(0);
        yield* cancelAll();
      })(),
  ],
];

describe("halting through every helper", () => {
  it.each(helpers)(
    "%s: cancel completes promptly and the caller does not carry on",
    async (_, helper) => {
      const log: string[] = [];
      const started = performance.now();
      await run(function* () {
        const blocker = yield* spawnTask(suspend, { name: "blocker" });
        const entered = withResolvers<void>();
        const caller = yield* spawnTask(function* () {
          let signalled = false;
          const op = helper(blocker, () => {
            signalled = true;
            entered.resolve();
          });
          // Helpers that do not signal are blocked as soon as they are entered.
          if (!signalled && helper.length < 2) entered.resolve();
          yield* op;
          log.push("carried on after the helper");
        });
        yield* entered.operation;
        yield* caller.cancel("halt");
        expect(caller.state).toBe("cancelled");
        yield* blocker.cancel();
      });
      expect(log).toEqual([]);
      expect(performance.now() - started).toBeLessThan(5_000);
    },
  );
});
