/**
 * The task rows' Effect 4 reference columns (npm `effect`): a task is a fiber made
 * with `Effect.forkChild` (Effect 3's `Effect.fork`), cancelled with
 * `Fiber.interrupt`; each measure runs one `Effect.runPromise` / `runFork`, as the
 * effection programs run one `run()`.
 */
// Submodules, not the "effect" barrel: it loads every module (seconds, under load).
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import type { Contender, Metrics } from "../lib/contender.ts";
import { bytesPerTask } from "./heap-meter.ts";
import { type Shape, TreeCounter } from "./tree-counter.ts";

export function spawn(): Contender<{ n: number }> {
  return {
    async measure({ n }) {
      const start = performance.now();
      await Effect.runPromise(
        Effect.gen(function* () {
          const gate = Deferred.makeUnsafe<void>();
          let left = n;
          let last: Fiber.Fiber<number> | undefined;
          for (let i = 0; i < n; i++) {
            last = yield* Effect.forkChild(
              Effect.sync(() => {
                if (--left === 0) Deferred.doneUnsafe(gate, Exit.succeed(undefined));
                return i;
              }),
            );
          }
          yield* Deferred.await(gate);
          yield* Fiber.join(last!);
        }),
      );
      return { ms: performance.now() - start };
    },
  };
}

const leaf = (c: TreeCounter): Effect.Effect<void> =>
  Effect.sync(() => c.start()).pipe(
    Effect.andThen(Effect.never),
    Effect.ensuring(
      Effect.sync(() => {
        c.cleaned++;
      }),
    ),
  );

function tree(shape: Shape, depth: number, c: TreeCounter): Effect.Effect<void> {
  return Effect.gen(function* () {
    if (shape === "wide") {
      for (let i = 0; i < c.n; i++) yield* Effect.forkChild(leaf(c));
      yield* Effect.never;
    } else {
      if (depth > 1) yield* Effect.forkChild(tree(shape, depth - 1, c));
      yield* leaf(c);
    }
  });
}

/**
 * Deepest chain measured: Effect 4.1.0's `Fiber.interrupt` of a chain of forkChild
 * fibers recurses once per level; at about 800 levels (here) it overflows the stack
 * and the process then runs out of memory instead of failing. Deeper chains return no
 * metrics (an empty cell) rather than take the host down.
 */
export const EFFECT_MAX_DEPTH = 500;

export function cancelTree(): Contender<{ shape: Shape; n: number }> {
  return {
    async measure({ shape, n }): Promise<Metrics> {
      if (shape === "deep" && n > EFFECT_MAX_DEPTH) return {};
      const c = new TreeCounter(n);
      const root = Effect.runFork(tree(shape, n, c));
      await c.ready;
      const t0 = performance.now();
      const interrupted = Effect.runPromise(Fiber.interrupt(root));
      const t1 = performance.now();
      await interrupted;
      const t2 = performance.now();
      c.check();
      return { cancel: t1 - t0, cleanup: t2 - t0 };
    },
  };
}

export function heap(): Contender<{ n: number }> {
  return {
    measure: ({ n }) =>
      bytesPerTask(n, (ready) => {
        const fibers: Fiber.Fiber<never>[] = [];
        const idle = Effect.sync(ready).pipe(Effect.andThen(Effect.never));
        const root = Effect.runFork(
          Effect.gen(function* () {
            for (let i = 0; i < n; i++) fibers.push(yield* Effect.forkChild(idle));
            yield* Effect.never;
          }),
        );
        return { stop: () => Effect.runPromise(Fiber.interrupt(root)) };
      }),
  };
}
