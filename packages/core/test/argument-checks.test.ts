import { run, suspend } from "effection";
import { describe, expect, it } from "vitest";
import {
  allTasks,
  asCompleted,
  gather,
  printTaskTree,
  spawnTask,
  taskTree,
  wait,
  waitingOn,
} from "../src/index.ts";

describe("arguments are refused at the call, naming the argument and what it got", () => {
  it("options must be an object or undefined", async () => {
    await run(function* () {
      const task = yield* spawnTask(suspend);
      const message = "Expected `options` to be an object or undefined, got `null` (null)";
      expect(() => wait([task], null as never)).toThrow(message);
      expect(() => asCompleted([task], null as never)).toThrow(message);
      expect(() => gather([task], null as never)).toThrow(message);
      yield* task.cancel();
    });
  });

  it("`under` must be a task handle", () => {
    const message = "Expected `under` to be a task handle from spawnTask, got `{}` (object)";
    expect(() => allTasks({} as never)).toThrow(message);
    expect(() => taskTree({} as never)).toThrow(message);
  });

  it("printTaskTree's writer must be a function", () => {
    expect(() => printTaskTree("stderr" as never)).toThrow(
      'Expected `write` to be a function, got `"stderr"` (string)',
    );
  });

  it("waitingOn needs a label and an operation", () => {
    expect(() => waitingOn("", suspend())).toThrow(
      'Expected `label` to be a non-empty string, got `""` (string)',
    );
    expect(() => waitingOn("x", 5 as never)).toThrow(
      "Expected `op` to be an operation, got `5` (number)",
    );
  });
});
