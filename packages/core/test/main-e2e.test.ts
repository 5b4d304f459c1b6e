import { describe, expect, it } from "vitest";
import { type Fixture, type FixtureResult, isAlive, runFixture } from "./fixtures/run-fixture.ts";

// Real programs, real signals. Each test waits for the program's "ready" line
// (no sleeps), and the time bounds are ceilings that catch a hang.

/**
 * Waits for the end and checks that nothing the program started outlived it. tsx
 * may run an esbuild service as a child: it exits when its stdin closes, so allow
 * child processes a moment to go.
 */
async function ended(fixture: Fixture): Promise<FixtureResult> {
  const children = fixture.children();
  const result = await fixture.result;
  expect(isAlive(fixture.pid)).toBe(false);
  const until = performance.now() + 3000;
  while (children.some(isAlive) && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(children.filter(isAlive)).toEqual([]);
  return result;
}

const cleanupLines = (result: FixtureResult) =>
  result.lines.filter((line) => line.startsWith("cleanup"));

describe.concurrent("main() end to end", () => {
  it.each([
    ["SIGINT", "--raw"],
    ["SIGTERM", "--raw"],
    ["SIGHUP", "--raw"],
  ] as const)("on %s runs every cleanup and dies by the same signal", async (signal, raw) => {
    const program = runFixture("sleepers", [raw]);
    await program.waitFor("ready");
    const sentAt = program.kill(signal);
    const result = await ended(program);
    expect(result.signal).toBe(signal);
    expect(result.code).toBeNull();
    expect(result.lines[result.lines.length - 1]).not.toBe("ready");
    expect(cleanupLines(result).sort()).toEqual([
      `cleanup done 1`,
      `cleanup done 2`,
      `cleanup done 3`,
      `cleanup start 1 (signal ${signal})`,
      `cleanup start 2 (signal ${signal})`,
      `cleanup start 3 (signal ${signal})`,
    ]);
    // The body's own finally runs when it is interrupted, before its children stop.
    expect(result.lines).toContain("main cleanup");
    expect(result.stderr).toBe("");
    expect(result.endedAt - sentAt).toBeLessThan(5000);
  });

  it("exits with the plain status 130 when asked for a status instead of the signal", async () => {
    const program = runFixture("sleepers", ["--exit-code"]);
    await program.waitFor("ready");
    program.kill("SIGINT");
    const result = await ended(program);
    expect(result.code).toBe(130);
    expect(result.signal).toBeNull();
  });

  it("cleans up three siblings with 1 s cleanups in about 1 s, not 3", async () => {
    const program = runFixture("sleepers", ["--raw", "--cleanup-ms", "1000"]);
    await program.waitFor("ready");
    const sentAt = program.kill("SIGINT");
    const result = await ended(program);
    expect(result.signal).toBe("SIGINT");
    expect(cleanupLines(result).filter((l) => l.startsWith("cleanup done"))).toHaveLength(3);
    const took = result.endedAt - sentAt;
    expect(took).toBeGreaterThanOrEqual(990);
    expect(took).toBeLessThan(2500);
  });

  it("on a second SIGINT during a slow cleanup prints the report and ends at once", async () => {
    const program = runFixture("sleepers", ["--cleanup-ms", "20000"]);
    await program.waitFor("ready");
    program.kill("SIGINT");
    await program.waitFor(/^cleanup start 3/);
    const secondAt = program.kill("SIGINT");
    const result = await ended(program);
    expect(result.signal).toBe("SIGINT");
    expect(result.endedAt - secondAt).toBeLessThan(1000);
    expect(result.lines.some((l) => l.startsWith("cleanup done"))).toBe(false);
    expect(result.stderr).toContain("quiesce: SIGINT received during shutdown; tasks still alive:");
    expect(result.stderr).toMatch(
      /T\d+ main \[running [\d.]+m?s\] cancel asked \d+ms ago: signal SIGINT/,
    );
    for (const i of [1, 2, 3]) {
      expect(result.stderr).toMatch(new RegExp(`T\\d+ sleeper-${i} \\[running [\\d.]+m?s\\]`));
    }
    expect(result.stderr).toContain("sleepers.ts");
  });

  it("when the grace period runs out prints the report and ends with the first signal", async () => {
    const program = runFixture("sleepers", ["--cleanup-ms", "20000", "--grace-ms", "800"]);
    await program.waitFor("ready");
    const sentAt = program.kill("SIGTERM");
    const result = await ended(program);
    expect(result.signal).toBe("SIGTERM");
    const took = result.endedAt - sentAt;
    expect(took).toBeGreaterThanOrEqual(790);
    expect(took).toBeLessThan(5000);
    expect(result.stderr).toContain("grace period of 800 ms ran out during shutdown");
    expect(result.stderr).toMatch(/sleeper-1 \[running/);
    expect(result.stderr).not.toContain("watchdog");
  });

  it("a watchdog thread ends a process stuck in while (true) {} by grace + 1 s", async () => {
    const program = runFixture("stuck-loop");
    await program.waitFor("ready");
    const sentAt = program.kill("SIGINT");
    const result = await ended(program);
    const took = result.endedAt - sentAt;
    // graceMs is 1000; the guarantee is grace + 1 s. The watchdog cannot re-raise
    // SIGINT (the stuck main thread owns its handler), so it uses SIGKILL.
    expect(result.signal).toBe("SIGKILL");
    expect(took).toBeLessThan(2000 + 500);
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(result.lines).toContain("spinning");
    expect(result.stderr).toContain("quiesce watchdog: the process did not end in time");
    expect(result.stderr).toMatch(/T\d+ main \[running .*signal SIGINT/);
    expect(result.stderr).toMatch(/T\d+ spinner \[running/);
  });

  it("a throwing child cancels the tree, prints the error once, exits with its exitCode", async () => {
    const program = runFixture("throwing-child");
    await program.waitFor("ready");
    const result = await ended(program);
    expect(result.code).toBe(3);
    expect(result.lines).toContain("sibling cleanup: error");
    expect(result.stderr.split("Error: child exploded").length - 1).toBe(1);
  });

  it("an unhandled rejection cancels the tree, is printed once, exits 1", async () => {
    const program = runFixture("unhandled-rejection");
    await program.waitFor("ready");
    const result = await ended(program);
    expect(result.code).toBe(1);
    expect(result.lines).toContain("cleanup: error");
    expect(result.stderr).toContain("Unhandled rejection:");
    expect(result.stderr.split("Error: nobody caught me").length - 1).toBe(1);
  });

  it("a cleanup that throws after SIGINT is printed, and SIGINT still decides the status", async () => {
    const program = runFixture("cleanup-throws");
    await program.waitFor("ready");
    program.kill("SIGINT");
    const result = await ended(program);
    expect(result.signal).toBe("SIGINT");
    expect(result.lines).toContain("cleanup failing");
    expect(result.stderr.split("Error: flush failed").length - 1).toBe(1);
  });

  it("a normal return exits 0 after cancelling running tasks, with no listener left", async () => {
    const program = runFixture("normal-return");
    const result = await ended(program);
    expect(result.code).toBe(0);
    const zero = "SIGINT=0 SIGTERM=0 SIGHUP=0 uncaughtException=0 unhandledRejection=0";
    expect(result.lines).toContain(`listeners before: ${zero}`);
    expect(result.lines).toContain(
      "listeners during: SIGINT=1 SIGTERM=1 SIGHUP=1 uncaughtException=1 unhandledRejection=1",
    );
    expect(result.lines[result.lines.length - 1]).toBe(`listeners at exit 0: ${zero}`);
    expect(result.lines.filter((l) => l.startsWith("cleanup")).sort()).toEqual([
      "cleanup a: main-done",
      "cleanup b: main-done",
      "cleanup raw",
    ]);
    // Three 200 ms cleanups, together.
    expect(result.ms).toBeLessThan(10_000);
    expect(result.stderr).toBe("");
  });

  it("exit(status, message) deep in the tree runs cleanup, prints the message, exits", async () => {
    const program = runFixture("exit-from-depth");
    const result = await ended(program);
    expect(result.code).toBe(4);
    expect(result.lines).toEqual(["sibling cleanup"]);
    expect(result.stderr).toBe("config file missing\n");
  });

  it("a daemon drains on SIGTERM before the tree is cancelled", async () => {
    const program = runFixture("daemon");
    await program.waitFor("ready");
    program.kill("SIGTERM");
    const result = await ended(program);
    expect(result.signal).toBe("SIGTERM");
    expect(result.lines).toEqual([
      "ready",
      "draining (signal)",
      "drained",
      "metrics cleanup: signal",
    ]);
  });

  it("prints the task tree on SIGUSR2 without disturbing the program", async () => {
    const program = runFixture("sleepers", ["--print-tree"]);
    await program.waitFor("ready");
    program.kill("SIGUSR2");
    // The report goes to stderr; wait for it there.
    await new Promise<void>((resolve) => {
      const check = (chunk: string) => {
        if (/sleeper-3 \[running/.test(chunk)) resolve();
      };
      program.child.stderr?.on("data", check);
    });
    program.kill("SIGINT");
    const result = await ended(program);
    expect(result.signal).toBe("SIGINT");
    expect(result.stderr).toMatch(/T\d+ main \[running [^\]]*\]/);
    expect(cleanupLines(result)).toHaveLength(6);
  });
});

describe("main() soak", () => {
  it("keeps its guarantees with SIGINT or SIGTERM at random moments, 20 runs", async () => {
    const runs = 20;
    const parallel = 4;
    let next = 0;
    const failures: string[] = [];
    const once = async (n: number) => {
      const signal = n % 2 === 0 ? "SIGINT" : "SIGTERM";
      const args = ["--count", "6", "--stagger-ms", "15", "--cleanup-ms", "30", "--raw"];
      const program = runFixture("sleepers", args);
      // Anywhere from node's start-up (before main owns the signal: the default
      // action kills it, with no task started) to well after ready.
      if (n % 5 !== 0) await program.waitFor("start 1");
      const delay = Math.floor(Math.random() * (n % 5 === 0 ? 600 : 150));
      await new Promise((resolve) => setTimeout(resolve, delay));
      const sentAt = program.kill(signal);
      const result = await ended(program);
      const started = result.lines.filter((l) => /^start \d+$/.test(l)).map((l) => l.slice(6));
      const done = result.lines
        .filter((l) => l.startsWith("cleanup done "))
        .map((l) => l.slice(13));
      const problems = [
        result.signal !== signal && `ended by ${result.signal ?? `exit ${result.code}`}`,
        done.sort().join() !== started.sort().join() &&
          `started ${started.join()} but cleaned up ${done.join()}`,
        result.endedAt - sentAt > 5000 && `took ${result.endedAt - sentAt} ms`,
        result.stderr !== "" && `stderr: ${result.stderr}`,
      ].filter(Boolean);
      if (problems.length > 0) failures.push(`run ${n} (${signal}): ${problems.join("; ")}`);
    };
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < runs) await once(next++);
      }),
    );
    expect(failures).toEqual([]);
  }, 60_000);
});
