import { type Operation, useScope } from "effection";
import type { CancelReason } from "./cancel-reason.ts";
import type { TaskHandle } from "./task-handle.ts";
import { expectHandle } from "./task-list-internal.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { CurrentTask, roots } from "./task-registry-internal.ts";

/**
 * The quiesce task the calling operation runs in (the nearest one above it), or
 * `undefined` outside any quiesce task.
 *
 * @example
 * ```ts
 * import { currentTask } from "@quiesce/core";
 *
 * const me = yield* currentTask();
 * console.log(me?.name);
 * ```
 */
export function* currentTask(): Operation<TaskHandle<unknown> | undefined> {
  return (yield* useScope()).get(CurrentTask);
}

/**
 * Why the current task is being cancelled, or `undefined` while nobody has asked.
 * Meant for cleanup code: `finally { const why = yield* cancelReason(); }`.
 *
 * @example
 * ```ts
 * import { cancelReason } from "@quiesce/core";
 *
 * try {
 *   yield* serve();
 * } finally {
 *   const why = yield* cancelReason();
 *   console.log("stopping:", why?.kind); // "signal"
 * }
 * ```
 */
export function* cancelReason(): Operation<CancelReason | undefined> {
  return (yield* useScope()).get(CurrentTask)?.cancelReason();
}

/**
 * Every live (unsettled) quiesce task in the process, or only those below
 * `under`, parents before children (asyncio's `all_tasks`).
 *
 * @example
 * ```ts
 * import { allTasks } from "@quiesce/core";
 *
 * console.log(allTasks().map((t) => `${t.name}: ${t.state}`));
 * ```
 */
export function allTasks(under?: TaskHandle<unknown>): TaskHandle<unknown>[] {
  if (under !== undefined) expectHandle("under", under);
  const out: TaskHandle<unknown>[] = [];
  const visit = (nodes: Iterable<TaskNode<unknown>>) => {
    for (const node of nodes) {
      out.push(node);
      if (node.children) visit(node.children);
    }
  };
  visit(under === undefined ? roots : ((under as TaskNode<unknown>).children ?? []));
  return out;
}
