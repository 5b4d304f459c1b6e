import {
  type ExecutorPool,
  type MapResult,
  map,
  mapAsCompleted,
  useThreadPool,
} from "@quiesce/executor";
import { each, run, scoped } from "effection";
import { describe, expect, it } from "vitest";
import { fixture } from "./helpers.ts";

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
    const results = await run(function* () {
      const pool = yield* useThreadPool({ module: fixture("wait-for-abort.mjs"), maxWorkers: 3 });
      const out: MapResult<number, number>[] = [];
      for (const result of yield* each(
        mapAsCompleted<number, number>(pool, "sleep", [300, 0, 100], { concurrency: 3 }),
      )) {
        out.push(result);
        yield* each.next();
      }
      return out;
    });
    expect(results.map((r) => r.index)).toEqual([1, 2, 0]);
    expect(results.map((r) => r.value)).toEqual([0, 100, 300]);
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
});
