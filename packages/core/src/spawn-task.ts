import type { Effect, Operation, Scope } from "effection";
import { debugMode } from "./debug.ts";
import { type OperationLike, toFactory } from "./operation-like-internal.ts";
import { TaskRun, type TaskSource } from "./run-task-internal.ts";
import { CreationSite } from "./stack-internal.ts";
import type { TaskHandle } from "./task-handle.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { argumentError } from "./validate.ts";

/**
 * Options of {@link spawnTask}.
 *
 * @example
 * ```ts
 * import type { SpawnTaskOptions } from "@quiesce/core";
 *
 * yield* spawnTask(poll, { name: "poller" } satisfies SpawnTaskOptions);
 * ```
 */
export interface SpawnTaskOptions {
  /** Shown in reports and task trees. Default: the function's name, else `Task-<id>`. */
  name?: string;
}

/**
 * Starts `op` as a child task of the current scope and returns its
 * {@link TaskHandle} at once (asyncio's `create_task`).
 *
 * The task never outlives the scope that spawned it. Unlike effection's `spawn`,
 * a failing task does not fail its spawner: the handle keeps the failure for
 * `yield* task`, `result()`, `error()`, `wait` and `gather`. A failure nobody
 * retrieved by the time the spawning scope ends is reported ("Task exception was
 * never retrieved"), and under `main()` it fails the program.
 *
 * @example
 * ```ts
 * import { spawnTask, wait } from "@quiesce/core";
 * import { sleep } from "effection";
 *
 * const tasks = [];
 * for (const s of [1, 2, 4]) {
 *   tasks.push(yield* spawnTask(function* () {
 *     yield* sleep(s * 1000);
 *     return s;
 *   }, { name: `sleep-${s}` }));
 * }
 * const { done } = yield* wait(tasks);
 * ```
 *
 * Cancellation: halting the spawning scope cancels the task (reason inherited
 * from the cancelled ancestor, or `scope-exit`); `task.cancel(reason)` cancels it
 * alone.
 */
export function spawnTask<T>(
  op: OperationLike<T>,
  options?: SpawnTaskOptions,
): Operation<TaskHandle<T>> {
  const factory = toFactory("op", op);
  const name = checkTaskName(options);
  const site = debugMode.on ? captureSite() : undefined;
  return new SpawnTask(factory, name, site);
}

/** The operation `spawnTask` returns: each `yield*` of it spawns a task. */
class SpawnTask<T> implements Operation<TaskHandle<T>>, TaskSource<T> {
  constructor(
    readonly factory: () => Operation<T>,
    readonly name: string | undefined,
    readonly site: CreationSite | undefined,
  ) {}

  [Symbol.iterator](): Iterator<Effect<unknown>, TaskHandle<T>, unknown> {
    return new TaskRun(this) as Iterator<Effect<unknown>, TaskHandle<T>, unknown>;
  }
}

/**
 * Where `spawnTask` was called (debug mode only). Two frames: `spawnTask`'s own
 * (dropped when shown), then its caller, the line a report names (a user's helper
 * around `spawnTask` is named instead: still the user's code). Each frame costs a
 * few microseconds at every spawn and about 60 B per live task.
 */
function captureSite(): CreationSite {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 3;
  const site = new CreationSite();
  Error.stackTraceLimit = limit;
  return site;
}

/**
 * Starts a task in `scope` from outside an operation (for `main()`, which owns the
 * root scope). Same semantics as {@link spawnTask}.
 */
export function startTask<T>(
  scope: Scope,
  factory: () => Operation<T>,
  name: string | undefined,
  site: { stack?: string } | undefined,
): TaskNode<T> {
  return new TaskRun({ factory, name, site }).start(scope);
}

/** The `name` of {@link SpawnTaskOptions}, checked at the call (shared with promise scopes). */
export function checkTaskName(options: SpawnTaskOptions | undefined): string | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== "object") {
    throw argumentError("options", "an object", options);
  }
  const { name } = options;
  if (name !== undefined && (typeof name !== "string" || name.trim() === "")) {
    throw argumentError("name", "a non-empty string", name);
  }
  return name;
}
