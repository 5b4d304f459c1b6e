import { run, sleep, suspend } from "effection";
import { describe, expect, it } from "vitest";
import { formatTaskTree, printTaskTree, spawnTask, taskTree, wait } from "../src/index.ts";
import { inDebugMode } from "./helpers.ts";

describe("taskTree", () => {
  it("snapshots live tasks as plain, serialisable data with children", async () => {
    await inDebugMode(() => snapshotInDebugMode());
    await run(function* () {
      yield* spawnTask(suspend);
      yield* sleep(1);
      // Where a task was created is known in debug mode only (#13).
      expect(taskTree()[0]?.createdAt).toBeUndefined();
    });
  });

  it("shows the cancel reason and how long ago it was asked while cleanup runs", async () => {
    await run(function* () {
      let snapshot = "";
      const task = yield* spawnTask(
        function* () {
          try {
            yield* suspend();
          } finally {
            snapshot = formatTaskTree(taskTree());
          }
        },
        { name: "stuck" },
      );
      yield* sleep(0);
      yield* task.cancel({ kind: "signal", signal: "SIGTERM" });
      expect(snapshot).toMatch(
        /^└── T\d+ stuck \[running \d+ms\] cancel asked \d+ms ago: signal SIGTERM/,
      );
    });
  });

  it("renders nested tasks with tree lines and says when nothing is alive", () => {
    const leaf = { id: 3, name: "leaf", state: "running" as const, ageMs: 1500, children: [] };
    const text = formatTaskTree([
      {
        id: 1,
        name: "root",
        state: "running",
        ageMs: 2000,
        cancel: { reason: { kind: "main-done" }, sinceMs: 10 },
        children: [{ id: 2, name: "mid", state: "pending", ageMs: 5, children: [] }, leaf],
      },
    ]);
    expect(text).toBe(
      [
        "└── T1 root [running 2.0s] cancel asked 10ms ago: main returned",
        "    ├── T2 mid [pending 5ms]",
        "    └── T3 leaf [running 1.5s]",
        "",
      ].join("\n"),
    );
    expect(formatTaskTree([])).toBe("(no live tasks)\n");
  });

  it("keeps at most maxChildren children per task and counts the rest", async () => {
    await run(function* () {
      const parent = yield* spawnTask(
        function* () {
          for (let i = 0; i < 30; i++) yield* spawnTask(suspend, { name: `idle-${i}` });
          yield* suspend();
        },
        { name: "many" },
      );
      yield* sleep(1);
      const [top] = taskTree(undefined, { maxChildren: 3 });
      expect(top?.children.map((c) => c.name)).toEqual(["idle-0", "idle-1", "idle-2"]);
      expect(top?.moreChildren).toBe(27);
      const text = formatTaskTree([top!]);
      expect(text).toMatch(/├── T\d+ idle-2 \[/);
      expect(text.trimEnd().split("\n").at(-1)).toBe("    └── … and 27 more");
      expect(taskTree(parent)).toHaveLength(30);
      expect(() => taskTree(undefined, { maxChildren: -1 })).toThrow(
        "Expected `maxChildren` to be a number ≥ 0, got `-1` (number)",
      );
      yield* parent.cancel();
    });
  });

  it("prints through the given writer", async () => {
    let out = "";
    await run(function* () {
      const task = yield* spawnTask(suspend, { name: "printed" });
      yield* sleep(0);
      printTaskTree((text) => {
        out += text;
      });
      yield* task.cancel();
    });
    expect(out).toContain("printed [running");
  });
});

/** Debug mode: the snapshot also says where each task was created. */
async function snapshotInDebugMode(): Promise<void> {
  await run(function* () {
    const parent = yield* spawnTask(
      function* () {
        const child = yield* spawnTask(suspend, { name: "child" });
        yield* wait([child]);
      },
      { name: "parent" },
    );
    yield* sleep(1);
    const tree = taskTree();
    expect(JSON.parse(JSON.stringify(tree))).toEqual(tree);
    expect(tree).toHaveLength(1);
    const [top] = tree;
    expect(top).toMatchObject({
      name: "parent",
      state: "running",
      waitingOn: "wait(1 tasks, ALL_COMPLETED)",
    });
    expect(top?.ageMs).toBeGreaterThanOrEqual(0);
    expect(top?.createdAt).toMatch(/task-tree\.test\.ts:\d+:\d+/);
    expect(top?.children.map((c) => c.name)).toEqual(["child"]);
    expect(taskTree(parent).map((c) => c.name)).toEqual(["child"]);
    parent.cancel({ kind: "signal", signal: "SIGINT" });
  });
  expect(taskTree()).toEqual([]);
}
