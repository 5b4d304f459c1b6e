import { type Operation, useScope } from "effection";
import { toCancelReason } from "./cancel-reason.ts";
import { allTasks } from "./current-task.ts";
import { CurrentTask } from "./task-registry-internal.ts";

/**
 * Cancels every live task below the current task (or every task in the process
 * when called outside one) with `reason` (any value, as for `task.cancel()`), and
 * returns once all of their cleanup has finished. The calling task itself is not cancelled. This is asyncio's
 * "cancel every task" idiom: `for t in all_tasks(): t.cancel()`.
 *
 * @example
 * ```ts
 * import { cancelAll } from "@quiesce/core";
 *
 * const count = yield* cancelAll({ kind: "shutdown", message: "config reload" });
 * console.log(`cancelled ${count} tasks`); // every live task below, at any depth
 * ```
 *
 * Cancellation: if the caller is halted while waiting, the cancels already asked
 * stand; the caller's own teardown then waits for its children as usual.
 */
export function cancelAll(reason?: unknown): Operation<number> {
  // Checked now, at the call, even when there is nothing to cancel.
  toCancelReason(reason);
  return {
    *[Symbol.iterator]() {
      const current = (yield* useScope()).get(CurrentTask);
      // Children first would be cancelled twice over; cancel the top of each subtree.
      const below = allTasks(current);
      const top = below.filter((task) => task.parent === current);
      // Every cancel is asked first, so waiting for each in turn waits for all at
      // once, without a task per wait (effection's `all` spawns one each, and a
      // report would list them).
      const settlements = top.map((task) => task.cancel(reason));
      for (const settlement of settlements) yield* settlement;
      return below.length;
    },
  };
}
