import { run } from "effection";
import { describe, expect, it, vi } from "vitest";
import { whenDestroyed } from "../src/effection-seam-internal.ts";
import { type Report, ReporterContext, spawnTask } from "../src/index.ts";

vi.mock("../src/effection-seam-internal.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../src/effection-seam-internal.ts")>();
  return { ...original, whenDestroyed: vi.fn(original.whenDestroyed) };
});

/** Spawns `n` failing tasks one after another in one scope; all but the first two are read. */
async function failures(n: number): Promise<{ destructors: number; reports: Report[] }> {
  vi.mocked(whenDestroyed).mockClear();
  const reports: Report[] = [];
  await run(function* () {
    yield* ReporterContext.set((report) => reports.push(report));
    for (let i = 0; i < n; i += 1) {
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
  const calls = vi.mocked(whenDestroyed).mock.calls;
  return { destructors: calls.filter(([, fn]) => fn.name === "checkRetrievals").length, reports };
}

describe("failures nobody retrieved (unretrieved-failures-internal.ts)", () => {
  it("a long-lived scope keeps one watcher for all its failed tasks, and reports only the unread ones (review)", async () => {
    const few = await failures(3);
    const many = await failures(50);
    // One destructor for the scope, not one (nor a scope and a task) per failed task.
    expect(few.destructors).toBe(1);
    expect(many.destructors).toBe(1);
    const unretrieved = many.reports.filter((r) => r.kind === "unretrieved-failure");
    expect(unretrieved.map((r) => r.task?.name)).toEqual(["f0", "f1"]);
  });
});
