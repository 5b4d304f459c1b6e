import type { Operation } from "effection";
import type { CancelReason } from "./cancel-reason.ts";
import type { Settlement } from "./settlement.ts";

/**
 * Where a task is in its life: `pending` until its body first runs, `running`,
 * then one of the three settled states, which never change again.
 *
 * @example
 * ```ts
 * import type { TaskState } from "@quiesce/core";
 *
 * if (task.state === "failed") console.error(task.error());
 * ```
 */
export type TaskState = "pending" | "running" | "done" | "failed" | "cancelled";

export type { Settlement } from "./settlement.ts";

/**
 * A handle on a task started by {@link spawnTask}: asyncio's `Task`, on effection.
 *
 * @example
 * ```ts
 * import { spawnTask } from "@quiesce/core";
 * import { sleep } from "effection";
 *
 * const task = yield* spawnTask(function* () {
 *   yield* sleep(10);
 *   return 42;
 * }, { name: "answer" });
 * task.onDone((t) => console.log(t.name, t.state)); // "answer done"
 * console.log(yield* task); // 42
 * ```
 *
 * Cancellation: `cancel(reason)` halts the task and everything below it; its
 * `finally` blocks and `ensure()` callbacks run, and `yield* task.cancel()` returns
 * once they have. `yield* task` then throws a `CancelledError` carrying the reason;
 * a task whose body lets that error escape (it awaited a cancelled task) ends
 * `cancelled` too, with the same reason.
 */
export interface TaskHandle<T> extends Operation<T> {
  /** Process-wide id, counting up from 1. */
  readonly id: number;
  /** The name given at spawn, or the function's name, or `Task-<id>`. */
  readonly name: string;
  /** Current {@link TaskState}. */
  readonly state: TaskState;
  /** The quiesce task this one was spawned under, if any. */
  readonly parent: TaskHandle<unknown> | undefined;
  /** True once the task is `done`, `failed` or `cancelled`. */
  readonly settled: boolean;
  /**
   * The value, once `done`. Throws the task's error if it `failed`, a
   * `CancelledError` if it was `cancelled`, and `InvalidStateError` before it settles.
   */
  result(): T;
  /**
   * The failure, once settled: the error for `failed`, a `CancelledError` for
   * `cancelled`, `undefined` for `done`. Throws `InvalidStateError` before it settles.
   */
  error(): unknown;
  /**
   * Why the task was (or is being) cancelled, or `undefined` if nobody asked.
   * Includes a reason inherited from a cancelled ancestor.
   */
  cancelReason(): CancelReason | undefined;
  /**
   * Asks the task to stop. Idempotent: the first reason wins. The returned
   * {@link Settlement} completes after the task's cleanup has finished. Any value
   * is a reason, as with `AbortController.abort(reason)`: a `CancelReason` is kept
   * as it is, a string becomes `{ kind: "explicit", message }`, anything else
   * `{ kind: "explicit", value }`; `CancelledError.value` gives back exactly what
   * was passed. An object whose string `kind` is unknown is refused (`TypeError`).
   */
  cancel(reason?: unknown): Settlement;
  /**
   * Adds a callback that runs exactly once, after the task settles, whatever the
   * outcome; callbacks run in the order they were added. Added to a settled task,
   * it runs on the next microtask. Returns a function that removes it.
   */
  onDone(callback: (task: TaskHandle<T>) => void): () => void;
  /** Completes when the task has settled, without throwing its error. */
  settlement(): Settlement;
}
