import {
  createContext,
  createScope,
  type Operation,
  resource,
  run,
  type Scope,
  sleep,
  spawn,
  suspend,
  useScope,
} from "effection";
import { describe, expect, it } from "vitest";
import { observeScopes, type ScopeObserver, unsupported } from "../src/effection-seam-internal.ts";

// Each test guards one reach of effection-seam-internal.ts past effection's
// public API (contract 30). If an effection release changes what a reach relies
// on, the test named after it fails, with what changed in its message.

/** An observer that records what it is told, by kind. */
function recorder(overrides: Partial<ScopeObserver> = {}) {
  const log: string[] = [];
  const tasks = new Set<Scope>();
  const observer: ScopeObserver = {
    scopeCreated() {},
    taskStarted(scope) {
      tasks.add(scope);
      log.push("task");
    },
    resourceMarked() {
      log.push("resource");
    },
    taskEnded(scope) {
      if (tasks.delete(scope)) log.push("ended");
    },
    contextSet(_scope, name) {
      if (name === "test/marker") log.push("marker");
    },
    extraFailure: (error) => log.push(`extra ${String(error)}`),
    ...overrides,
  };
  return { log, tasks, observer };
}

/** Runs `op` in a fresh scope observed by the seam; destroys the scope after. */
async function observed<T>(observer: ScopeObserver, op: () => Operation<T>): Promise<T> {
  const [scope, destroy] = createScope();
  observeScopes(scope, observer);
  try {
    return await scope.run(op);
  } finally {
    await destroy();
  }
}

function* child(log: string[], name: string, ms: number): Operation<void> {
  try {
    yield* suspend();
  } finally {
    log.push(`${name} stops`);
    yield* sleep(ms);
    log.push(`${name} stopped`);
  }
}

describe("the seam to effection (effection-seam-internal.ts)", () => {
  it("api.Scope middleware on a scope sees the tasks created below it, and nothing outside it", async () => {
    const { log, tasks, observer } = recorder();
    await observed(observer, function* () {
      const task = yield* spawn(function* () {
        yield* sleep(1);
      });
      yield* task;
      // A nested run() lives in effection's global scope: not observed.
      yield* run(function* () {
        yield* spawn(suspend);
      });
    });
    // The observed scope's own task, the spawn: both seen, both ended.
    expect(log).toEqual(["task", "task", "ended", "ended"]);
    expect(tasks.size).toBe(0);
    await run(function* () {
      yield* spawn(suspend);
    });
    expect(log).toHaveLength(4);
  });

  it('"@effection/task-group": siblings below the scope are halted together, last first', async () => {
    const { observer } = recorder();
    const log: string[] = [];
    await observed(observer, function* () {
      for (const name of ["a", "b", "c"]) yield* spawn(() => child(log, name, 20));
      yield* sleep(1);
    });
    expect(log).toEqual(["c stops", "b stops", "a stops", "c stopped", "b stopped", "a stopped"]);
  });

  it('"@effection/scope.generation": a resource is marked, and released after the tasks that use it', async () => {
    const { log: seen, observer } = recorder();
    const log: string[] = [];
    await observed(observer, function* () {
      yield* resource<void>(function* (provide) {
        try {
          yield* provide();
        } finally {
          log.push("resource released");
        }
      });
      yield* spawn(() => child(log, "user", 20));
      yield* sleep(1);
    });
    expect(seen.slice(0, 3)).toEqual(["task", "task", "resource"]);
    expect(log).toEqual(["user stops", "user stopped", "resource released"]);
  });

  it("the root check passes for a task's body and fails loudly outside the seam", async () => {
    const { observer } = recorder();
    const [scope, destroy] = createScope();
    const check = observeScopes(scope, observer);
    await scope.run(function* () {
      check(yield* useScope());
    });
    await destroy();
    await run(function* () {
      const outside = yield* useScope();
      expect(() => check(outside)).toThrow(/^quiesce: effection no longer /);
    });
    expect(unsupported("does X").message).toContain("effection-seam-internal.ts");
  });

  it("quiesce's own contexts set below the scope are reported", async () => {
    const { log, observer } = recorder();
    const Marker = createContext<number>("test/marker", 0);
    await observed(observer, function* () {
      yield* Marker.set(1);
    });
    expect(log).toContain("marker");
  });
});
