import { type CancelReason, currentTask } from "@quiesce/core";
import { argumentError } from "@quiesce/core/internal";
import { action, type Operation, resource, type Stream, until } from "effection";
import type { ExecutorPool, Job } from "./executor-pool.ts";
import { expectPool } from "./expect-pool-internal.ts";

/**
 * Options of {@link map} and {@link mapAsCompleted}.
 *
 * @example
 * ```ts
 * const results = map(pool, "square", [1, 2, 3], { concurrency: 2 });
 * ```
 */
export interface MapOptions {
  /** Jobs in flight at once. Default: the pool's `maxWorkers`. */
  concurrency?: number;
}

/**
 * One result of {@link mapAsCompleted}: which item it was and what `fn` returned.
 *
 * @example
 * ```ts
 * for (const { index, value } of yield* each(mapAsCompleted(pool, "square", items))) {
 *   console.log(index, value);
 *   yield* each.next();
 * }
 * ```
 */
export interface MapResult<T, R> {
  readonly index: number;
  readonly item: T;
  readonly value: R;
}

/**
 * Calls `fn` on every item (one job each, at most `concurrency` at once) and streams
 * the results in the order of the items (`Executor.map`).
 *
 * @example
 * ```ts
 * import { each } from "effection";
 * import { map } from "@quiesce/executor";
 *
 * for (const square of yield* each(map<number, number>(pool, "square", [1, 2, 3]))) {
 *   console.log(square); // 1, 4, 9
 *   yield* each.next();
 * }
 * ```
 *
 * Cancellation: leaving the loop, a failing job (its error is thrown from the loop)
 * or halting the caller cancels the jobs still queued or running, and waits for them.
 * The jobs get the caller's cancel reason (`{ kind: "signal" }` on a Ctrl+C under
 * `main()`), or `{ kind: "scope-exit" }` when the loop simply ended.
 */
export function map<T, R>(
  pool: ExecutorPool,
  fn: string,
  items: Iterable<T>,
  options: MapOptions = {},
): Stream<R, void> {
  return mapStream<T, R, R>(pool, fn, items, options, true, (result) => result.value);
}

/**
 * Like {@link map}, but yields each result as soon as its job completes, with the
 * index and item it belongs to (`asyncio.as_completed`).
 *
 * @example
 * ```ts
 * import { each } from "effection";
 * import { mapAsCompleted } from "@quiesce/executor";
 *
 * for (const { index, value } of yield* each(mapAsCompleted(pool, "square", [3, 1, 2]))) {
 *   console.log(index, value); // fastest first
 *   yield* each.next();
 * }
 * ```
 *
 * Cancellation: as for {@link map}.
 */
export function mapAsCompleted<T, R>(
  pool: ExecutorPool,
  fn: string,
  items: Iterable<T>,
  options: MapOptions = {},
): Stream<MapResult<T, R>, void> {
  return mapStream<T, R, MapResult<T, R>>(pool, fn, items, options, false, (result) => result);
}

type Settled<T, R> = { index: number; item: T } & ({ value: R } | { error: unknown });

const STOPPED: CancelReason = { kind: "scope-exit" };

function mapStream<T, R, Y>(
  pool: ExecutorPool,
  fn: string,
  items: Iterable<T>,
  options: MapOptions,
  ordered: boolean,
  project: (result: MapResult<T, R>) => Y,
): Stream<Y, void> {
  expectPool(pool);
  if (items === null || typeof (items as Partial<Iterable<T>>)?.[Symbol.iterator] !== "function") {
    throw argumentError("items", "an iterable", items);
  }
  const concurrency = options.concurrency ?? pool.maxWorkers;
  if (typeof concurrency !== "number" || !Number.isInteger(concurrency) || concurrency < 1) {
    throw argumentError("concurrency", "an integer ≥ 1", concurrency);
  }
  return resource(function* (provide) {
    // Read at the end: a cancel of the caller (Ctrl+C under main(), a timeout) reaches
    // the jobs with its own reason.
    const caller = yield* currentTask();
    const iterator = items[Symbol.iterator]();
    const inFlight = new Map<number, Job<R>>();
    const ready = new Map<number, Settled<T, R>>();
    let submitted = 0;
    let emitted = 0;
    let exhausted = false;
    let wake: (() => void) | undefined;

    const fill = () => {
      while (!exhausted && inFlight.size < concurrency) {
        const next = iterator.next();
        if (next.done) {
          exhausted = true;
          return;
        }
        const index = submitted++;
        const item = next.value;
        const job = pool.submit<R>(fn, item);
        inFlight.set(index, job);
        job.promise.then(
          (value) => settle({ index, item, value }),
          (error: unknown) => settle({ index, item, error }),
        );
      }
    };
    const settle = (result: Settled<T, R>) => {
      inFlight.delete(result.index);
      ready.set(result.index, result);
      wake?.();
    };
    const take = (): Settled<T, R> | undefined => {
      const key = ordered ? emitted : ready.keys().next().value;
      if (key === undefined || !ready.has(key)) return undefined;
      const result = ready.get(key) as Settled<T, R>;
      ready.delete(key);
      emitted++;
      return result;
    };

    try {
      yield* provide({
        *next(): Operation<IteratorResult<Y, void>> {
          fill();
          for (;;) {
            const result = take();
            if (result !== undefined) {
              if ("error" in result) throw result.error;
              fill();
              return { done: false, value: project(result) };
            }
            if (exhausted && inFlight.size === 0 && ready.size === 0) {
              return { done: true, value: undefined };
            }
            yield* action<void>((resolve) => {
              wake = resolve;
              return () => {
                wake = undefined;
              };
            });
          }
        },
      });
    } finally {
      const reason = caller?.cancelReason() ?? STOPPED;
      const pending = [...inFlight.values()].map((job) => job.cancel(reason));
      yield* until(Promise.all(pending));
    }
  });
}
