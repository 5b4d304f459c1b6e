import { action, type Operation } from "effection";
import type { TaskHandle } from "./task-handle.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { argumentError } from "./validate.ts";

/** When `wait` returns (asyncio's constants). */
export type ReturnWhen = "FIRST_COMPLETED" | "FIRST_EXCEPTION" | "ALL_COMPLETED";

/**
 * Checks an argument that must be an iterable of task handles and returns it as an
 * array of nodes. Empty is refused unless `allowEmpty` (asyncio's `wait` refuses an
 * empty set; `as_completed` takes one).
 */
export function toTaskList<T>(
  name: string,
  tasks: Iterable<TaskHandle<T>>,
  allowEmpty = false,
): TaskNode<T>[] {
  if (tasks === null || typeof tasks !== "object" || !(Symbol.iterator in tasks)) {
    throw argumentError(name, "an iterable of task handles", tasks);
  }
  const list = [...tasks];
  if (list.length === 0 && !allowEmpty) {
    throw argumentError(name, "a non-empty iterable of task handles", list);
  }
  list.forEach((task, i) => {
    expectHandle(`${name}[${i}]`, task);
  });
  return list as TaskNode<T>[];
}

/** True for a handle made by `spawnTask` (the node behind it). */
export function isTaskHandle(value: unknown): value is TaskNode<unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as Partial<TaskNode<unknown>>).listen === "function"
  );
}

/** Refuses anything but a task handle, naming the argument. */
export function expectHandle(name: string, value: unknown): asserts value is TaskNode<unknown> {
  if (!isTaskHandle(value)) throw argumentError(name, "a task handle from spawnTask", value);
}

/**
 * Checks an optional timeout in milliseconds. A negative one is already expired
 * (a deadline computed as `deadline - now` often is), and is returned as 0.
 */
export function checkTimeout(timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw argumentError(
      "timeout",
      "a number of milliseconds (≤ 0: already expired) or undefined",
      timeout,
    );
  }
  return Math.max(0, timeout);
}

/**
 * Suspends until the condition holds or `timeout` passes; listens only while
 * waiting. `FIRST_FAILURE` (internal, for `gather`) also stops on a cancelled task.
 */
export function untilMet(
  list: readonly TaskNode<unknown>[],
  returnWhen: ReturnWhen | "FIRST_FAILURE",
  timeout: number | undefined,
): Operation<void> {
  return action<void>((resolve) => {
    let remaining = 0;
    const stops: (() => void)[] = [];
    const stopsOn = (task: TaskNode<unknown>) =>
      returnWhen === "FIRST_COMPLETED" ||
      (returnWhen === "FIRST_EXCEPTION" && task.state === "failed") ||
      (returnWhen === "FIRST_FAILURE" && task.state !== "done");
    let met = false;
    for (const task of list) {
      if (task.settled) met ||= stopsOn(task);
      else remaining += 1;
    }
    if (met || remaining === 0) {
      resolve();
      return () => {};
    }
    for (const task of list) {
      if (task.settled) continue;
      stops.push(
        task.listen(() => {
          remaining -= 1;
          if (remaining === 0 || stopsOn(task)) resolve();
        }),
      );
    }
    const timer = timeout === undefined ? undefined : setTimeout(resolve, timeout);
    return () => {
      for (const stop of stops) stop();
      if (timer !== undefined) clearTimeout(timer);
    };
  });
}
