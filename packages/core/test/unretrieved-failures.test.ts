import { run } from "effection";
import { describe, expect, it, vi } from "vitest";
import { atScopeEnd } from "../src/at-scope-end-internal.ts";
import { type Report, ReporterContext, spawnTask } from "../src/index.ts";

vi.mock("../src/at-scope-end-internal.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../src/at-scope-end-internal.ts")>();
  return { atScopeEnd: vi.fn(original.atScopeEnd) };
});

describe("failures nobody retrieved (task-handle.ts)", () => {
  it("a long-lived scope keeps one watcher for all its failed tasks, and reports only the unread ones (review)", async () => {
    vi.mocked(atScopeEnd).mockClear();
    const reports: Report[] = [];
    await run(function* () {
      yield* ReporterContext.set((report) => reports.push(report));
      for (let i = 0; i < 50; i += 1) {
        const failing = yield* spawnTask(
          function* () {
            throw new Error(`boom ${i}`);
          },
          { name: `f${i}` },
        );
        // Read once it has failed, as a daemon's done callback would; f0 and f1 are not.
        if (i > 1) failing.onDone((t) => t.error());
        yield* failing.settlement();
      }
    });
    // One watcher for the scope, not one (a scope and a task) per failed task.
    expect(vi.mocked(atScopeEnd)).toHaveBeenCalledTimes(1);
    const unretrieved = reports.filter((r) => r.kind === "unretrieved-failure");
    expect(unretrieved.map((r) => r.task?.name)).toEqual(["f0", "f1"]);
  });
});
