import { action, ensure, type Operation, type Stream, type Subscription } from "effection";
import { TimeoutError } from "./errors.ts";
import type { TaskHandle } from "./task-handle.ts";
import { checkTimeout, toTaskList } from "./task-list-internal.ts";
import { expectOptions } from "./validate.ts";

/**
 * A stream of the given tasks in the order they settle (asyncio's
 * `as_completed`). Tasks already settled come first, in argument order. Each task
 * comes once, even if it is listed twice; an empty list ends the stream at once.
 * With `timeout`, asking for the next task after that many milliseconds (counted
 * from subscribing; 0 or less: already expired) throws `TimeoutError`; the tasks
 * themselves are not cancelled.
 *
 * @example
 * ```ts
 * import { asCompleted } from "@quiesce/core";
 * import { each } from "effection";
 *
 * for (const task of yield* each(asCompleted(tasks))) {
 *   console.log(task.name, task.state);
 *   yield* each.next();
 * }
 * ```
 *
 * Cancellation: halting the consumer stops the iteration only; the tasks keep
 * running (they belong to whoever spawned them).
 */
export function asCompleted<H extends TaskHandle<unknown>>(
  tasks: Iterable<H>,
  options: { timeout?: number } = {},
): Stream<H, void> {
  const list = [...new Set(toTaskList("tasks", tasks, true))];
  expectOptions("options", options);
  const timeout = checkTimeout(options.timeout);
  return {
    *[Symbol.iterator]() {
      const deadline = timeout === undefined ? undefined : performance.now() + timeout;
      const ready: H[] = list.filter((task) => task.settled) as unknown[] as H[];
      let wake: (() => void) | undefined;
      const stops: (() => void)[] = [];
      for (const task of list) {
        if (!task.settled) {
          stops.push(
            task.listen(() => {
              ready.push(task as unknown as H);
              wake?.();
            }),
          );
        }
      }
      // A consumer that stops early (break, timeout, halt) leaves nothing on the tasks.
      yield* ensure(() => {
        for (const stop of stops) stop();
      });
      let given = 0;
      const subscription: Subscription<H, void> = {
        *next(): Operation<IteratorResult<H, void>> {
          if (given === list.length) return { done: true, value: undefined };
          if (given === ready.length) {
            yield* action<void>((resolve, reject) => {
              wake = resolve;
              const left = deadline === undefined ? undefined : deadline - performance.now();
              const timer =
                left === undefined
                  ? undefined
                  : setTimeout(() => reject(new TimeoutError(timeout ?? 0)), Math.max(0, left));
              return () => {
                wake = undefined;
                if (timer !== undefined) clearTimeout(timer);
              };
            });
          }
          const task = ready[given++] as H;
          return { done: false, value: task };
        },
      };
      return subscription;
    },
  };
}
