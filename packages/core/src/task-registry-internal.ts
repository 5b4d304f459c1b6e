import { createContext, type Operation, type Scope, type Task } from "effection";
import { type OwnScopeTaker, runInOwnScope } from "./effection-seam-internal.ts";
import { liveRoots, TaskNode } from "./task-node-internal.ts";

/**
 * Read-only view of the live roots, for `allTasks()` and the task tree: the live
 * quiesce tasks with no quiesce task above them (each node keeps its live children,
 * so the whole forest is reachable from here).
 */
export const roots: ReadonlySet<TaskNode<unknown>> = liveRoots;

/** The quiesce task whose scope (or a scope below it) is running. */
export const CurrentTask = createContext<TaskNode<unknown> | undefined>(
  "@quiesce/current-task",
  undefined,
);

let lastId = 0;

/** Task ids count up from 1 for the life of the process, like asyncio's `Task-1`. */
function nextTaskId(): number {
  lastId += 1;
  return lastId;
}

/**
 * Makes the node of a new task below `parent` (or a root, listed in
 * {@link roots} while it lives), with the next id; without a `name` it is
 * `Task-<id>`.
 */
export function createTaskNode<T>(
  name: string | undefined,
  parent: TaskNode<unknown> | undefined,
  spawner: Scope,
  site: { stack?: string } | undefined,
): TaskNode<T> {
  return new TaskNode<T>(nextTaskId(), name, parent, spawner, site);
}

/** The node whose effection task `startTask` is creating right now, synchronously. */
let starting: TaskNode<unknown> | undefined;

/**
 * Runs `operation` in `scope` (creating `node`'s effection task) with `node` as the
 * one starting; `taker` learns the task's own scope (see `runInOwnScope`).
 */
export function whileStarting(
  node: TaskNode<unknown>,
  scope: Scope,
  operation: () => Operation<void>,
  taker: OwnScopeTaker,
): Task<void> {
  starting = node;
  try {
    return runInOwnScope(scope, operation, taker);
  } finally {
    starting = undefined;
  }
}

/**
 * The node whose effection task was just created, taken once: `main()`'s registry
 * of live tasks learns this way that the task is a quiesce task, before its body runs.
 */
export function takeStarting(): TaskNode<unknown> | undefined {
  const node = starting;
  starting = undefined;
  return node;
}
