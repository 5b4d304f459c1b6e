import { toThread } from "@quiesce/executor";
import { run } from "effection";
import { expect, it } from "vitest";
import { fixture } from "./helpers.ts";

it("toThread runs one function in a thread of its own and returns its result", async () => {
  const result = await run(() => toThread<number>(fixture("echo.mjs"), "add", 2, 3));
  expect(result).toBe(5);
});
