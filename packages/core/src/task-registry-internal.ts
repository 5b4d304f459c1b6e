import { createContext, type Operation, type Scope, type Task } from "effection";
import { whenDestroyed } from "./effection-seam-internal.ts";
import { TaskNode } from "./task-node-internal.ts";

/**
 * The live quiesce tasks that have no quiesce task above them. Each node keeps its
 * live children, so the whole forest is reachable from here and nothing else.
 * A node lists itself here while it is a live root (see `createTaskNode`).
 */
const liveRoots = new Set<TaskNode<unknown>>();

/** Read-only view of the live roots, for `allTasks()` and the task tree. */
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
  return new TaskNode<T>(nextTaskId(), name, parent, spawner, site, liveRoots);
}

/** The node whose effection task `startTask` is creating right now, synchronously. */
let starting: TaskNode<unknown> | undefined;

/** Runs `operation` in `scope` (creating `node`'s effection task) with `node` as the one starting. */
export function whileStarting(
  node: TaskNode<unknown>,
  scope: Scope,
  operation: () => Operation<void>,
): Task<void> {
  starting = node;
  try {
    return scope.run(operation);
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

/** The tasks of a scope that have not run yet, and the cancel of its teardown hook. */
interface NotYetRun {
  readonly nodes: Set<TaskNode<unknown>>;
  readonly cancel: () => void;
}

const notYetRun = new WeakMap<Scope, NotYetRun>();

/**
 * Keeps `node` (not running yet) until its body starts ({@link started}): a task
 * halted by its spawner's teardown before its first step runs none of quiesce's
 * code, so the spawner's scope settles it when it is torn down, after its tasks.
 * One hook per scope while some of its tasks wait to run, none per task.
 */
export function settleIfNeverRun(node: TaskNode<unknown>): void {
  const scope = node.spawner;
  let waiting = notYetRun.get(scope);
  if (waiting === undefined) {
    const nodes = new Set<TaskNode<unknown>>();
    const cancel = whenDestroyed(scope, () => {
      notYetRun.delete(scope);
      for (const waiter of nodes) waiter.finish();
    });
    waiting = { nodes, cancel };
    notYetRun.set(scope, waiting);
  }
  waiting.nodes.add(node);
}

/** The body of `node` has started: its spawner no longer needs to settle it. */
export function started(node: TaskNode<unknown>): void {
  const scope = node.spawner;
  const waiting = notYetRun.get(scope);
  if (waiting?.nodes.delete(node) && waiting.nodes.size === 0) {
    notYetRun.delete(scope);
    waiting.cancel();
  }
}
