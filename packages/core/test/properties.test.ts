import { ensure, type Operation, run, sleep, spawn, suspend } from "effection";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  allTasks,
  CancelledError,
  gather,
  ReporterContext,
  spawnTask,
  type TaskHandle,
  wait,
} from "../src/index.ts";

/** A random task: what its body does, its cleanup, and its children. */
interface Spec {
  delay: number;
  outcome: "return" | "throw" | "suspend";
  asyncCleanup: boolean;
  rawChild: boolean;
  children: Spec[];
}

/** Random trees up to `depth` levels below the root, up to three children each. */
function specAt(depth: number): fc.Arbitrary<Spec> {
  return fc.record({
    delay: fc.integer({ min: 0, max: 3 }),
    outcome: fc.constantFrom("return", "throw", "suspend"),
    asyncCleanup: fc.boolean(),
    rawChild: fc.boolean(),
    children: depth === 0 ? fc.constant([]) : fc.array(specAt(depth - 1), { maxLength: 3 }),
  });
}
const spec = specAt(3);

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

describe("cancellation properties", () => {
  it("every cleanup runs exactly once, states end consistent, gather matches the states, nothing leaks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(spec, { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ target: fc.nat(30), afterMs: fc.integer({ min: 0, max: 6 }) }), {
          maxLength: 4,
        }),
        fc.boolean(),
        async (roots, cancels, endEarly) => {
          const started = new Map<number, number>();
          const cleanups = new Map<number, number>();
          const tasks: { handle: TaskHandle<unknown>; spec: Spec }[] = [];
          let nextKey = 0;

          function* start(s: Spec): Operation<TaskHandle<unknown>> {
            const key = nextKey++;
            const handle = yield* spawnTask(function* () {
              started.set(key, (started.get(key) ?? 0) + 1);
              yield* ensure(function* () {
                if (s.asyncCleanup) yield* sleep(1);
                cleanups.set(key, (cleanups.get(key) ?? 0) + 1);
              });
              if (s.rawChild) yield* spawn(suspend);
              for (const child of s.children) yield* start(child);
              yield* sleep(s.delay);
              if (s.outcome === "throw") throw new Error(`fail ${key}`);
              if (s.outcome === "suspend") yield* suspend();
              return key;
            });
            tasks.push({ handle, spec: s });
            return handle;
          }

          await run(function* () {
            yield* ReporterContext.set(() => {});
            const top: TaskHandle<unknown>[] = [];
            for (const root of roots) top.push(yield* start(root));
            for (const { target, afterMs } of cancels) {
              yield* spawn(function* () {
                yield* sleep(afterMs);
                tasks[target % tasks.length]?.handle.cancel({
                  kind: "explicit",
                  message: "random",
                });
              });
            }
            if (endEarly) {
              // Leave the rest to the scope: everything still running is cancelled.
              yield* wait(top, { timeout: 4 });
              return;
            }
            // Suspended tasks never finish on their own: give them a deadline.
            yield* spawn(function* () {
              yield* sleep(8);
              for (const t of top) t.cancel({ kind: "timeout", ms: 8 });
            });
            const results = yield* gather(top, { returnExceptions: true });
            results.forEach((result, i) => {
              const handle = top[i] as TaskHandle<unknown>;
              if (handle.state === "done") expect(result).toBe(handle.result());
              else if (handle.state === "cancelled") expect(result).toBeInstanceOf(CancelledError);
              else expect(result).toBe(handle.error());
            });
          });

          for (const { handle, spec: s } of tasks) {
            expect(handle.settled).toBe(true);
            if (handle.state === "done") expect(s.outcome).toBe("return");
            if (handle.state === "failed") {
              expect(s.outcome).toBe("throw");
              expect((handle.error() as Error).message).toMatch(/^fail \d+$/);
            }
            if (handle.state === "cancelled") expect(handle.cancelReason()).toBeDefined();
            // Model: a task nobody cancelled ends as its body says.
            if (handle.cancelReason() === undefined) {
              expect(handle.state).toBe(s.outcome === "return" ? "done" : "failed");
            }
          }
          for (const [key, count] of started) {
            expect(count).toBe(1);
            expect(cleanups.get(key)).toBe(1);
          }
          for (const key of cleanups.keys()) expect(started.has(key)).toBe(true);
          expect(allTasks()).toEqual([]);
          expect(unhandled).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("wait's done and pending split matches every task's state (model)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 8 }), fails: fc.boolean() }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.constantFrom("FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"),
        async (jobs, returnWhen) => {
          await run(function* () {
            yield* ReporterContext.set(() => {});
            const tasks = [];
            for (const job of jobs) {
              tasks.push(
                yield* spawnTask(function* () {
                  yield* sleep(job.ms);
                  if (job.fails) throw new Error("x");
                  return job.ms;
                }),
              );
            }
            const { done, pending } = yield* wait(tasks, { returnWhen });
            expect(done.length + pending.length).toBe(tasks.length);
            for (const t of done) expect(t.settled).toBe(true);
            for (const t of pending) expect(t.settled).toBe(false);
            if (returnWhen === "ALL_COMPLETED") expect(pending).toHaveLength(0);
            if (returnWhen === "FIRST_COMPLETED") expect(done.length).toBeGreaterThan(0);
            if (returnWhen === "FIRST_EXCEPTION" && pending.length > 0) {
              expect(done.some((t) => t.state === "failed")).toBe(true);
            }
            for (const t of pending) t.cancel();
            for (const t of tasks) if (t.settled) t.error();
          });
          expect(allTasks()).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
