import { runInExecutor, useProcessPool, useThreadPool } from "@quiesce/executor";
import { run } from "effection";
import { expect, it } from "vitest";
import { fixture } from "./helpers.ts";

it("smoke threads", async () => {
  const r = await run(function* () {
    const pool = yield* useThreadPool({ module: fixture("echo.mjs"), maxWorkers: 2 });
    return [yield* runInExecutor(pool, "square", 7), pool.functions, pool.stats()];
  });
  console.log(r);
  expect(r[0]).toBe(49);
});

it("smoke processes", async () => {
  const r = await run(function* () {
    const pool = yield* useProcessPool({ module: fixture("echo.mjs"), maxWorkers: 2 });
    return [
      yield* runInExecutor(pool, "square", 7),
      yield* runInExecutor(pool, "whoAmI"),
      pool.stats(),
    ];
  });
  console.log(r);
  expect(r[0]).toBe(49);
});
