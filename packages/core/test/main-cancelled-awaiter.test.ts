import { sleep, suspend } from "effection";
import { describe, expect, it } from "vitest";
import { cancelReason, main, spawnTask } from "../src/index.ts";
import { createFakeHost } from "./fixtures/fake-host.ts";

// Issue #10, item 1, as main() sees it: a root whose body awaits a cancelled task
// is cancelled, not failed.
describe("main: a root that awaits a cancelled task", () => {
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
});
