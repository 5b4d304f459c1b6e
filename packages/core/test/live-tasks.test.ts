import {
  createScope,
  resource,
  run,
  scoped,
  sleep,
  spawn,
  suspend,
  withResolvers,
} from "effection";
import { describe, expect, it } from "vitest";
import { observeScopes } from "../src/effection-seam-internal.ts";
import { spawnTask } from "../src/index.ts";
import { createLiveTasks } from "../src/live-tasks-internal.ts";
import type { TaskNode } from "../src/task-node-internal.ts";
import { CurrentTask } from "../src/task-registry-internal.ts";
import { formatTaskTree } from "../src/task-tree.ts";

/** A scope observed by a registry, as main() has it. */
function observedScope() {
  const live = createLiveTasks();
  const [scope, destroy] = createScope();
  observeScopes(scope, { ...live, extraFailure: () => {} });
  return { live, scope, destroy, tree: () => formatTaskTree(live.snapshot(25)) };
}

describe("the live tasks below main() (live-tasks-internal.ts)", () => {
  it("lists effection's spawns and resources with their kind and site, and drops them when they end", async () => {
    const { scope, destroy, tree } = observedScope();
    let during = "";
    await scope.run(function* () {
      yield* resource<void>(function* (provide) {
        yield* provide();
      });
      const short = yield* spawn(() => sleep(1));
      yield* spawn(suspend);
      during = tree();
      yield* short;
    });
    expect(during).toMatch(/^└── spawn \[running \d+ms\]/);
    expect(during).toMatch(
      /\n {4}├── resource \[running \d+ms\] \(created at .*live-tasks\.test\.ts:\d+:\d+\)/,
    );
    expect(during).toMatch(/\n {4}├── spawn \[running/);
    expect(during).toMatch(/\n {4}└── spawn \[running/);
    await destroy();
    expect(tree()).toBe("(no live tasks)\n");
  });

  it("shows a quiesce task whose body runs in a scope of its own below its effection task", async () => {
    // How a quiesce task may run its body (in `scoped()`): the registry learns the
    // node from the `CurrentTask` set on that scope.
    const node = (await run(function* () {
      const task = yield* spawnTask(suspend, { name: "stand-in" });
      yield* task.cancel();
      return task;
    })) as unknown as TaskNode<unknown>;
    const { scope, destroy, tree } = observedScope();
    let during = "";
    await scope.run(function* () {
      const seen = withResolvers<void>();
      yield* spawn(() =>
        scoped(function* () {
          yield* CurrentTask.set(node);
          yield* spawn(suspend);
          yield* sleep(0);
          during = tree();
          seen.resolve();
        }),
      );
      // Waits for the snapshot itself, not for a time (it failed under load).
      yield* seen.operation;
    });
    await destroy();
    expect(during).toMatch(/\n {4}└── T\d+ stand-in \[\w+ \d+ms\].*\n {8}└── spawn \[running/);
  });
});
