import { readFileSync } from "node:fs";
import { resource, run, spawn, suspend, useScope } from "effection";
import { describe, expect, it } from "vitest";
import { currentTask, spawnTask } from "../src/index.ts";

// quiesce hooks effection's machinery through `api.Scope` middleware on context
// names that are not public API. These tests fail fast, with a clear message,
// if an effection update moves any of them; the behaviour built on each is
// tested in its own file (spawn-task, main's teardown order and errors).
const contexts = (scope: unknown) => (scope as { contexts: Record<string, unknown> }).contexts;

describe("the effection internals quiesce relies on", () => {
  it("effection is the 4.1 line that the hooks were written against", () => {
    const url = new URL("../node_modules/effection/package.json", import.meta.url);
    const { version } = JSON.parse(readFileSync(url, "utf8")) as { version: string };
    expect(version).toMatch(/^4\.1\.\d+$/);
  });

  it("a task scope stores its settle function, task group and error boundary under the names quiesce hooks", async () => {
    await run(function* () {
      const task = yield* spawn(function* () {
        return Object.keys(contexts(yield* useScope()));
      });
      const own = yield* task;
      expect(own).toEqual(
        expect.arrayContaining([
          "@effection/coroutine.settle",
          "@effection/error-boundary",
          "@effection/task-group",
          "@effection/scope.generation",
        ]),
      );
    });
  });

  it("the task group is a context with a `tasks` set, and a resource's scope keeps its owner's priority", async () => {
    await run(function* () {
      const scope = yield* useScope();
      const group = contexts(scope)["@effection/task-group"] as { tasks?: unknown; halt?: unknown };
      expect(group.tasks).toBeInstanceOf(Set);
      expect(typeof group.halt).toBe("function");
      const owner = contexts(scope)["@effection/scope.generation"];
      const inside = yield* resource<unknown>(function* (provide) {
        yield* provide(contexts(yield* useScope())["@effection/scope.generation"]);
      });
      expect(inside).toBe(owner);
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
