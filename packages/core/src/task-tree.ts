import { type CancelReason, describeCancelReason } from "./cancel-reason.ts";
import { userFrame } from "./stack-internal.ts";
import type { TaskHandle, TaskNode, TaskState } from "./task-handle.ts";
import { expectHandle } from "./task-list-internal.ts";
import { roots } from "./task-registry-internal.ts";
import { expectFunction } from "./validate.ts";

/**
 * One live task in a {@link taskTree} snapshot. Plain data: safe to
 * `JSON.stringify`, to post to a worker, or to log.
 *
 * @example
 * ```ts
 * import type { TaskTreeNode } from "@quiesce/core";
 *
 * const names = (nodes: readonly TaskTreeNode[]): string[] =>
 *   nodes.flatMap((n) => [n.name, ...names(n.children)]);
 * console.log(names(taskTree()));
 * ```
 */
export interface TaskTreeNode {
  readonly id: number;
  readonly name: string;
  readonly state: TaskState;
  /** Milliseconds since the task was created. */
  readonly ageMs: number;
  /** What the task is waiting on, when quiesce knows (a `wait`, another task). */
  readonly waitingOn?: string;
  /** Set once someone asked the task (or an ancestor) to stop. */
  readonly cancel?: {
    readonly reason: CancelReason;
    /** Milliseconds since the cancel was asked. */
    readonly sinceMs: number;
  };
  /** First frame of user code that created the task, when known. */
  readonly createdAt?: string;
  readonly children: readonly TaskTreeNode[];
}

/**
 * Snapshots the live (unsettled) quiesce tasks as a forest: the children of
 * `under`, or every top-level task of the process.
 *
 * @example
 * ```ts
 * import { taskTree } from "@quiesce/core";
 *
 * console.log(JSON.stringify(taskTree(), null, 2));
 * ```
 */
export function taskTree(under?: TaskHandle<unknown>): TaskTreeNode[] {
  if (under !== undefined) expectHandle("under", under);
  const now = performance.now();
  const top = under === undefined ? roots : ((under as TaskNode<unknown>).children ?? []);
  return [...top].map((node) => snapshot(node, now));
}

function snapshot(node: TaskNode<unknown>, now: number): TaskTreeNode {
  let cancel: TaskTreeNode["cancel"];
  for (let at: TaskNode<unknown> | undefined = node; at; at = at.parent) {
    if (at.ownReason) {
      cancel = { reason: at.ownReason, sinceMs: round(now - at.cancelAskedAt) };
      break;
    }
  }
  const createdAt = userFrame(node.site?.stack);
  return {
    id: node.id,
    name: node.name,
    state: node.state,
    ageMs: round(now - node.createdAt),
    ...(node.waitingOn ? { waitingOn: node.waitingOn } : {}),
    ...(cancel ? { cancel } : {}),
    ...(createdAt ? { createdAt } : {}),
    children: node.children ? [...node.children].map((child) => snapshot(child, now)) : [],
  };
}

/**
 * Renders a tree like `python -m asyncio pstree`, one task a line:
 *
 * ```text
 * └── T1 main [running 3.2s] cancel asked 120ms ago: signal SIGINT
 *     ├── T2 fetch-1 [running 3.1s] waiting on promise fetch
 *     └── T3 fetch-2 [running 3.1s]
 * ```
 *
 * @example
 * ```ts
 * import { formatTaskTree, taskTree } from "@quiesce/core";
 *
 * process.stderr.write(formatTaskTree(taskTree()));
 * ```
 */
export function formatTaskTree(tree: readonly TaskTreeNode[]): string {
  if (tree.length === 0) return "(no live tasks)\n";
  const lines: string[] = [];
  const walk = (nodes: readonly TaskTreeNode[], indent: string, parentCancel?: string) => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1;
      let line = `${indent}${last ? "└── " : "├── "}T${node.id} ${node.name} [${node.state} ${formatMs(node.ageMs)}]`;
      if (node.waitingOn) line += ` waiting on ${node.waitingOn}`;
      const cancel = node.cancel
        ? `cancel asked ${formatMs(node.cancel.sinceMs)} ago: ${describeCancelReason(node.cancel.reason)}`
        : undefined;
      // A reason inherited from the parent is said once, on the parent.
      if (cancel && cancel !== parentCancel) line += ` ${cancel}`;
      if (node.createdAt) line += ` (created at ${node.createdAt})`;
      lines.push(line);
      walk(node.children, indent + (last ? "    " : "│   "), cancel);
    });
  };
  walk(tree, "");
  return `${lines.join("\n")}\n`;
}

/**
 * Writes the live task tree to stderr (or `write`), for debugging a program that
 * will not stop. Safe to call at any time.
 *
 * @example
 * ```ts
 * import { printTaskTree } from "@quiesce/core";
 *
 * process.on("SIGUSR2", () => printTaskTree());
 * ```
 */
export function printTaskTree(
  write: (text: string) => void = (t) => process.stderr.write(t),
): void {
  expectFunction("write", write);
  write(formatTaskTree(taskTree()));
}

function round(ms: number): number {
  return Math.round(ms);
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}
