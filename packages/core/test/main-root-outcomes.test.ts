import { sleep, spawn, suspend } from "effection";
import { describe, expect, it } from "vitest";
import { cancelReason, main, spawnTask } from "../src/index.ts";
import { createFakeHost } from "./fixtures/fake-host.ts";

// How main() learns what happens to its root task, now that a quiesce task keeps
// its own outcome (issue 9) and treats an escaped CancelledError as a cancel (#10).
describe("main: the root task's outcomes", () => {
  it("ends as a cancel, not a failure: nothing printed, status 0, the rest torn down for that reason (#10)", async () => {
    const fake = createFakeHost();
    const log: string[] = [];
    const result = await main(
      function* () {
        yield* spawnTask(
          function* () {
            try {
              yield* suspend();
            } finally {
              log.push(`bystander cleanup ${(yield* cancelReason())?.kind}`);
            }
          },
          { name: "bystander" },
        );
        const victim = yield* spawnTask(suspend, { name: "victim" });
        yield* sleep(0);
        victim.cancel({ kind: "shutdown", message: "not needed" });
        yield* victim;
      },
      { host: fake.host },
    );
    expect(result).toEqual({ status: 0, forced: false, failures: [] });
    expect(fake.stderr).toBe("");
    expect(log).toEqual(["bystander cleanup shutdown"]);
  });

  it("starts the grace clock and watchdog before cleanup when an effection child of the root fails", async () => {
    const fake = createFakeHost();
    const seen: string[] = [];
    const boom = new Error("boom");
    const result = await main(
      function* () {
        yield* spawnTask(
          function* () {
            try {
              yield* suspend();
            } finally {
              seen.push(`${(yield* cancelReason())?.kind} watchdogs=${fake.watchdogs.length}`);
            }
          },
          { name: "sibling" },
        );
        yield* spawn(function* () {
          yield* sleep(1);
          throw boom;
        });
        yield* suspend();
      },
      { host: fake.host },
    );
    expect(seen).toEqual(["error watchdogs=1"]);
    expect(result).toEqual({ status: 1, forced: false, failures: [boom] });
  });
});
