import { createContext } from "effection";
import { TaskNode } from "./task-handle.ts";

/**
 * The live quiesce tasks that have no quiesce task above them. Each node keeps its
 * live children, so the whole forest is reachable from here and nothing else.
 */
export const roots: ReadonlySet<TaskNode<unknown>> = TaskNode.roots;

/** The quiesce task whose scope (or a scope below it) is running. */
export const CurrentTask = createContext<TaskNode<unknown> | undefined>(
  "@quiesce/current-task",
  undefined,
);

let lastId = 0;

/** Task ids count up from 1 for the life of the process, like asyncio's `Task-1`. */
export function nextTaskId(): number {
  lastId += 1;
  return lastId;
}
