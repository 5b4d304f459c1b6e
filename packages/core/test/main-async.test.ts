import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  type AsyncScope,
  CancelledError,
  type MainAsyncBody,
  type MainOptions,
  mainAsync,
} from "../src/index.ts";
import { createFakeHost, type FakeHost } from "./fixtures/fake-host.ts";
import { ended, runFixture } from "./fixtures/run-fixture.ts";
import { aborted, deferred } from "./helpers.ts";

/** Starts `mainAsync` on a fake host; `ready` resolves when the body calls `ready()`. */
function start(
  body: (ready: () => void, signal: AbortSignal, program: AsyncScope) => Promise<unknown>,
  options: Omit<MainOptions, "host"> = {},
  fake: FakeHost = createFakeHost(),
) {
  const ready = deferred();
  const ended = mainAsync((signal, program) => body(() => ready.resolve(), signal, program), {
    ...options,
    host: fake.host,
  });
  return { fake, ended, ready: ready.promise };
}

/** A task of `program` that waits for the cancel and logs its reason, then takes `ms`. */
function sleeper(program: AsyncScope, log: string[], name: string, ms = 0): void {
  void program.spawn(
    async (signal) => {
      await aborted(signal);
      log.push(`${name} stopped: ${(signal.reason as CancelledError).reason.kind}`);
      if (ms > 0) await sleep(ms);
      log.push(`${name} done`);
      throw signal.reason;
    },
    { name },
  );
}

describe("mainAsync: signals", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)(
    "on %s aborts the signal, awaits the tasks, runs cleanups last first, re-raises (status %i)",
    async (sig, status) => {
      const log: string[] = [];
      let reason: unknown;
      const { fake, ended, ready } = start(async (ready, signal, program) => {
        program.defer(() => log.push("cleanup 1"));
        sleeper(program, log, "a", 5);
        sleeper(program, log, "b", 5);
        program.defer(async () => {
          await sleep(1);
          log.push("cleanup 2");
        });
        ready();
        await aborted(signal);
        reason = signal.reason;
        throw signal.reason;
      });
      await ready;
      expect(fake.listenerCount(sig)).toBe(1);
      fake.signal(sig);
      const exit = await ended;
      expect(reason).toBeInstanceOf(CancelledError);
      expect((reason as CancelledError).reason).toEqual({ kind: "signal", signal: sig });
      expect(log.slice(0, 4).sort()).toEqual([
        "a done",
        `a stopped: signal`,
        "b done",
        `b stopped: signal`,
      ]);
      expect(log.slice(4)).toEqual(["cleanup 2", "cleanup 1"]);
      expect(exit).toEqual({ status, signal: sig, forced: false, failures: [] });
      expect(fake.ends).toEqual([{ kill: sig }]);
      expect(fake.stderr).toBe("");
      expect(fake.totalListeners()).toBe(0);
    },
  );

  it("on a second signal during a slow cleanup prints the report, naming the tasks, and ends at once", async () => {
    const stuck = deferred();
    const { fake, ended, ready } = start(async (ready, signal, program) => {
      void program.spawn(
        async (signal) => {
          await aborted(signal);
          await stuck.promise;
        },
        { name: "flush-cache" },
      );
      ready();
      await aborted(signal);
    });
    await ready;
    fake.signal("SIGTERM");
    fake.signal("SIGINT");
    const exit = await ended;
    expect(exit).toMatchObject({ status: 143, signal: "SIGTERM", forced: true });
    expect(fake.stderr).toContain("SIGINT received during shutdown");
    expect(fake.stderr).toContain("promise tasks: main, flush-cache");
    stuck.resolve();
  });

  it("ends with the report when the grace period runs out", async () => {
    const stuck = deferred();
    const cleaning = deferred();
    const { fake, ended } = start(
      async (_ready, _signal, program) => {
        program.defer(() => {
          cleaning.resolve();
          return stuck.promise;
        });
      },
      { graceMs: 1_000 },
    );
    // The body returned (main-done), and its cleanup never ends.
    await cleaning.promise;
    fake.advance(1_000);
    const exit = await ended;
    expect(exit).toMatchObject({ status: 1, forced: true });
    expect(fake.stderr).toContain("grace period of 1000 ms ran out");
    expect(fake.stderr).toContain("promise cleanups");
    stuck.resolve();
  });
});

describe("mainAsync: how the body ends", () => {
  it("exits 0 when the body resolves, cancelling the tasks still running (main-done)", async () => {
    const log: string[] = [];
    const { fake, ended } = start(async (_ready, _signal, program) => {
      sleeper(program, log, "poller");
      return "result";
    });
    expect(await ended).toEqual({ status: 0, forced: false, failures: [] });
    expect(log).toEqual(["poller stopped: main-done", "poller done"]);
    expect(fake.ends).toEqual([{ exit: 0 }]);
  });

  it("exits 1 and prints the error once when the body rejects; the tasks see { kind: 'error' }", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    const { fake, ended } = start(async (_ready, _signal, program) => {
      sleeper(program, log, "worker");
      await Promise.resolve();
      throw boom;
    });
    const exit = await ended;
    expect(exit).toEqual({ status: 1, forced: false, failures: [boom] });
    expect(log).toEqual(["worker stopped: error", "worker done"]);
    expect(fake.stderr.split("Error: boom").length - 1).toBe(1);
  });

  it("exits with the error's own exitCode", async () => {
    const { fake, ended } = start(async () => {
      throw Object.assign(new Error("usage: tool <file>"), { exitCode: 2 });
    });
    expect((await ended).status).toBe(2);
    expect(fake.ends).toEqual([{ exit: 2 }]);
  });

  it("prints a failure in cleanup after a signal, and the signal's status still wins", async () => {
    const { fake, ended, ready } = start(async (ready, signal, program) => {
      program.defer(() => {
        throw new Error("could not flush");
      });
      ready();
      await aborted(signal);
      throw new TypeError("body failed while stopping");
    });
    await ready;
    fake.signal("SIGINT");
    const exit = await ended;
    expect(exit).toMatchObject({ status: 130, signal: "SIGINT" });
    expect(exit.failures).toHaveLength(1);
    expect(fake.stderr).toContain("could not flush");
    expect(fake.stderr).toContain("body failed while stopping");
    expect(fake.ends).toEqual([{ kill: "SIGINT" }]);
  });

  it("ends quietly with exit 0 when the body cancels its own program and stops on the signal", async () => {
    const log: string[] = [];
    const { fake, ended } = start(async (_ready, signal, program) => {
      sleeper(program, log, "a");
      void program.cancel("done early");
      // What fetch or a timer throws when their signal aborts.
      await sleep(60_000, undefined, { signal });
    });
    expect(await ended).toEqual({ status: 0, forced: false, failures: [] });
    expect(log).toEqual(["a stopped: explicit", "a done"]);
    expect(fake.stderr).toBe("");
  });

  it("gives the body the host's arguments", async () => {
    const fake = createFakeHost({ argv: ["--verbose", "file.txt"] });
    let seen: string[] = [];
    const body: MainAsyncBody = (_signal, _program, args) => {
      seen = args;
    };
    await mainAsync(body, { host: fake.host });
    expect(seen).toEqual(["--verbose", "file.txt"]);
  });

  it("checks its arguments at the call", () => {
    expect(() => mainAsync("nope" as never)).toThrow(
      'Expected `body` to be a function, got `"nope"` (string)',
    );
    expect(() => mainAsync(async () => {}, { graceMs: -1 })).toThrow(
      "Expected `graceMs` to be a finite number ≥ 0, got `-1` (number)",
    );
  });
});

describe.concurrent("mainAsync end to end (real signals)", () => {
  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)(
    "on %s stops every task with the signal as reason, then cleans up last first, and dies by it (#12)",
    async (sig) => {
      const program = runFixture("async-program");
      await program.waitFor("ready");
      const sentAt = program.kill(sig);
      const result = await ended(program);
      expect(result.signal).toBe(sig);
      expect(result.stderr).toBe("");
      const lines = result.lines;
      for (const name of ["task-1", "task-2", "task-3", "nested-1"]) {
        expect(lines).toContain(`cleanup start ${name} (signal ${sig})`);
        expect(lines).toContain(`cleanup done ${name}`);
      }
      expect(lines).toContain(`body stopped (signal ${sig})`);
      // The nested scope closes when the body leaves its `await using` block, after its task.
      expect(lines.indexOf("nested closed")).toBeGreaterThan(
        lines.indexOf("cleanup done nested-1"),
      );
      // The program's own cleanups come last, last registered first.
      expect(lines.slice(-2)).toEqual(["deferred 2", "deferred 1"]);
      expect(result.endedAt - sentAt).toBeLessThan(5000);
    },
  );

  it("stops the tasks together: three 1 s cleanups take about 1 s, not 3", async () => {
    const program = runFixture("async-program", ["--cleanup-ms", "1000"]);
    await program.waitFor("ready");
    const sentAt = program.kill("SIGINT");
    const result = await ended(program);
    expect(result.signal).toBe("SIGINT");
    expect(result.lines.filter((l) => l.startsWith("cleanup done"))).toHaveLength(4);
    const took = result.endedAt - sentAt;
    expect(took).toBeGreaterThanOrEqual(990);
    expect(took).toBeLessThan(2500);
  });

  it("on a second SIGINT during slow cleanup prints the report and ends at once with 130", async () => {
    // No same-signal window: the second SIGINT may come within 200 ms of the first.
    const program = runFixture("async-program", [
      ...["--cleanup-ms", "20000", "--same-signal-window-ms", "0"],
    ]);
    await program.waitFor("ready");
    program.kill("SIGINT");
    await program.waitFor(/^cleanup start task-3/);
    const secondAt = program.kill("SIGINT");
    const result = await ended(program);
    expect(result.signal).toBe("SIGINT");
    expect(result.endedAt - secondAt).toBeLessThan(1000);
    expect(result.stderr).toContain("SIGINT received during shutdown; tasks still alive:");
    expect(result.stderr).toMatch(/waiting on promise tasks: main, task-1, task-2, task-3/);
    expect(result.lines.filter((l) => l.startsWith("cleanup done"))).toEqual([]);
    expect(result.lines).not.toContain("deferred 1");
  });

  it("ends with the report when the grace period runs out", async () => {
    const program = runFixture("async-program", ["--cleanup-ms", "20000", "--grace-ms", "300"]);
    await program.waitFor("ready");
    const sentAt = program.kill("SIGTERM");
    const result = await ended(program);
    expect(result.signal).toBe("SIGTERM");
    expect(result.stderr).toContain("grace period of 300 ms ran out");
    const took = result.endedAt - sentAt;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
  });

  it("exits 0 when the body returns, cancelling the tasks still running (main returned)", async () => {
    const result = await ended(runFixture("async-program", ["--return"]));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.lines).toContain("cleanup start task-1 (main returned)");
    expect(result.lines.slice(-2)).toEqual(["deferred 2", "deferred 1"]);
  });

  it("exits with the error's exitCode when the body rejects, and the tasks see the error", async () => {
    const result = await ended(runFixture("async-program", ["--throw"]));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("Error: boom");
    expect(result.lines).toContain(
      "cleanup start task-1 (error elsewhere in the tree: Error: boom)",
    );
    expect(result.lines.slice(-2)).toEqual(["deferred 2", "deferred 1"]);
  });
});
