import { execFileSync } from "node:child_process";
import { getEventListeners } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type AsyncScope,
  CancelledError,
  createAsyncScope,
  ScopeClosedError,
} from "../src/index.ts";
import { aborted, deferred } from "./helpers.ts";

/** Collects the unhandled rejections of the current turn and a few after it. */
async function unhandledDuring(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on("unhandledRejection", listener);
  try {
    await run();
    // Node reports unhandled rejections once the microtask queue is empty.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("unhandledRejection", listener);
  }
  return seen;
}

describe("createAsyncScope: tasks", () => {
  it("starts a task at once with the scope's signal and resolves with its value", async () => {
    const scope = createAsyncScope();
    let started = false;
    const result = scope.spawn(async (signal) => {
      started = true;
      expect(signal).toBe(scope.signal);
      return 42;
    });
    expect(started).toBe(true);
    expect(await result).toBe(42);
    await scope[Symbol.asyncDispose]();
  });

  it("on dispose aborts the signal, awaits every task, then runs cleanups last registered first", async () => {
    const log: string[] = [];
    const scope = createAsyncScope({ name: "jobs" });
    scope.defer(() => log.push("cleanup 1"));
    const slow = deferred();
    const task = scope.spawn(async (signal) => {
      await aborted(signal);
      log.push("task told");
      await slow.promise;
      log.push("task done");
    });
    scope.defer(async () => {
      log.push("cleanup 2");
    });
    const disposed = scope[Symbol.asyncDispose]();
    expect(scope.signal.aborted).toBe(true);
    const reason = scope.signal.reason;
    expect(reason).toBeInstanceOf(CancelledError);
    expect(reason.reason).toEqual({ kind: "scope-exit" });
    expect(reason.taskName).toBe("jobs");
    await Promise.resolve();
    slow.resolve();
    await disposed;
    await task;
    expect(log).toEqual(["task told", "task done", "cleanup 2", "cleanup 1"]);
  });

  it("tells every task at once, so their cleanups overlap instead of running one by one", async () => {
    const scope = createAsyncScope();
    const told: number[] = [];
    const allTold = deferred();
    for (const i of [1, 2, 3]) {
      void scope.spawn(async (signal) => {
        await aborted(signal);
        told.push(i);
        if (told.length === 3) allTold.resolve();
        // Each cleanup waits for the others to have started: one by one would hang.
        await allTold.promise;
      });
    }
    await scope[Symbol.asyncDispose]();
    expect(told.sort()).toEqual([1, 2, 3]);
  });

  it("cancel(reason): the first reason wins and the signal gives back the exact value", async () => {
    const scope = createAsyncScope({ name: "work" });
    const value = { why: "reload" };
    const first = scope.cancel(value);
    const second = scope.cancel("later");
    await Promise.all([first, second]);
    const error = scope.signal.reason as CancelledError;
    expect(error.reason).toEqual({ kind: "explicit", value });
    expect(error.value).toBe(value);
    expect(error.message).toBe('task "work" was cancelled (cancelled: {"why":"reload"})');
  });

  it("never starts a task spawned after the cancel; its promise rejects with the signal's reason", async () => {
    const scope = createAsyncScope();
    await scope.cancel("stop");
    let ran = false;
    const unhandled = await unhandledDuring(async () => {
      const late = scope.spawn(() => {
        ran = true;
      });
      await expect(late).rejects.toBe(scope.signal.reason);
    });
    expect(ran).toBe(false);
    expect(unhandled).toEqual([]);
  });

  it("a task that ends by the cancel rejects, but is not an unhandled rejection", async () => {
    const unhandled = await unhandledDuring(async () => {
      const scope = createAsyncScope();
      const task = scope.spawn(async (signal) => {
        await aborted(signal);
        throw signal.reason;
      });
      const timer = scope.spawn((signal) =>
        import("node:timers/promises").then((t) => t.setTimeout(60_000, undefined, { signal })),
      );
      await scope[Symbol.asyncDispose]();
      await expect(task).rejects.toBeInstanceOf(CancelledError);
      await expect(timer).rejects.toMatchObject({ name: "AbortError" });
    });
    expect(unhandled).toEqual([]);
  });

  it("a failing task rejects its own promise and leaves the scope and its siblings running", async () => {
    const scope = createAsyncScope();
    const sibling = scope.spawn((signal) => aborted(signal).then(() => "stopped"));
    await expect(
      scope.spawn(() => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(scope.signal.aborted).toBe(false);
    await scope[Symbol.asyncDispose]();
    expect(await sibling).toBe("stopped");
  });
});

describe("createAsyncScope: cleanups", () => {
  it("rejects dispose with a cleanup's failure after running the other cleanups", async () => {
    const scope = createAsyncScope();
    const log: string[] = [];
    scope.defer(() => log.push("first"));
    scope.defer(() => {
      throw new Error("flush failed");
    });
    await expect(scope[Symbol.asyncDispose]()).rejects.toThrow("flush failed");
    expect(log).toEqual(["first"]);
  });

  it("rejects with an AggregateError that names each failure when several cleanups fail", async () => {
    const scope = createAsyncScope({ name: "io" });
    scope.defer(() => Promise.reject(new TypeError("a")));
    scope.defer(() => {
      throw new RangeError("b");
    });
    const error = await scope.cancel().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(["b", "a"]);
    expect((error as Error).message).toBe(
      '2 cleanups of scope "io" failed: RangeError: b; TypeError: a',
    );
  });

  it("use() registers a resource's asyncDispose or dispose and returns the resource", async () => {
    const scope = createAsyncScope();
    const log: string[] = [];
    const sync = { [Symbol.dispose]: () => void log.push("sync") };
    const async = {
      [Symbol.asyncDispose]: async () => {
        log.push("async");
      },
    };
    expect(scope.use(sync)).toBe(sync);
    expect(scope.use(async)).toBe(async);
    expect(scope.use(null)).toBeNull();
    await scope[Symbol.asyncDispose]();
    expect(log).toEqual(["async", "sync"]);
  });

  it("throws ScopeClosedError for defer() and use() once the cleanups have run", async () => {
    const scope = createAsyncScope({ name: "done" });
    await scope[Symbol.asyncDispose]();
    expect(() => scope.defer(() => {})).toThrow(ScopeClosedError);
    try {
      scope.use({ [Symbol.dispose]() {} });
    } catch (error) {
      expect(error).toMatchObject({ name: "ScopeClosedError", scope: "done", operation: "use" });
    }
  });

  it("runs a cleanup registered by another cleanup, after it", async () => {
    const scope = createAsyncScope();
    const log: string[] = [];
    scope.defer(() => log.push("outer"));
    scope.defer(() => {
      log.push("inner");
      scope.defer(() => log.push("added late"));
    });
    await scope[Symbol.asyncDispose]();
    expect(log).toEqual(["inner", "added late", "outer"]);
  });
});

describe("createAsyncScope: a parent signal", () => {
  it("is cancelled with the parent's CancelledError as it is, and stops listening when it ends", async () => {
    const parent = new AbortController();
    const scope = createAsyncScope({ signal: parent.signal });
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(1);
    const reason = new CancelledError({ kind: "signal", signal: "SIGINT" }, "main");
    parent.abort(reason);
    expect(scope.signal.reason).toBe(reason);
    await scope[Symbol.asyncDispose]();
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(0);
  });

  it("wraps any other abort reason as an explicit cancel that keeps the value", async () => {
    const parent = new AbortController();
    parent.abort("shutting down");
    const scope = createAsyncScope({ name: "child", signal: parent.signal });
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toMatchObject({
      name: "CancelledError",
      reason: { kind: "explicit", message: "shutting down" },
      value: "shutting down",
    });
    await scope[Symbol.asyncDispose]();
  });

  it("never aborts the parent when it ends, and removes its listener", async () => {
    const parent = new AbortController();
    {
      await using scope = createAsyncScope({ signal: parent.signal });
      void scope.spawn(() => "x");
    }
    expect(parent.signal.aborted).toBe(false);
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(0);
  });
});

describe("createAsyncScope: await using", () => {
  it("closes the scope at the end of the block, on a throw too", async () => {
    const log: string[] = [];
    const run = async (fail: boolean) => {
      await using scope = createAsyncScope();
      scope.defer(() => log.push(`closed ${fail}`));
      void scope.spawn((signal) => aborted(signal).then(() => log.push(`stopped ${fail}`)));
      if (fail) throw new Error("inside");
    };
    await run(false);
    await expect(run(true)).rejects.toThrow("inside");
    expect(log).toEqual(["stopped false", "closed false", "stopped true", "closed true"]);
  });

  it("works as TypeScript downlevels it for target ES2023 (Node 20 has no native `await using`)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quiesce-await-using-"));
    try {
      writeFileSync(
        join(dir, "program.mts"),
        [
          "interface Scope extends AsyncDisposable { defer(cleanup: () => unknown): void }",
          "export async function program(create: () => Scope, log: string[]) {",
          "  await using scope = create();",
          '  scope.defer(() => log.push("cleanup"));',
          '  log.push("body");',
          "}",
        ].join("\n"),
      );
      const tsc = fileURLToPath(new URL("../../../node_modules/.bin/tsc", import.meta.url));
      execFileSync(
        tsc,
        [
          ...["--target", "ES2023", "--module", "NodeNext", "--lib", "ES2023,ESNext.Disposable"],
          ...["--types", "", "program.mts"],
        ],
        { cwd: dir },
      );
      const emitted = readFileSync(join(dir, "program.mjs"), "utf8");
      expect(emitted).toContain("__addDisposableResource");
      expect(emitted).not.toContain("await using");
      const { program } = (await import(pathToFileURL(join(dir, "program.mjs")).href)) as {
        program: (create: () => AsyncScope, log: string[]) => Promise<void>;
      };
      const log: string[] = [];
      await program(() => createAsyncScope(), log);
      expect(log).toEqual(["body", "cleanup"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("createAsyncScope: argument checks", () => {
  it("checks its arguments at the call", () => {
    expect(() => createAsyncScope({ name: "" })).toThrow(
      'Expected `name` to be a non-empty string, got `""` (string)',
    );
    expect(() => createAsyncScope({ signal: {} as AbortSignal })).toThrow(
      "Expected `signal` to be an AbortSignal, got `{}` (object)",
    );
    const scope = createAsyncScope();
    expect(() => scope.spawn(5 as never)).toThrow(
      "Expected `fn` to be a function, got `5` (number)",
    );
    expect(() => scope.defer("x" as never)).toThrow(
      'Expected `cleanup` to be a function, got `"x"` (string)',
    );
    expect(() => scope.use({} as never)).toThrow(
      "Expected `resource` to be an AsyncDisposable or a Disposable, got `{}` (object)",
    );
    expect(() => scope.cancel({ kind: "nope" })).toThrow(TypeError);
  });
});
