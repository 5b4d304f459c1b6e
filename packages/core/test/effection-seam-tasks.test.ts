import { readFileSync } from "node:fs";
import {
  createScope,
  type Effect,
  type Operation,
  run,
  type Scope,
  sleep,
  spawn,
  suspend,
  useScope,
  withResolvers,
} from "effection";
import { describe, expect, it } from "vitest";
import {
  addDestructor,
  CURRENT_SCOPE,
  haltChildTasks,
  isTornDown,
  NO_STEPS,
  runInOwnScope,
  takeChildFailures,
  whenDestroyed,
} from "../src/effection-seam-internal.ts";

// Guards for the three places where quiesce tasks reach past effection's public
// API (src/effection-seam-internal.ts). If an effection release moves what
// one of them relies on, these fail, and so does quiesce at run time: loudly,
// never by falling back to something else.

function* enter<T>(effect: Effect<unknown>): Operation<T> {
  return (yield effect) as T;
}

describe("effection's inside, as quiesce tasks use it", () => {
  it("effection is a 4.x release from 4.1 on", () => {
    const url = new URL("../node_modules/effection/package.json", import.meta.url);
    const { version } = JSON.parse(readFileSync(url, "utf8")) as { version: string };
    expect(version).toMatch(/^4\.([1-9]|\d{2,})\.\d+/);
  });

  it("an effect is entered with the scope of the coroutine entering it, the one useScope() gives", async () => {
    await run(function* () {
      const task = yield* spawn(function* () {
        const entered = yield* enter<Scope>(CURRENT_SCOPE);
        return { entered, own: yield* useScope() };
      });
      const { entered, own } = yield* task;
      expect(entered).toBe(own);
    });
  });

  it("a task's scope has an error boundary of its own, and a failing child calls the one put there instead", async () => {
    const raised: unknown[] = [];
    const boom = new Error("child failed");
    await run(function* () {
      const failed = withResolvers<void>();
      const parent = yield* spawn(function* () {
        takeChildFailures(yield* useScope(), (error) => {
          raised.push(error);
          failed.resolve();
        });
        yield* spawn(function* () {
          throw boom;
        });
        yield* suspend();
      });
      yield* failed.operation;
      // Effection's own boundary was not told: nothing failed here, the parent runs on.
      yield* parent.halt();
    });
    expect(raised).toEqual([boom]);
  });

  it("a task's scope has a task group: its children are halted through it, last spawned first", async () => {
    const log: string[] = [];
    await run(function* () {
      const task = yield* spawn(function* () {
        const scope = yield* useScope();
        const ready = withResolvers<void>();
        let started = 0;
        for (const name of ["a", "b", "c"]) {
          yield* spawn(function* () {
            try {
              if (++started === 3) ready.resolve();
              yield* suspend();
            } finally {
              log.push(name);
            }
          });
        }
        yield* ready.operation;
        yield* haltChildTasks(scope);
        log.push("all halted");
        yield* haltChildTasks(scope);
      });
      yield* task;
    });
    expect(log).toEqual(["c", "b", "a", "all halted"]);
  });

  it("a scope's destructors run when it is torn down, after the tasks spawned in it since (#13)", async () => {
    const log: string[] = [];
    const sleeper = (name: string) =>
      function* () {
        try {
          yield* suspend();
        } finally {
          log.push(name);
        }
      };
    // A task's scope: its tasks are halted first, then the destructors run.
    await run(function* () {
      const scope = yield* useScope();
      yield* spawn(sleeper("earlier task"));
      whenDestroyed(scope, () => log.push("hook"));
      whenDestroyed(scope, () => log.push("cancelled hook"))();
      yield* spawn(sleeper("later task"));
      yield* sleep(0);
    });
    expect(log).toEqual(["later task", "earlier task", "hook"]);
    // A bare scope: its destructors (each task's halt among them) run last-added first.
    log.length = 0;
    const [scope, destroy] = createScope();
    scope.run(sleeper("earlier task"));
    whenDestroyed(scope, () => log.push("hook"));
    scope.run(sleeper("later task"));
    await scope.run(() => sleep(0));
    await destroy();
    expect(log).toEqual(["later task", "hook", "earlier task"]);
  });

  it("a new task's scope is added to its parent's child scopes as it is created, and taken out as its teardown begins, before its destructors run (#13)", async () => {
    const log: string[] = [];
    /** Learns the task's scope, and adds a destructor that says whether its teardown had begun. */
    const taker = (name: string, parent: () => Scope) => ({
      scope: undefined as Scope | undefined,
      scopeCreated(scope: Scope) {
        this.scope = scope;
        log.push(`${name} scope created`);
        addDestructor(scope, () => {
          log.push(`${name} ended, torn down: ${isTornDown(scope, parent())}`);
          return NO_STEPS;
        });
      },
    });
    await run(function* () {
      const scope = yield* useScope();
      const first = taker("task", () => scope);
      const task = runInOwnScope(
        scope,
        function* () {
          const own = yield* useScope();
          log.push(`runs in its own scope: ${own === first.scope}`);
          log.push(`torn down: ${isTornDown(own, scope)}`);
          whenDestroyed(own, () => log.push("destructor"));
          yield* spawn(function* () {
            try {
              yield* suspend();
            } finally {
              log.push("child halted");
            }
          });
          yield* sleep(0);
          log.push("body returned");
        },
        first,
      );
      log.push("run returned");
      yield* task;
      log.push("awaited");
      // Halted before its first step: it ends with its spawner's scope.
      runInOwnScope(
        scope,
        function* () {
          log.push("never runs");
        },
        taker("never ran", () => scope),
      ).halt();
    });
    expect(log).toEqual([
      "task scope created",
      "run returned",
      "runs in its own scope: true",
      "torn down: false",
      "body returned",
      "child halted",
      "destructor",
      "task ended, torn down: true",
      "awaited",
      "never ran scope created",
      "never ran ended, torn down: true",
    ]);
    // A task that runs to its end inside `scope.run` (no effection step under way).
    log.length = 0;
    const [scope, destroy] = createScope();
    runInOwnScope(
      scope,
      function* () {
        log.push("ran");
      },
      taker("sync", () => scope),
    );
    expect(log).toEqual(["sync scope created", "ran", "sync ended, torn down: true"]);
    await destroy();
  });

  it("each reach throws, never falls back, where effection does not provide what it needs", async () => {
    const [bare] = createScope();
    expect(() => takeChildFailures(bare, () => {})).toThrow(
      /^quiesce: effection no longer keeps an error boundary on each task's scope/,
    );
    await expect(run(() => haltChildTasks(bare))).rejects.toThrow(
      /quiesce: effection no longer keeps a task group on each task's scope/,
    );
    expect(() => whenDestroyed({} as Scope, () => {})).toThrow(
      /^quiesce: effection no longer keeps destructors on each scope/,
    );
    const childless = { get: () => undefined, hasOwn: () => false } as unknown as Scope;
    const ignore = { scopeCreated() {} };
    expect(() => runInOwnScope(childless, suspend, ignore)).toThrow(
      /^quiesce: effection no longer keeps each scope's child scopes in a set of its own/,
    );
    const unlisted = {
      get: () => new Set(),
      hasOwn: () => true,
      set: () => {},
      run: () => ({}),
    } as unknown as Scope;
    expect(() => runInOwnScope(unlisted, suspend, ignore)).toThrow(
      /^quiesce: effection no longer adds a new task's scope to its parent's child scopes/,
    );
    expect(() => CURRENT_SCOPE.enter(() => {}, {} as never)).toThrow(
      /quiesce: effection no longer gives an effect the scope of the coroutine that enters it/,
    );
  });
});
