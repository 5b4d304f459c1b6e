import { type Operation, useScope } from "effection";
import { CurrentTask } from "./task-registry-internal.ts";
import { argumentError } from "./validate.ts";

/**
 * Runs `op` while the current task's reports say what it is waiting on. The
 * label shows in `taskTree()`, `printTaskTree()` and the stuck-task report of
 * `main()`, so a hang names its cause ("waiting on job fib(40) on thread 3").
 *
 * @example
 * ```ts
 * import { waitingOn } from "@quiesce/core";
 *
 * const rows = yield* waitingOn("database query", query(sql));
 * ```
 *
 * Cancellation: transparent; halting the caller halts `op`.
 */
export function waitingOn<T>(label: string, op: Operation<T>): Operation<T> {
  if (typeof label !== "string" || label === "") {
    throw argumentError("label", "a non-empty string", label);
  }
  if (op === null || typeof op !== "object" || !(Symbol.iterator in op)) {
    throw argumentError("op", "an operation", op);
  }
  return labelled(label, op);
}

function* labelled<T>(label: string, op: Operation<T>): Operation<T> {
  const node = (yield* useScope()).get(CurrentTask);
  if (node === undefined) return yield* op;
  const before = node.setWaitingOn(label);
  try {
    return yield* op;
  } finally {
    node.setWaitingOn(before);
  }
}
