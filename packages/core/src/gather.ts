import { type Operation, useScope } from "effection";
import { type OperationLike, toFactory } from "./operation-like-internal.ts";
import { startTask } from "./spawn-task.ts";
import type { TaskHandle } from "./task-handle.ts";
import { isTaskHandle, untilMet } from "./task-list-internal.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { CurrentTask } from "./task-registry-internal.ts";
import { argumentError, expectOptions } from "./validate.ts";
import { waitingOn } from "./waiting-on.ts";

/**
 * What {@link gather} accepts: task handles, or operations it starts as tasks.
 *
 * @example
 * ```ts
 * import type { Gatherable } from "@quiesce/core";
 *
 * const items: Gatherable<number>[] = [task, function* () { return 1; }];
 * ```
 */
export type Gatherable<T> = TaskHandle<T> | OperationLike<T>;

/**
 * The result type of one {@link Gatherable}.
 *
 * @example
 * ```ts
 * import type { GatheredValue } from "@quiesce/core";
 *
 * type N = GatheredValue<TaskHandle<number>>; // number
 * ```
 */
export type GatheredValue<G> =
  G extends TaskHandle<infer R> ? R : G extends OperationLike<infer R> ? R : never;

/**
 * Options of {@link gather}.
 *
 * @example
 * ```ts
 * import type { GatherOptions } from "@quiesce/core";
 *
 * const outcomes = yield* gather(tasks, { returnExceptions: true } satisfies GatherOptions);
 * ```
 */
export interface GatherOptions {
  /**
   * Collect failures in the result array instead of failing fast. A cancelled
   * task then contributes its `CancelledError`. Default `false`.
   */
  returnExceptions?: boolean;
}

/**
 * Runs or awaits several tasks and returns their results in argument order
 * (asyncio's `gather`). Operations are started as tasks of the caller.
 *
 * Without `returnExceptions`, the first failure (or a cancelled task) is thrown as
 * soon as it happens, once the operations that `gather` started itself have been
 * cancelled (reason `{ kind: "error" }`) and have cleaned up. Task handles passed
 * in belong to someone else: they are never cancelled for a failure and keep
 * running (asyncio). With `returnExceptions`, every outcome is collected: values,
 * errors and `CancelledError`s.
 *
 * @example
 * ```ts
 * import { gather } from "@quiesce/core";
 * import { sleep } from "effection";
 *
 * const [a, b] = yield* gather([
 *   function* () { yield* sleep(10); return 1; },
 *   function* () { return "two"; },
 * ]);
 * const outcomes = yield* gather(tasks, { returnExceptions: true });
 * ```
 *
 * Cancellation: halting the caller cancels every gathered task, handles passed in
 * included (as asyncio cancels all of a cancelled gather's awaitables), with the
 * caller's cancel reason.
 */
export function gather<const G extends readonly Gatherable<unknown>[]>(
  items: G,
  options?: { returnExceptions?: false },
): Operation<{ -readonly [K in keyof G]: GatheredValue<G[K]> }>;
export function gather<const G extends readonly Gatherable<unknown>[]>(
  items: G,
  options: { returnExceptions: true },
): Operation<{ -readonly [K in keyof G]: GatheredValue<G[K]> | Error }>;
export function gather<const G extends readonly Gatherable<unknown>[]>(
  items: G,
  options: GatherOptions = {},
): Operation<unknown[]> {
  if (!Array.isArray(items)) throw argumentError("items", "an array", items);
  expectOptions("options", options);
  const factories = items.map((item, i) =>
    isTaskHandle(item) ? undefined : toFactory(`items[${i}]`, item as OperationLike<unknown>),
  );
  const returnExceptions = options.returnExceptions ?? false;
  if (typeof returnExceptions !== "boolean") {
    throw argumentError("returnExceptions", "a boolean", returnExceptions);
  }
  return {
    *[Symbol.iterator]() {
      const scope = yield* useScope();
      const nodes = items.map(
        (item, i) =>
          (factories[i]
            ? startTask(scope, factories[i], undefined, undefined)
            : item) as TaskNode<unknown>,
      );
      const started = nodes.filter((_, i) => factories[i] !== undefined);
      if (nodes.length === 0) return [];
      let finished = false;
      try {
        yield* waitingOn(
          `gather(${nodes.length} tasks)`,
          untilMet(nodes, returnExceptions ? "ALL_COMPLETED" : "FIRST_FAILURE", undefined),
        );
        if (!returnExceptions) {
          const first = nodes.find((n) => n.state === "failed" || n.state === "cancelled");
          if (first) {
            const error = first.error();
            const reason = { kind: "error", error } as const;
            // Only what gather started is its own to stop; handles passed in run on.
            for (const node of started) node.cancel(reason);
            yield* untilMet(started, "ALL_COMPLETED", undefined);
            for (const node of started) node.markRetrieved();
            finished = true;
            throw error;
          }
        }
        finished = true;
        return nodes.map((node) => (node.state === "done" ? node.result() : node.error()));
      } finally {
        if (!finished) {
          const reason = scope.get(CurrentTask)?.cancelReason() ?? { kind: "scope-exit" };
          for (const node of nodes) node.cancel(reason);
        }
      }
    },
  };
}
