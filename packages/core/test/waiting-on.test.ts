import { run, suspend, withResolvers } from "effection";
import { describe, expect, it } from "vitest";
import { spawnTask, taskTree, waitingOn } from "../src/index.ts";

describe("waitingOn", () => {
  it("labels the current task while the operation runs, and restores it after", async () => {
    await run(function* () {
      const inside = withResolvers<void>();
      const release = withResolvers<void>();
      const after = withResolvers<void>();
      const task = yield* spawnTask(
        function* () {
          yield* waitingOn(
            "outer",
            waitingOn(
              "database query",
              (function* () {
                inside.resolve();
                yield* release.operation;
              })(),
            ),
          );
          after.resolve();
          yield* suspend();
        },
        { name: "labelled" },
      );
      const label = () => taskTree().find((n) => n.id === task.id)?.waitingOn;
      yield* inside.operation;
      expect(label()).toBe("database query");
      release.resolve();
      yield* after.operation;
      expect(label()).toBeUndefined();
      yield* task.cancel();
    });
  });

  it("runs the operation unchanged outside any task", async () => {
    expect(
      await run(() =>
        waitingOn(
          "nothing",
          (function* () {
            return 5;
          })(),
        ),
      ),
    ).toBe(5);
  });
});
