import { run, spawn, suspend, useScope } from "effection";
import { describe, expect, it } from "vitest";
import { currentTask, spawnTask } from "../src/index.ts";

// spawnTask's settle hook (spawn-task.ts, through scope-hooks-internal.ts) relies
// on a context name that is not public API. These tests fail fast if an effection
// update moves it. main()'s reaches live in effection-seam-internal.ts and are
// guarded by effection-seam.test.ts.
const contexts = (scope: unknown) => (scope as { contexts: Record<string, unknown> }).contexts;

describe("the effection internals quiesce relies on", () => {
  it("a task scope stores its settle function under the name quiesce hooks", async () => {
    await run(function* () {
      const task = yield* spawn(function* () {
        return Object.keys(contexts(yield* useScope()));
      });
      expect(yield* task).toContain("@effection/coroutine.settle");
    });
  });

  it("the settle hook gives every spawned task its handle as current task", async () => {
    await run(function* () {
      const task = yield* spawnTask(currentTask);
      expect(yield* task).toBe(task);
      const other = yield* spawnTask(suspend);
      yield* other.cancel();
    });
  });
});
