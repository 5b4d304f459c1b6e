import type { Scope } from "effection";
import { whenDestroyed } from "./effection-seam-internal.ts";
import type { TaskNode } from "./task-node-internal.ts";

/**
 * Failed tasks whose failure nobody has retrieved yet, by the scope that spawned
 * them. One destructor per scope checks them when it ends ("Task exception was
 * never retrieved"); a task leaves the set as soon as its outcome is read, so a
 * long-lived scope does not gather them.
 */
const unretrieved = new WeakMap<Scope, Set<TaskNode<unknown>>>();

/** Checks `node`'s failure when its spawning scope ends, unless it is read before. */
export function watchRetrieval(node: TaskNode<unknown>): void {
  const scope = node.spawner;
  let failed = unretrieved.get(scope);
  if (failed === undefined) {
    const set = new Set<TaskNode<unknown>>();
    failed = set;
    unretrieved.set(scope, set);
    whenDestroyed(scope, function checkRetrievals() {
      unretrieved.delete(scope);
      for (const each of set) each.checkRetrieved();
    });
  }
  failed.add(node);
}

/** `node`'s failure was read: nothing to check for it any more. */
export function forgetRetrieval(node: TaskNode<unknown>): void {
  unretrieved.get(node.spawner)?.delete(node);
}
