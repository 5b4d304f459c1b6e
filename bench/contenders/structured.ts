/**
 * The task-row programs written once over effection's `Operation`, for the two
 * libraries that share it: quiesce-tasks.ts passes `spawnTask`, effection-tasks.ts
 * passes effection's `spawn`. This file imports effection only.
 */
import { type Operation, run, suspend, withResolvers } from "effection";
import type { Metrics } from "../lib/contender.ts";
import { bytesPerTask } from "./heap-meter.ts";
import { type Shape, TreeCounter } from "./tree-counter.ts";

export type { Shape };

/** Spawns a child of the current scope; what it yields is the child's handle. */
export type SpawnFn<T> = (op: () => Operation<T>) => Operation<Operation<unknown>>;

/**
 * Spawn and complete: `n` tasks that count themselves and return; the last opens the
 * gate the spawner waits on. No handle is kept, so finished tasks can be collected.
 */
export async function spawnAndComplete(n: number, spawnOne: SpawnFn<number>): Promise<Metrics> {
  const start = performance.now();
  await run(function* () {
    const gate = withResolvers<void>();
    let left = n;
    let last: Operation<unknown> | undefined;
    for (let i = 0; i < n; i++) {
      last = yield* spawnOne(function* () {
        if (--left === 0) gate.resolve();
        return i;
      });
    }
    yield* gate.operation;
    // Trivial tasks finish in spawn order: once the last has settled, all have.
    yield* last!;
  });
  return { ms: performance.now() - start };
}

/** Wide: one parent with n suspended children. Deep: a chain of n suspended tasks. */
function* tree(shape: Shape, depth: number, c: TreeCounter, child: SpawnFn<void>): Operation<void> {
  if (shape === "wide") {
    for (let i = 0; i < c.n; i++) yield* child(() => leaf(c));
    yield* suspend();
  } else {
    if (depth > 1) yield* child(() => tree(shape, depth - 1, c, child));
    yield* leaf(c);
  }
}

function* leaf(c: TreeCounter): Operation<void> {
  try {
    c.start();
    yield* suspend();
  } finally {
    c.cleaned++;
  }
}

/**
 * Builds the tree under a top-level `run()`, waits until every task is suspended,
 * then times the cancel call (`root` returns it) and the wait for every cleanup.
 */
export async function cancelTree(
  shape: Shape,
  n: number,
  child: SpawnFn<void>,
  root: (op: () => Operation<void>) => Operation<() => PromiseLike<void>>,
): Promise<Metrics> {
  const c = new TreeCounter(n);
  let cancel!: () => PromiseLike<void>;
  const holder = run(function* () {
    cancel = yield* root(() => tree(shape, n, c, child));
    yield* suspend();
  });
  await c.ready;
  const t0 = performance.now();
  const settled = cancel();
  const t1 = performance.now();
  await settled;
  const t2 = performance.now();
  c.check();
  await holder.halt();
  return { cancel: t1 - t0, cleanup: t2 - t0 };
}

/** Heap bytes per suspended task, the handles kept in an array as a program would. */
export function suspendedHeap(n: number, spawnOne: SpawnFn<void>): Promise<Metrics> {
  return bytesPerTask(n, (ready) => {
    const handles: unknown[] = [];
    const holder = run(function* () {
      for (let i = 0; i < n; i++) {
        handles.push(
          yield* spawnOne(function* () {
            ready();
            yield* suspend();
          }),
        );
      }
      yield* suspend();
    });
    return { stop: () => holder.halt() };
  });
}

/**
 * Spawns `n` tasks parked on one gate (untimed), then times opening the gate and
 * collecting every task with `collect`: n settlements plus the combinator.
 */
export async function gateCollect<H>(
  n: number,
  spawnOne: (op: () => Operation<number>) => Operation<H>,
  collect: (tasks: H[]) => Operation<unknown>,
): Promise<Metrics> {
  let ms = 0;
  await run(function* () {
    const gate = withResolvers<void>();
    const tasks: H[] = [];
    for (let i = 0; i < n; i++) {
      tasks.push(
        yield* spawnOne(function* () {
          yield* gate.operation;
          return i;
        }),
      );
    }
    const start = performance.now();
    gate.resolve();
    yield* collect(tasks);
    ms = performance.now() - start;
  });
  return { ms };
}
