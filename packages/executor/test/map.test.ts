import { spawn as spawnProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { spawnTask } from "@quiesce/core";
import {
  type ExecutorPool,
  type MapResult,
  map,
  mapAsCompleted,
  type PoolRuntime,
  useProcessPool,
  useThreadPool,
} from "@quiesce/executor";
import { each, run, scoped, until } from "effection";
import { describe, expect, it } from "vitest";
import { fixture, lines, marker, waitForLines } from "./helpers.ts";

const runtimes: PoolRuntime[] = ["worker_threads", "child_process"];
const usePool = (runtime: PoolRuntime) =>
  runtime === "worker_threads" ? useThreadPool : useProcessPool;

describe("map", () => {
  it("checks its pool and items at the call, in the house message shape", () => {
    const pool = { submit: () => undefined, maxWorkers: 1 } as unknown as ExecutorPool;
    expect(() => map(pool, "square", 3 as unknown as number[])).toThrow(
      "Expected `items` to be an iterable, got `3` (number)",
    );
    expect(() => map(null as unknown as ExecutorPool, "square", [])).toThrow(
      "Expected `pool` to be a pool from useThreadPool or useProcessPool, got `null`",
    );
  });

  it("streams results in the order of the items", async () => {
    const results = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("wait-for-abort.mjs"), maxWorkers: 3 });
      const out: number[] = [];
      for (const value of yield* each(map<number, number>(pool, "sleep", [60, 10, 30, 0]))) {
        out.push(value);
        yield* each.next();
      }
      return out;
    });
    expect(results).toEqual([60, 10, 30, 0]);
  });

  it("mapAsCompleted yields each result as its job completes, with its index", async () => {
    const gates = new Int32Array(new SharedArrayBuffer(12));
    const order = [1, 2, 0];
    const open = (index: number | undefined) => {
      if (index === undefined) return;
      Atomics.store(gates, index, 1);
      Atomics.notify(gates, index);
    };
    const items = [0, 1, 2].map((index) => ({ gates, index }));
    const results = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("gate.mjs"), maxWorkers: 3 });
      const out: MapResult<{ index: number }, number>[] = [];
      open(order[0]);
      for (const result of yield* each(
        mapAsCompleted<{ index: number }, number>(pool, "whenOpened", items, { concurrency: 3 }),
      )) {
        out.push(result);
        open(order[out.length]);
        yield* each.next();
      }
      return out;
    });
    expect(results.map((r) => r.index)).toEqual(order);
    expect(results.map((r) => r.value)).toEqual(order);
    expect(results[0]?.item).toBe(items[1]);
  });

  it("a failing job ends the loop with its error", async () => {
    const error = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 2 });
      for (const _ of yield* each(map(pool, "fail", ["boom"]))) yield* each.next();
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RangeError", message: "boom" });
  });

  it("ending the loop's scope early cancels the jobs still in flight", async () => {
    const stats = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("wait-for-abort.mjs"), maxWorkers: 3 });
      yield* scoped(function* () {
        for (const _ of yield* each(map(pool, "sleep", [0, 60_000, 60_000]))) break;
      });
      return pool.stats();
    });
    expect(stats).toMatchObject({ completed: 1, cancelled: 2, killed: 0, running: 0 });
  });

  it.each(runtimes)(
    "%s: a cancelled caller passes its own reason to the jobs in flight (#9)",
    async (runtime) => {
      const path = marker();
      await run(function* () {
        const pool = yield* usePool(runtime)({
          module: fixture("wait-for-abort.mjs"),
          maxWorkers: 2,
        });
        const task = yield* spawnTask(function* () {
          for (const _ of yield* each(map(pool, "waitForAbort", [path, path]))) {
            yield* each.next();
          }
        });
        yield* until(waitForLines(path, /^started/, 2));
        yield* task.cancel({ kind: "signal", signal: "SIGINT" });
        expect(pool.stats()).toMatchObject({ running: 0, cancelled: 2, killed: 0 });
      });
      expect(lines(path).filter((line) => line.startsWith("finally"))).toEqual([
        "finally CancelledError signal",
        "finally CancelledError signal",
      ]);
    },
  );

  it("a Ctrl+C under main() reaches the jobs of a map as a signal, not a scope exit (#9)", async () => {
    const path = marker();
    const program = spawnProcess(
      process.execPath,
      [
        "--conditions=@quiesce/source",
        "--import",
        "tsx",
        fileURLToPath(fixture("map-under-main.ts")),
        path,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    program.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const ceiling = setTimeout(() => program.kill("SIGKILL"), 30_000);
    try {
      await waitForLines(path, /^started/, 2);
      const exited = once(program, "exit");
      program.kill("SIGINT");
      const [code, signal] = await exited;
      expect({ code, signal, stderr }).toMatchObject({ signal: "SIGINT" });
    } finally {
      clearTimeout(ceiling);
    }
    expect(lines(path).filter((line) => line.startsWith("finally"))).toEqual([
      "finally CancelledError signal",
      "finally CancelledError signal",
    ]);
  });
});
