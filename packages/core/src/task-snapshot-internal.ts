import type { CancelReason } from "./cancel-reason.ts";
import { siteStack, userFrame } from "./stack-internal.ts";
import type { TaskState } from "./task-handle.ts";
import type { TaskNode } from "./task-node-internal.ts";

/** The fields of one task in a tree snapshot, without its children. */
export interface TaskFields {
  readonly id: number;
  readonly name: string;
  readonly state: TaskState;
  readonly ageMs: number;
  readonly waitingOn?: string;
  readonly cancel?: { readonly reason: CancelReason; readonly sinceMs: number };
  readonly createdAt?: string;
}

/** A quiesce task as a report shows it, at `now` (`performance.now()`). */
export function taskFields(node: TaskNode<unknown>, now: number): TaskFields {
  const cancel = cancelOf(node, now);
  const createdAt = userFrame(siteStack(node.site));
  return {
    id: node.id,
    name: node.name,
    state: node.state,
    ageMs: Math.round(now - node.createdAt),
    ...(node.waitingOn ? { waitingOn: node.waitingOn } : {}),
    ...(cancel ? { cancel } : {}),
    ...(createdAt ? { createdAt } : {}),
  };
}

/** The cancel asked of `node` or of its nearest ancestor that was asked, and since when. */
export function cancelOf(
  node: TaskNode<unknown> | undefined,
  now: number,
): TaskFields["cancel"] | undefined {
  for (let at = node; at; at = at.parent) {
    if (at.ownReason) return { reason: at.ownReason, sinceMs: Math.round(now - at.cancelAskedAt) };
  }
  return undefined;
}
