import type { Operation } from "effection";
import type { TaskHandle } from "./task-handle.ts";
import { checkTimeout, type ReturnWhen, toTaskList, untilMet } from "./task-list-internal.ts";
import { argumentError, expectOptions } from "./validate.ts";
import { waitingOn } from "./waiting-on.ts";

export type { ReturnWhen };

/**
 * Options of {@link wait}.
 *
 * @example
 * ```ts
 * import type { WaitOptions } from "@quiesce/core";
 *
 * yield* wait(tasks, { timeout: 1_000, returnWhen: "FIRST_EXCEPTION" } satisfies WaitOptions);
 * ```
 */
export interface WaitOptions {
  /**
   * Return after this many milliseconds even if the condition is not met; 0 or
   * less is already expired (return at once). Default: none.
   */
  timeout?: number;
  /** Default `"ALL_COMPLETED"`. */
  returnWhen?: ReturnWhen;
}

/**
 * What {@link wait} returns: tasks split by whether they had settled, in input order.
 *
 * @example
 * ```ts
 * import type { WaitResult } from "@quiesce/core";
 *
 * const { done, pending }: WaitResult<TaskHandle<number>> = yield* wait(tasks);
 * ```
 */
export interface WaitResult<H extends TaskHandle<unknown>> {
  readonly done: H[];
  readonly pending: H[];
}

const RETURN_WHEN = new Set<ReturnWhen>(["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"]);

/**
 * Waits for tasks to settle, as asyncio's `wait`: returns `{ done, pending }` when
 * `returnWhen` is met or `timeout` passes, and never cancels what is pending.
 * `FIRST_EXCEPTION` returns when a task fails (a cancelled task does not count) or
 * all have settled. Reading outcomes stays with the caller (`task.result()`).
 *
 * @example
 * ```ts
 * import { spawnTask, wait } from "@quiesce/core";
 *
 * const { done, pending } = yield* wait(tasks, { timeout: 1000, returnWhen: "FIRST_COMPLETED" });
 * for (const task of done) console.log(task.name, task.result());
 * ```
 *
 * Cancellation: halting the caller stops the wait only; the tasks keep running
 * (they belong to whoever spawned them).
 */
export function wait<H extends TaskHandle<unknown>>(
  tasks: Iterable<H>,
  options: WaitOptions = {},
): Operation<WaitResult<H>> {
  const list = toTaskList("tasks", tasks);
  expectOptions("options", options);
  const timeout = checkTimeout(options.timeout);
  const returnWhen = options.returnWhen ?? "ALL_COMPLETED";
  if (!RETURN_WHEN.has(returnWhen)) {
    throw argumentError(
      "returnWhen",
      '"FIRST_COMPLETED", "FIRST_EXCEPTION" or "ALL_COMPLETED"',
      returnWhen,
    );
  }
  return {
    *[Symbol.iterator]() {
      if (timeout !== 0) {
        yield* waitingOn(
          `wait(${list.length} tasks, ${returnWhen})`,
          untilMet(list, returnWhen, timeout),
        );
      }
      const done: H[] = [];
      const pending: H[] = [];
      for (const task of list) (task.settled ? done : pending).push(task as unknown as H);
      return { done, pending };
    },
  };
}
