import { type ChildProcess, spawn as spawnProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { runInExecutor, UncloneableArgumentError, useProcessPool } from "@quiesce/executor";
import { run, until } from "effection";
import { describe, expect, it } from "vitest";
import {
  alive,
  catching,
  failure,
  fixture,
  lines,
  marker,
  waitForLines,
  waitGone,
} from "./helpers.ts";

/** Starts test/fixtures/parent.ts, a program that opens a process pool of two. */
function startParent(path: string, mode: "spin" | "wait", detached: boolean): ChildProcess {
  return spawnProcess(
    process.execPath,
    [
      "--conditions=@quiesce/source",
      "--import",
      "tsx",
      fileURLToPath(fixture("parent.ts")),
      path,
      mode,
    ],
    { detached, stdio: ["ignore", "pipe", "pipe"] },
  );
}

function childPids(path: string): number[] {
  return lines(path)
    .filter((line) => line.startsWith("started"))
    .map((line) => Number(line.split(" ")[1]));
}

describe("useProcessPool", () => {
  it("rebuilds worker errors as real Errors and names an argument that cannot be sent", async () => {
    const { error, uncloneable } = await run(function* () {
      const pool = yield* useProcessPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
      const error = yield* failure(runInExecutor(pool, "fail", "out of range"));
      return { error, uncloneable: catching(() => pool.submit("add", 1, () => 2)) };
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "RangeError", message: "out of range", code: "E_FIXTURE" });
    expect((error as Error).stack).toContain("echo.mjs");
    expect(((error as Error).cause as Error).message).toBe("the root cause");
    expect(uncloneable).toBeInstanceOf(UncloneableArgumentError);
    expect((uncloneable as UncloneableArgumentError).index).toBe(1);
  });

  it("gives back exactly what it was given, whether JSON carries it or not (#13)", async () => {
    const values: unknown[] = [
      42,
      "text",
      { plain: [1, "two", null, true], nested: { deep: -3.5 } },
      undefined,
      Number.NaN,
      -0,
      12n,
      new Date(86_400_000),
      new Map<unknown, unknown>([["key", new Set([1, 2])]]),
      new Uint8Array([1, 2, 3]),
      { missing: undefined, when: new Date(0) },
      Array.from({ length: 1000 }, (_, i) => i),
    ];
    const back = await run(function* () {
      const pool = yield* useProcessPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
      const out: unknown[] = [];
      for (const value of values) out.push(yield* runInExecutor(pool, "echo", value));
      // Several arguments, one of them beyond JSON: all of them cross as V8's serialization.
      out.push(yield* runInExecutor(pool, "add", 1n, 2n));
      // One object passed twice arrives as one object, as structured clone keeps it.
      const shared = { n: 1 };
      out.push(yield* runInExecutor(pool, "same", shared, shared));
      out.push(yield* runInExecutor(pool, "echo", undefined));
      return out;
    });
    expect(back).toEqual([...values, 3n, true, undefined]);
    expect(Object.is(back[5], -0)).toBe(true);
    expect(back[8]).toBeInstanceOf(Map);
    expect(back[9]).toBeInstanceOf(Uint8Array);
    expect(Object.keys(back[10] as object)).toEqual(["missing", "when"]);
  });

  it("fails a job whose result cannot be sent back, and keeps serving (#13)", async () => {
    const [error, after] = await run(function* () {
      const pool = yield* useProcessPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
      const error = yield* failure(runInExecutor(pool, "returnFunction"));
      return [error, yield* runInExecutor(pool, "square", 4)];
    });
    expect(error).toMatchObject({ name: "TypeError" });
    expect((error as Error).message).toMatch(/result of "returnFunction" cannot be sent back/);
    expect(after).toBe(16);
  });

  it("gives children the parent's environment", async () => {
    process.env.QUIESCE_EXECUTOR_TEST = "inherited";
    const [inherited, replaced] = await run(function* () {
      const pool = yield* useProcessPool({ module: fixture("echo.mjs"), maxWorkers: 1 });
      const own = yield* useProcessPool({
        module: fixture("echo.mjs"),
        maxWorkers: 1,
        env: { ONLY_THIS: "yes" },
      });
      return [
        yield* runInExecutor(pool, "getEnv", "QUIESCE_EXECUTOR_TEST"),
        yield* runInExecutor(own, "getEnv", "QUIESCE_EXECUTOR_TEST"),
      ];
    });
    expect(inherited).toBe("inherited");
    expect(replaced).toBeUndefined();
  });

  it("never runs more than maxWorkers jobs at once, including right after a kill", async () => {
    const path = marker();
    const running = await run(function* () {
      const pool = yield* useProcessPool({
        module: fixture("bounded.mjs"),
        maxWorkers: 2,
        cancelGraceMs: 0,
      });
      const stubborn = [pool.submit("job", path, "stubborn"), pool.submit("job", path, "stubborn")];
      const quick = Array.from({ length: 4 }, () => pool.submit<number>("job", path, "quick"));
      yield* until(waitForLines(path, /^start/, 2));
      expect(pool.stats()).toMatchObject({ running: 2, queued: 4 });
      // Killed at once: the queued jobs start only once the killed processes are gone.
      yield* until(Promise.all(stubborn.map((job) => job.cancel())));
      return yield* until(Promise.all(quick.map((job) => job.promise)));
    });
    expect(Math.max(...running)).toBeLessThanOrEqual(2);
    const counts = lines(path)
      .filter((line) => line.startsWith("start"))
      .map((line) => Number(line.split(" ")[2]));
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
  });

  it("children exit by themselves when the parent is killed with SIGKILL mid CPU loop", async () => {
    const path = marker();
    const parent = startParent(path, "spin", false);
    await waitForLines(path, /^started/, 2);
    const pids = childPids(path);
    expect(pids.every(alive)).toBe(true);
    parent.kill("SIGKILL");
    await once(parent, "exit");
    const took = await waitGone(pids, 2000);
    console.log(`children gone ${took} ms after the parent was killed`);
    expect(took).toBeLessThan(1000);
  });

  it("a terminal Ctrl+C to the process group leaves the decision to the parent", async () => {
    const path = marker();
    const parent = startParent(path, "wait", true);
    let stderr = "";
    parent.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    await waitForLines(path, /^started/, 2);
    const pids = childPids(path);
    const exited = once(parent, "exit");
    process.kill(-(parent.pid as number), "SIGINT");
    const [code] = await exited;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // The children survived the SIGINT and ran their cleanup when the parent cancelled them.
    expect(lines(path).filter((line) => line.startsWith("finally"))).toEqual([
      "finally CancelledError scope-exit",
      "finally CancelledError scope-exit",
    ]);
    await waitGone(pids, 2000);
  });
});
