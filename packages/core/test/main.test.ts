import {
  ensure,
  type Operation,
  resource,
  run,
  sleep,
  spawn,
  suspend,
  until,
  withResolvers,
} from "effection";
import { describe, expect, it } from "vitest";
import {
  type CancelReason,
  cancelReason,
  currentTask,
  exit,
  type MainExit,
  MainNotRunningError,
  type MainOptions,
  main,
  nodeHost,
  spawnTask,
  type TaskHandle,
  useShutdown,
} from "../src/index.ts";
import { createFakeHost, type FakeHost } from "./fixtures/fake-host.ts";
import { deferred } from "./helpers.ts";

/** Starts `main` on a fake host; resolves `ready` when the body calls `ready()`. */
function start(
  body: (ready: () => void) => Operation<unknown>,
  options: Omit<MainOptions, "host"> = {},
  fake: FakeHost = createFakeHost(),
) {
  const ready = deferred();
  const ended = main(() => body(() => ready.resolve()), { ...options, host: fake.host });
  return { fake, ended, ready: ready.promise };
}

/** A child that records its cancel reason and then takes `ms` (real time) to clean up. */
function* child(log: string[], name: string, ms = 0): Operation<void> {
  try {
    yield* suspend();
  } finally {
    const why = yield* cancelReason();
    log.push(`${name} cleanup ${why?.kind ?? "none"}`);
    if (ms > 0) yield* sleep(ms);
    log.push(`${name} done`);
  }
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe("main: signals", () => {
  it("owns SIGINT, SIGTERM and SIGHUP only while it runs and removes every listener (issue 3)", async () => {
    const fake = createFakeHost();
    const { ended, ready } = start(
      function* (ready) {
        ready();
        yield* suspend();
      },
      {},
      fake,
    );
    await ready;
    expect(fake.listenerCount("SIGINT")).toBe(1);
    expect(fake.listenerCount("SIGTERM")).toBe(1);
    expect(fake.listenerCount("SIGHUP")).toBe(1);
    expect(fake.listenerCount("SIGQUIT")).toBe(0);
    expect(fake.listenerCount("SIGUSR2")).toBe(0);
    expect(fake.listenerCount("uncaughtException")).toBe(1);
    expect(fake.listenerCount("unhandledRejection")).toBe(1);
    expect(fake.keptAlive).toBe(1);
    fake.signal("SIGINT");
    await ended;
    expect(fake.totalListeners()).toBe(0);
    expect(fake.keptAlive).toBe(0);
    expect(fake.pendingTimers).toBe(0);
    expect(fake.watchdogs.every((w) => w.stopped)).toBe(true);
  });

  it("adds and removes real process listeners with the node host", async () => {
    const events = ["SIGINT", "SIGTERM", "SIGHUP", "uncaughtException", "unhandledRejection"];
    const before = events.map((e) => process.listenerCount(e));
    const ends: unknown[] = [];
    let during: number[] = [];
    const ready = deferred();
    const ended = main(
      function* () {
        during = events.map((e) => process.listenerCount(e));
        ready.resolve();
        yield* suspend();
      },
      {
        host: {
          ...nodeHost,
          exit: (status) => ends.push(status),
          kill: (signal) => ends.push(signal),
          startWatchdog: () => ({
            update() {},
            arm() {},
            took() {},
            sinceFirstSignal: () => undefined,
            mechanism: Promise.resolve("none" as const),
            stop() {},
          }),
        },
      },
    );
    await ready.promise;
    expect(during).toEqual(before.map((n) => n + 1));
    process.emit("SIGTERM");
    await ended;
    expect(events.map((e) => process.listenerCount(e))).toEqual(before);
    expect(ends).toEqual(["SIGTERM"]);
  });

  it("cancels the root with the signal's reason within the same turn", async () => {
    let root: TaskHandle<unknown> | undefined;
    const { fake, ended, ready } = start(function* (ready) {
      root = yield* currentTask();
      ready();
      yield* suspend();
    });
    await ready;
    expect(root?.cancelReason()).toBeUndefined();
    fake.signal("SIGINT");
    expect(root?.cancelReason()).toEqual({ kind: "signal", signal: "SIGINT" });
    await ended;
    expect(root?.state).toBe("cancelled");
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("runs all cleanup on %s, then re-raises it (status %i)", async (signal, status) => {
    const log: string[] = [];
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(() => child(log, "a", 5), { name: "a" });
      yield* spawn(() => child(log, "b", 5));
      ready();
      yield* suspend();
    });
    await ready;
    fake.signal(signal);
    const result = await ended;
    expect(log.sort()).toEqual(["a cleanup signal", "a done", "b cleanup signal", "b done"]);
    expect(result).toMatchObject({ status, signal, forced: false });
    expect(fake.ends).toEqual([{ kill: signal }]);
  });

  it("exits with the plain status 128 + n when asked to", async () => {
    const { fake, ended, ready } = start(
      function* (ready) {
        ready();
        yield* suspend();
      },
      { exitCode: "status" },
    );
    await ready;
    fake.signal("SIGTERM");
    expect(await ended).toMatchObject({ status: 143, signal: "SIGTERM" });
    expect(fake.ends).toEqual([{ exit: 143 }]);
  });

  it("listens to SIGBREAK instead of SIGTERM and exits 128 + n on Windows", async () => {
    const fake = createFakeHost({ platform: "win32" });
    const { ended, ready } = start(
      function* (ready) {
        ready();
        yield* suspend();
      },
      {},
      fake,
    );
    await ready;
    expect(fake.listenerCount("SIGBREAK")).toBe(1);
    expect(fake.listenerCount("SIGTERM")).toBe(0);
    fake.signal("SIGINT");
    await ended;
    expect(fake.ends).toEqual([{ exit: 130 }]);
  });

  it("listens to the signals it is given, and only those", async () => {
    const { fake, ended, ready } = start(
      function* (ready) {
        ready();
        yield* suspend();
      },
      { signals: ["SIGUSR1"] },
    );
    await ready;
    expect(fake.listenerCount("SIGINT")).toBe(0);
    fake.signal("SIGUSR1");
    expect((await ended).signal).toBe("SIGUSR1");
  });

  it("stops a root that cancels itself before its first pause (the halt is not lost)", async () => {
    const fake = createFakeHost();
    const log: string[] = [];
    let root: TaskHandle<unknown> | undefined;
    // main() called outside any effection step runs the body synchronously, inside
    // the call that creates the root's effection task.
    const result = await main(
      function* () {
        root = yield* currentTask();
        root?.cancel("changed my mind");
        try {
          yield* suspend();
        } finally {
          log.push("root cleanup");
        }
      },
      { host: fake.host },
    );
    expect(log).toEqual(["root cleanup"]);
    expect(root?.state).toBe("cancelled");
    expect(result.forced).toBe(false);
  });

  it("passes the host's arguments to the body", async () => {
    const fake = createFakeHost({ argv: ["--port", "80"] });
    let seen: string[] = [];
    await main(
      function* (args) {
        seen = args;
      },
      { host: fake.host },
    );
    expect(seen).toEqual(["--port", "80"]);
  });
});

describe("main: teardown order", () => {
  it("cleans up three siblings at the same time, quiesce tasks and effection spawns alike", async () => {
    const log: string[] = [];
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(() => child(log, "a", 400), { name: "a" });
      yield* spawn(() => child(log, "b", 400));
      yield* spawnTask(() => child(log, "c", 400), { name: "c" });
      ready();
      yield* suspend();
    });
    await ready;
    const t0 = performance.now();
    fake.signal("SIGINT");
    await ended;
    const elapsed = performance.now() - t0;
    // One after another would take 1200 ms.
    expect(elapsed).toBeLessThan(1000);
    // Every cleanup started before any finished.
    expect(log.slice(0, 3).every((line) => line.includes("cleanup"))).toBe(true);
  });

  it("cleans up slow siblings at the same time when quick ones sit between them (#13)", async () => {
    const log: string[] = [];
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(() => child(log, "a", 400), { name: "a" });
      yield* spawnTask(() => child(log, "q1"), { name: "q1" });
      yield* spawn(() => child(log, "b", 400));
      yield* spawn(() => child(log, "q2"));
      yield* spawnTask(() => child(log, "c", 400), { name: "c" });
      ready();
      yield* suspend();
    });
    await ready;
    const t0 = performance.now();
    fake.signal("SIGINT");
    await ended;
    // One after another would take 1200 ms.
    expect(performance.now() - t0).toBeLessThan(1000);
    // Last spawned first; a quick one is done before the next sibling is asked.
    expect(log.slice(0, 7)).toEqual([
      "c cleanup signal",
      "q2 cleanup signal",
      "q2 done",
      "b cleanup signal",
      "q1 cleanup signal",
      "q1 done",
      "a cleanup signal",
    ]);
    expect(log.slice(7).sort()).toEqual(["a done", "b done", "c done"]);
  });

  it("releases a resource after the tasks that use it, resources last-acquired-first", async () => {
    const log: string[] = [];
    function useThing(name: string): Operation<string> {
      return resource(function* (provide) {
        try {
          yield* provide(name);
        } finally {
          log.push(`${name} released`);
        }
      });
    }
    const { fake, ended, ready } = start(function* (ready) {
      const db = yield* useThing("db");
      yield* spawnTask(() => child(log, `a uses ${db}`, 50), { name: "a" });
      const cache = yield* useThing("cache");
      yield* spawn(() => child(log, `b uses ${cache}`, 50));
      yield* spawnTask(() => child(log, `c uses ${cache}`, 20), { name: "c" });
      yield* ensure(() => {
        log.push("root ensure");
      });
      ready();
      yield* suspend();
    });
    await ready;
    fake.signal("SIGINT");
    await ended;
    // b and c are cleaned up together (c, spawned last, is asked first).
    expect(log).toEqual([
      "root ensure",
      "c uses cache cleanup signal",
      "b uses cache cleanup signal",
      "c uses cache done",
      "b uses cache done",
      "cache released",
      "a uses db cleanup signal",
      "a uses db done",
      "db released",
    ]);
  });

  it("finishes children before the parent's own teardown (ensure) runs", async () => {
    const log: string[] = [];
    const { fake, ended, ready } = start(function* (ready) {
      yield* ensure(() => {
        log.push("root ensure");
      });
      yield* spawnTask(
        function* () {
          yield* ensure(() => {
            log.push("parent ensure");
          });
          yield* spawnTask(() => child(log, "grandchild", 20), { name: "grandchild" });
          yield* suspend();
        },
        { name: "parent" },
      );
      ready();
      yield* suspend();
    });
    await ready;
    fake.signal("SIGINT");
    await ended;
    expect(log).toEqual([
      "grandchild cleanup signal",
      "grandchild done",
      "parent ensure",
      "root ensure",
    ]);
  });

  it("keeps effection's one-by-one order and no signals in a nested run()", async () => {
    const log: string[] = [];
    const fake = createFakeHost();
    await main(
      function* () {
        const before = fake.totalListeners();
        yield* sleep(0);
        const nested = run(function* () {
          yield* spawn(() => child(log, "x", 20));
          yield* spawn(() => child(log, "y", 20));
          yield* sleep(5);
        });
        yield* sleep(0);
        expect(fake.totalListeners()).toBe(before);
        yield* nested;
      },
      { host: fake.host },
    );
    // y was spawned last, so it goes first, and x only after y has finished.
    expect(log).toEqual(["y cleanup none", "y done", "x cleanup none", "x done"]);
  });
});

describe("main: second signal, grace period, watchdog", () => {
  function* stuck(log: string[]): Operation<void> {
    try {
      yield* suspend();
    } finally {
      log.push("stuck cleanup");
      yield* suspend();
    }
  }

  it("prints the report at once on a second signal and ends with the first signal's status", async () => {
    const log: string[] = [];
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(() => stuck(log), { name: "flusher" });
      ready();
      yield* suspend();
    });
    await ready;
    fake.signal("SIGINT");
    await Promise.resolve();
    expect(fake.ends).toEqual([]);
    fake.signal("SIGTERM");
    // Synchronously, in the signal's own turn: no more user code ran.
    expect(fake.ends).toEqual([{ kill: "SIGINT" }]);
    const result = await ended;
    expect(result).toMatchObject({ status: 130, signal: "SIGINT", forced: true });
    expect(fake.stderr).toContain("SIGTERM received during shutdown; tasks still alive:");
    expect(fake.stderr).toMatch(
      /T\d+ main \[running [\d.]+m?s\] cancel asked \d+ms ago: signal SIGINT/,
    );
    expect(fake.stderr).toMatch(/T\d+ flusher \[running [\d.]+m?s\]/);
    expect(fake.totalListeners()).toBe(0);
    expect(log).toEqual(["stuck cleanup"]);
  });

  it("prints the report and ends with the first signal's status when the grace period runs out", async () => {
    const log: string[] = [];
    const { fake, ended, ready } = start(
      function* (ready) {
        yield* spawnTask(() => stuck(log), { name: "flusher" });
        ready();
        yield* suspend();
      },
      { graceMs: 3000 },
    );
    await ready;
    fake.signal("SIGHUP");
    fake.advance(2999);
    expect(fake.ends).toEqual([]);
    fake.advance(1);
    expect(fake.ends).toEqual([{ kill: "SIGHUP" }]);
    expect((await ended).forced).toBe(true);
    expect(fake.stderr).toContain("grace period of 3000 ms ran out during shutdown");
    expect(fake.stderr).toContain("flusher");
    expect(fake.totalListeners()).toBe(0);
  });

  it("starts the watchdog before any cleanup runs, in case cleanup blocks the thread", async () => {
    const seen: number[] = [];
    const fake = createFakeHost();
    const { ended, ready } = start(
      function* (ready) {
        yield* spawnTask(
          function* () {
            try {
              yield* suspend();
            } finally {
              seen.push(fake.watchdogs.length);
            }
          },
          { name: "spinner" },
        );
        ready();
        yield* suspend();
      },
      {},
      fake,
    );
    await ready;
    fake.signal("SIGINT");
    await ended;
    expect(seen).toEqual([1]);
  });

  it("arms a watchdog at grace + 500 ms with the tree, keeps it fresh, and stops it at the end", async () => {
    const { fake, ended, ready } = start(
      function* (ready) {
        yield* spawnTask(() => child([], "slow", 50), { name: "slow" });
        ready();
        yield* suspend();
      },
      { graceMs: 2000 },
    );
    await ready;
    // The thread is started with main() (#11), armed only when teardown begins.
    expect(fake.watchdogs).toHaveLength(1);
    const [watchdog] = fake.watchdogs;
    expect(watchdog?.arms).toEqual([]);
    fake.signal("SIGINT");
    expect(fake.watchdogs).toHaveLength(1);
    expect(watchdog?.arms).toEqual([2500]);
    expect(watchdog?.updates[0]).toMatch(/main .*signal SIGINT.*\n.*slow/);
    fake.advance(250);
    expect(watchdog?.updates).toHaveLength(2);
    await ended;
    expect(watchdog?.stopped).toBe(true);
  });
});

describe("main: normal return", () => {
  it("exits 0 and cancels tasks still running with reason main-done", async () => {
    const log: string[] = [];
    const fake = createFakeHost();
    const result = await main(
      function* () {
        yield* spawnTask(() => child(log, "a", 10), { name: "a" });
        yield* spawn(() => child(log, "b", 10));
        yield* sleep(1);
      },
      { host: fake.host },
    );
    expect(result).toEqual({ status: 0, forced: false, failures: [] });
    expect(fake.ends).toEqual([{ exit: 0 }]);
    // The effection spawn sees the reason of the quiesce task above it, the root.
    expect(log.sort()).toEqual(["a cleanup main-done", "a done", "b cleanup main-done", "b done"]);
    expect(fake.stderr).toBe("");
  });

  /** A body that returns while its child refuses to stop; `stopping` resolves in its cleanup. */
  function returnsEarly() {
    const stopping = deferred();
    const body = function* () {
      yield* spawnTask(
        function* () {
          try {
            yield* suspend();
          } finally {
            stopping.resolve();
            yield* suspend();
          }
        },
        { name: "never-stops" },
      );
      yield* sleep(1);
    };
    return { body, stopping: stopping.promise };
  }

  it("applies the grace period to cleanup after a normal return", async () => {
    const fake = createFakeHost();
    const { body, stopping } = returnsEarly();
    const ended = main(body, { host: fake.host, graceMs: 100 });
    await stopping;
    fake.advance(100);
    expect(await ended).toMatchObject({ status: 1, forced: true });
    expect(fake.stderr).toMatch(
      /main .*cancel asked \d+ms ago: main returned.*\n.*never-stops \[running/,
    );
  });

  it("a first signal during cleanup after a normal return lets the cleanup go on; the program ends by it (review)", async () => {
    const fake = createFakeHost();
    const { body, stopping } = returnsEarly();
    let over = false;
    const ended = main(body, { host: fake.host, graceMs: 100 }).finally(() => {
      over = true;
    });
    await stopping;
    fake.signal("SIGINT");
    await Promise.resolve();
    expect(over).toBe(false);
    expect(fake.stderr).not.toContain("received during shutdown");
    fake.advance(100);
    expect(await ended).toMatchObject({ status: 130, signal: "SIGINT", forced: true });
  });

  it("a second signal during cleanup after a normal return ends at once", async () => {
    const fake = createFakeHost();
    const { body, stopping } = returnsEarly();
    const ended = main(body, { host: fake.host });
    await stopping;
    fake.signal("SIGINT");
    fake.advance(250); // past the same-signal window
    fake.signal("SIGINT");
    expect(await ended).toMatchObject({ status: 130, signal: "SIGINT", forced: true });
    expect(fake.stderr).toContain("SIGINT received during shutdown");
  });
});

describe("main: errors", () => {
  it("cancels the tree with reason error when an effection child throws, prints the error once, exits 1", async () => {
    const log: string[] = [];
    const fake = createFakeHost();
    const boom = new Error("boom");
    const result = await main(
      function* () {
        yield* spawnTask(() => child(log, "sibling", 5), { name: "sibling" });
        yield* spawn(function* () {
          yield* sleep(1);
          throw boom;
        });
        yield* suspend();
      },
      { host: fake.host },
    );
    expect(result).toEqual({ status: 1, forced: false, failures: [boom] });
    expect(log).toEqual(["sibling cleanup error", "sibling done"]);
    expect(count(fake.stderr, "Error: boom")).toBe(1);
    expect(fake.stderr).not.toContain("destroyed");
  });

  it("exits with the error's own integer exitCode from 1 to 125, else 1", async () => {
    for (const [exitCode, status] of [
      [3, 3],
      [125, 125],
      [126, 1],
      [2.5, 1],
      ["4", 1],
    ] as const) {
      const fake = createFakeHost();
      const result = await main(
        function* () {
          throw Object.assign(new Error("bad"), { exitCode });
        },
        { host: fake.host },
      );
      expect(result.status).toBe(status);
    }
  });

  it("fails the program with a task failure nobody retrieved", async () => {
    const fake = createFakeHost();
    const log: string[] = [];
    const result = await main(
      function* () {
        yield* spawnTask(() => child(log, "bystander"), { name: "bystander" });
        yield* spawnTask(
          function* () {
            yield* spawnTask(
              function* () {
                throw new Error("lost");
              },
              { name: "loser" },
            );
            yield* sleep(1);
          },
          { name: "spawner" },
        );
        yield* suspend();
      },
      { host: fake.host },
    );
    expect(result.status).toBe(1);
    expect(log[0]).toBe("bystander cleanup error");
    expect(fake.stderr).toContain('Task exception was never retrieved: task "loser"');
    expect(count(fake.stderr, "Error: lost")).toBe(1);
  });

  it.each(["uncaughtException", "unhandledRejection"] as const)(
    "treats an %s like an uncaught error in a task",
    async (kind) => {
      const log: string[] = [];
      const { fake, ended, ready } = start(function* (ready) {
        yield* spawnTask(() => child(log, "a"), { name: "a" });
        ready();
        yield* suspend();
      });
      await ready;
      fake.stray(kind, new Error("stray"));
      const result = await ended;
      expect(result.status).toBe(1);
      expect(log[0]).toBe("a cleanup error");
      expect(count(fake.stderr, "Error: stray")).toBe(1);
      expect(fake.stderr).toContain(
        kind === "uncaughtException" ? "Uncaught exception:" : "Unhandled rejection:",
      );
    },
  );

  it("reports several failures together, each once, and does not restart cleanup", async () => {
    const log: string[] = [];
    const first = new Error("first");
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(
        function* () {
          try {
            yield* suspend();
          } finally {
            log.push("cleanup");
            yield* sleep(20);
            // biome-ignore lint/correctness/noUnsafeFinally: a cleanup that fails.
            throw new Error("in cleanup");
          }
        },
        { name: "a" },
      );
      ready();
      yield* suspend();
    });
    await ready;
    fake.stray("unhandledRejection", first);
    fake.stray("unhandledRejection", first);
    fake.stray("uncaughtException", new Error("second"));
    const result = await ended;
    expect(log).toEqual(["cleanup"]);
    expect(result.status).toBe(1);
    expect(result.failures).toHaveLength(3);
    expect(fake.stderr).toContain("quiesce: 3 failures:");
    expect(count(fake.stderr, "Error: first")).toBe(1);
    expect(count(fake.stderr, "Error: second")).toBe(1);
    expect(count(fake.stderr, "Error: in cleanup")).toBe(1);
  });

  it("prints every sibling's cleanup failure, not only the one effection keeps", async () => {
    const { fake, ended, ready } = start(function* (ready) {
      for (const name of ["x", "y"]) {
        yield* spawn(function* () {
          try {
            yield* suspend();
          } finally {
            // biome-ignore lint/correctness/noUnsafeFinally: the point of the test.
            throw new Error(`cleanup ${name}`);
          }
        });
      }
      ready();
      yield* suspend();
    });
    await ready;
    fake.signal("SIGINT");
    const result = await ended;
    expect(result.failures).toHaveLength(2);
    expect(count(fake.stderr, "Error: cleanup x")).toBe(1);
    expect(count(fake.stderr, "Error: cleanup y")).toBe(1);
  });

  it("prints a failure during cleanup after a signal, and the signal's status wins", async () => {
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(
        function* () {
          try {
            yield* suspend();
          } finally {
            yield* sleep(1);
            // biome-ignore lint/correctness/noUnsafeFinally: a cleanup that fails.
            throw Object.assign(new Error("flush failed"), { exitCode: 7 });
          }
        },
        { name: "a" },
      );
      ready();
      yield* suspend();
    });
    await ready;
    fake.signal("SIGTERM");
    const result = await ended;
    expect(result).toMatchObject({ status: 143, signal: "SIGTERM" });
    expect(fake.ends).toEqual([{ kill: "SIGTERM" }]);
    expect(count(fake.stderr, "Error: flush failed")).toBe(1);
  });
});

describe("exit()", () => {
  it("ends the program from any depth with a status and a message, after cleanup", async () => {
    const log: string[] = [];
    const fake = createFakeHost();
    const result = await main(
      function* () {
        yield* spawnTask(() => child(log, "sibling", 5), { name: "sibling" });
        yield* spawnTask(
          function* () {
            yield* spawn(function* () {
              yield* sleep(1);
              yield* exit(4, "bad arguments");
              log.push("never");
            });
            yield* suspend();
          },
          { name: "deep" },
        );
        yield* suspend();
      },
      { host: fake.host },
    );
    expect(result).toEqual({ status: 4, forced: false, failures: [] });
    expect(fake.ends).toEqual([{ exit: 4 }]);
    expect(log).toEqual(["sibling cleanup shutdown", "sibling done"]);
    expect(fake.stderr).toBe("bad arguments\n");
  });

  it("prints the message of exit(0) on stdout", async () => {
    const fake = createFakeHost();
    await main(
      function* () {
        yield* exit(0, "nothing to do");
      },
      { host: fake.host },
    );
    expect(fake.stdout).toBe("nothing to do\n");
    expect(fake.ends).toEqual([{ exit: 0 }]);
  });

  it("only sets the status when called during cleanup, and a signal still wins", async () => {
    const fake = createFakeHost();
    const afterError = await main(
      function* () {
        try {
          throw new Error("x");
        } finally {
          yield* exit(9);
        }
      },
      { host: fake.host },
    );
    expect(afterError.status).toBe(9);
    const {
      fake: fake2,
      ended,
      ready,
    } = start(function* (ready) {
      try {
        ready();
        yield* suspend();
      } finally {
        yield* exit(9);
      }
    });
    await ready;
    fake2.signal("SIGINT");
    expect((await ended).status).toBe(130);
  });

  it("throws MainNotRunningError outside main, and checks its arguments at the call", async () => {
    await expect(run(() => exit(1))).rejects.toBeInstanceOf(MainNotRunningError);
    expect(() => exit(256)).toThrow("Expected `status` to be an integer from 0 to 255, got `256`");
    expect(() => exit(1, 2 as never)).toThrow(
      "Expected `message` to be a string, got `2` (number)",
    );
  });
});

describe("useShutdown()", () => {
  it("tells a daemon shutdown began and cancels the tree only once it has drained", async () => {
    const log: string[] = [];
    let root: TaskHandle<unknown> | undefined;
    const finish = withResolvers<void>();
    const { fake, ended, ready } = start(function* (ready) {
      root = yield* currentTask();
      yield* spawnTask(() => child(log, "worker"), { name: "worker" });
      yield* spawnTask(
        function* () {
          const shutdown = yield* useShutdown();
          ready();
          const why: CancelReason = yield* shutdown;
          log.push(`draining after ${why.kind} ${shutdown.requested}`);
          yield* finish.operation;
          log.push("drained");
        },
        { name: "server" },
      );
      yield* suspend();
    });
    await ready;
    fake.signal("SIGTERM");
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["draining after signal true"]);
    expect(root?.cancelReason()).toBeUndefined();
    finish.resolve();
    const result = await ended;
    expect(result).toMatchObject({ status: 143, signal: "SIGTERM" });
    expect(log).toEqual([
      "draining after signal true",
      "drained",
      "worker cleanup signal",
      "worker done",
    ]);
  });

  it("tears the rest down for the signal when a draining body returns", async () => {
    const log: string[] = [];
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(() => child(log, "writer"), { name: "writer" });
      const shutdown = yield* useShutdown();
      ready();
      yield* shutdown;
      log.push("body drained");
    });
    await ready;
    fake.signal("SIGINT");
    const result = await ended;
    expect(log).toEqual(["body drained", "writer cleanup signal", "writer done"]);
    expect(result).toMatchObject({ status: 130, forced: false });
    expect(fake.stderr).toBe("");
  });

  it("cancels the tree when the drain budget runs out", async () => {
    const log: string[] = [];
    const { fake, ended, ready } = start(
      function* (ready) {
        yield* spawnTask(
          function* () {
            const shutdown = yield* useShutdown();
            ready();
            yield* shutdown;
            try {
              yield* suspend();
            } finally {
              log.push(`interrupted: ${(yield* cancelReason())?.kind}`);
            }
          },
          { name: "server" },
        );
        yield* suspend();
      },
      { drainMs: 1000 },
    );
    await ready;
    fake.signal("SIGINT");
    fake.advance(999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual([]);
    fake.advance(1);
    await ended;
    expect(log).toEqual(["interrupted: signal"]);
  });

  it("ends at once on a second signal while draining", async () => {
    const { fake, ended, ready } = start(function* (ready) {
      const shutdown = yield* useShutdown();
      ready();
      yield* shutdown;
      yield* suspend();
    });
    await ready;
    fake.signal("SIGINT");
    // A repeat within sameSignalWindowMs would be the same Ctrl+C (contract 3).
    fake.advance(200);
    fake.signal("SIGINT");
    expect(await ended).toMatchObject({ status: 130, forced: true });
  });

  it("stops draining and cancels the tree when a failure arrives during the drain", async () => {
    const log: string[] = [];
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(() => child(log, "worker"), { name: "worker" });
      const shutdown = yield* useShutdown();
      ready();
      yield* shutdown;
      yield* suspend();
    });
    await ready;
    fake.signal("SIGTERM");
    fake.stray("unhandledRejection", new Error("while draining"));
    const result = await ended;
    expect(log).toEqual(["worker cleanup error", "worker done"]);
    expect(result).toMatchObject({ status: 143, signal: "SIGTERM", forced: false });
    expect(fake.stderr).toContain("Error: while draining");
  });

  it("ends the drain and cancels the tree when exit() is called while draining; the signal still decides the status", async () => {
    const log: string[] = [];
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(() => child(log, "worker"), { name: "worker" });
      const shutdown = yield* useShutdown();
      ready();
      yield* shutdown;
      yield* exit(3, "giving up on the drain");
      log.push("carried on after exit()");
      yield* suspend();
    });
    await ready;
    fake.signal("SIGTERM");
    const result = await ended;
    expect(log).toEqual(["worker cleanup shutdown", "worker done"]);
    expect(result).toMatchObject({ status: 143, signal: "SIGTERM", forced: false });
  });

  it("never fires outside main, so library code just runs until cancelled", async () => {
    await run(function* () {
      const shutdown = yield* useShutdown();
      expect(shutdown.requested).toBe(false);
      shutdown.drained();
      expect(shutdown.signal.aborted).toBe(false);
    });
  });
});

describe("main: options", () => {
  it("prints the task tree on an opt-in signal without disturbing the program", async () => {
    const { fake, ended, ready } = start(
      function* (ready) {
        yield* spawnTask(() => child([], "busy"), { name: "busy" });
        ready();
        yield* suspend();
      },
      { printTreeOn: "SIGUSR2" },
    );
    await ready;
    fake.signal("SIGUSR2");
    expect(fake.stderr).toMatch(/T\d+ main \[running .*\n.*T\d+ busy \[running/);
    expect(fake.ends).toEqual([]);
    fake.signal("SIGINT");
    await ended;
    expect(fake.listenerCount("SIGUSR2")).toBe(0);
  });

  it("checks its options at the call", () => {
    const host = createFakeHost().host;
    const body = function* () {};
    expect(() => main(body, { host, graceMs: -1 })).toThrow(
      "Expected `graceMs` to be a finite number ≥ 0, got `-1` (number)",
    );
    expect(() => main(body, { host, sameSignalWindowMs: Number.NaN })).toThrow(
      "Expected `sameSignalWindowMs` to be a finite number ≥ 0, got `NaN` (number)",
    );
    expect(() => main(body, { host, signals: ["SIGKILL"] })).toThrow(
      "Expected `signals` to be a catchable signal name other than SIGQUIT",
    );
    expect(() => main(body, { host, exitCode: "exit" as never })).toThrow(
      'Expected `exitCode` to be "reraise" or "status"',
    );
    expect(() => main(body, { host, printTreeOn: "SIGINT" })).toThrow(
      "Expected `printTreeOn` to be a signal not in `signals`",
    );
    expect(() => main(42 as never, { host })).toThrow(
      "Expected `body` to be an operation or a function returning one, got `42` (number)",
    );
  });

  it("resolves with how it ended", async () => {
    const fake = createFakeHost();
    const result: MainExit = await main(function* () {}, { host: fake.host, name: "tool" });
    expect(result).toEqual({ status: 0, forced: false, failures: [] });
  });
});

describe("main: in the field (#11)", () => {
  const epipe = () => Object.assign(new Error("write EPIPE"), { code: "EPIPE" });

  /** A child whose cleanup waits for `gate`, so that a test decides when it ends. */
  function* gated(log: string[], gate: Promise<void>): Operation<void> {
    try {
      yield* suspend();
    } finally {
      log.push(`cleanup ${(yield* cancelReason())?.kind}`);
      yield* until(gate);
      log.push("done");
    }
  }

  it("starts the watchdog thread with main(), with the signals it owns and the window", async () => {
    const { fake, ended, ready } = start(
      function* (ready) {
        ready();
        yield* suspend();
      },
      { graceMs: 3000, sameSignalWindowMs: 50 },
    );
    await ready;
    expect(fake.watchdogs).toHaveLength(1);
    expect(fake.watchdogs[0]?.options).toMatchObject({
      signals: ["SIGINT", "SIGTERM", "SIGHUP"],
      graceMs: 3000,
      sameSignalWindowMs: 50,
    });
    expect(fake.watchdogs[0]?.options.describe?.()).toMatch(/T\d+ main \[running/);
    fake.signal("SIGINT");
    await ended;
    expect(fake.watchdogs[0]?.took).toEqual(["SIGINT"]);
  });

  it("takes a repeat of the same signal within sameSignalWindowMs as the same event", async () => {
    const log: string[] = [];
    const gate = deferred();
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(() => gated(log, gate.promise), { name: "writer" });
      ready();
      yield* suspend();
    });
    await ready;
    fake.signal("SIGINT");
    fake.advance(199);
    fake.signal("SIGINT"); // node --watch forwarding the terminal's Ctrl+C
    expect(fake.ends).toEqual([]);
    gate.resolve();
    expect(await ended).toMatchObject({ status: 130, signal: "SIGINT", forced: false });
    expect(log).toEqual(["cleanup signal", "done"]);
    expect(fake.stderr).toBe("");
    expect(fake.watchdogs[0]?.took).toEqual(["SIGINT", "SIGINT"]);
  });

  it("escalates on the same signal once the window has passed, or on another signal at once", async () => {
    for (const [second, wait] of [
      ["SIGINT", 200],
      ["SIGTERM", 0],
    ] as const) {
      const { fake, ended, ready } = start(function* (ready) {
        yield* spawnTask(() => gated([], new Promise(() => {})), { name: "stuck" });
        ready();
        yield* suspend();
      });
      await ready;
      fake.signal("SIGINT");
      fake.advance(wait);
      fake.signal(second);
      expect(await ended).toMatchObject({ status: 130, signal: "SIGINT", forced: true });
      // After the terminal echoed ^C, the report starts on a line of its own.
      expect(fake.stderr).toMatch(new RegExp(`^\\nquiesce: ${second} received during shutdown`));
    }
  });

  it("counts the grace period from when the watchdog thread saw a signal the blocked main thread took late", async () => {
    const { fake, ended, ready } = start(
      function* (ready) {
        yield* spawnTask(() => gated([], new Promise(() => {})), { name: "stuck" });
        ready();
        yield* suspend();
      },
      { graceMs: 5000 },
    );
    await ready;
    fake.watchdogSawSignal(3000);
    fake.signal("SIGTERM");
    expect(fake.watchdogs[0]?.arms).toEqual([2500]);
    fake.advance(1999);
    expect(fake.ends).toEqual([]);
    fake.advance(1);
    expect(await ended).toMatchObject({ status: 143, forced: true });
  });

  it("on EPIPE on stdout cancels the tree, runs cleanup and exits 141 with no report", async () => {
    const log: string[] = [];
    const gate = deferred();
    const { fake, ended, ready } = start(function* (ready) {
      yield* spawnTask(() => gated(log, gate.promise), { name: "writer" });
      ready();
      yield* suspend();
    });
    await ready;
    fake.outputError("stdout", epipe());
    // Later writes to the closed stream fail too: the same event.
    fake.outputError(
      "stdout",
      Object.assign(new Error("destroyed"), { code: "ERR_STREAM_DESTROYED" }),
    );
    gate.resolve();
    expect(await ended).toEqual({ status: 141, forced: false, failures: [] });
    expect(log).toEqual(["cleanup shutdown", "done"]);
    expect(fake.stderr).toBe("");
    expect(fake.ends).toEqual([{ exit: 141 }]);
  });

  it("lets a signal, an exit() or an earlier failure decide the status over a later EPIPE", async () => {
    const { fake, ended, ready } = start(function* (ready) {
      ready();
      yield* suspend();
    });
    await ready;
    fake.signal("SIGTERM");
    fake.outputError("stderr", epipe());
    expect(await ended).toMatchObject({ status: 143, signal: "SIGTERM", failures: [] });
    const failed = start(function* (ready) {
      ready();
      yield* suspend();
    });
    await failed.ready;
    failed.fake.stray("unhandledRejection", new Error("first"));
    failed.fake.outputError("stdout", epipe());
    expect((await failed.ended).status).toBe(1);
  });

  it("treats an error on stdout that is not EPIPE as a failure", async () => {
    const { fake, ended, ready } = start(function* (ready) {
      ready();
      yield* suspend();
    });
    await ready;
    fake.outputError("stdout", new Error("disk full"));
    expect((await ended).status).toBe(1);
    expect(fake.stderr).toContain("Error on stdout:\nError: disk full");
  });

  it("names effection's own spawns and resources in the report, with where they were created", async () => {
    const { fake, ended, ready } = start(function* (ready) {
      yield* resource<void>(function* (provide) {
        try {
          yield* provide();
        } finally {
          yield* suspend();
        }
      });
      yield* spawnTask(() => gated([], new Promise(() => {})), { name: "quiesce-task" });
      yield* spawn(function* () {
        yield* spawnTask(() => gated([], new Promise(() => {})), { name: "nested" });
        yield* suspend();
      });
      ready();
      yield* suspend();
    });
    await ready;
    fake.signal("SIGINT");
    await new Promise((resolve) => setImmediate(resolve));
    fake.signal("SIGTERM");
    await ended;
    const report = fake.stderr;
    expect(report).toMatch(
      /└── T\d+ main \[running [\d.]+m?s\] cancel asked \d+ms ago: signal SIGINT/,
    );
    expect(report).toMatch(
      / {4}├── resource \[running [\d.]+m?s\] \(created at .*main\.test\.ts:\d+:\d+\)/,
    );
    expect(report).toMatch(/ {4}├── T\d+ quiesce-task \[running/);
    expect(report).toMatch(
      / {4}└── spawn \[running [\d.]+m?s\] \(created at .*main\.test\.ts:\d+:\d+\)/,
    );
    expect(report).toMatch(/ {8}└── T\d+ nested \[running/);
  });
});

describe("main: a cancelled task awaited by the body (#10)", () => {
  it("ends as a cancel, not a failure, when the body awaits a task that was cancelled", async () => {
    const fake = createFakeHost();
    const result = await main(
      function* () {
        const victim = yield* spawnTask(suspend, { name: "victim" });
        yield* sleep(1);
        victim.cancel("not needed");
        yield* victim;
      },
      { host: fake.host },
    );
    expect(result).toEqual({ status: 0, forced: false, failures: [] });
    expect(fake.stderr).toBe("");
  });

  it("ends as a cancel when an effection child lets a CancelledError escape", async () => {
    const fake = createFakeHost();
    const log: string[] = [];
    const result = await main(
      function* () {
        yield* spawnTask(() => child(log, "bystander"), { name: "bystander" });
        const victim = yield* spawnTask(suspend, { name: "victim" });
        yield* spawn(function* () {
          yield* victim;
        });
        yield* sleep(1);
        victim.cancel("not needed");
        yield* suspend();
      },
      { host: fake.host },
    );
    expect(result).toEqual({ status: 0, forced: false, failures: [] });
    expect(log).toEqual(["bystander cleanup explicit", "bystander done"]);
    expect(fake.stderr).toBe("");
  });
});
