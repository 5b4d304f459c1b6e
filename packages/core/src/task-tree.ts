import { type CancelReason, describeCancelReason } from "./cancel-reason.ts";
import type { TaskHandle, TaskState } from "./task-handle.ts";
import { expectHandle } from "./task-list-internal.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { roots } from "./task-registry-internal.ts";
import { taskFields } from "./task-snapshot-internal.ts";
import { argumentError, expectFunction, expectOptions } from "./validate.ts";

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
  /** The task's id; 0 for effection's own tasks and resources, which have none. */
  readonly id: number;
  /** The task's name; `"spawn"` or `"resource"` for effection's own. */
  readonly name: string;
  /**
   * Set only in `main()`'s reports, which also list what effection's own `spawn`
   * and `resource` started below the root: which of the two this is.
   */
  readonly kind?: "spawn" | "resource";
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
  /** Live children left out of `children` by the `maxChildren` option. */
  readonly moreChildren?: number;
}

/** Options of {@link taskTree}. */
export interface TaskTreeOptions {
  /**
   * Keep at most this many children of each task (the oldest), and count the rest
   * in `moreChildren`, so a report on 10,000 idle tasks stays short and cheap.
   * Default: all.
   */
  maxChildren?: number;
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
export function taskTree(
  under?: TaskHandle<unknown>,
  options: TaskTreeOptions = {},
): TaskTreeNode[] {
  if (under !== undefined) expectHandle("under", under);
  expectOptions("options", options);
  const { maxChildren = Number.POSITIVE_INFINITY } = options;
  if (typeof maxChildren !== "number" || Number.isNaN(maxChildren) || maxChildren < 0) {
    throw argumentError("maxChildren", "a number ≥ 0", maxChildren);
  }
  const now = performance.now();
  const top = under === undefined ? roots : ((under as TaskNode<unknown>).children ?? []);
  return [...top].map((node) => snapshot(node, now, maxChildren));
}

function snapshot(node: TaskNode<unknown>, now: number, maxChildren: number): TaskTreeNode {
  return { ...taskFields(node, now), ...childrenOf(node, now, maxChildren) };
}

function childrenOf(
  node: TaskNode<unknown>,
  now: number,
  maxChildren: number,
): { children: TaskTreeNode[]; moreChildren?: number } {
  const children: TaskTreeNode[] = [];
  if (!node.children) return { children };
  for (const child of node.children) {
    if (children.length >= maxChildren) {
      return { children, moreChildren: node.children.size - children.length };
    }
    children.push(snapshot(child, now, maxChildren));
  }
  return { children };
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
  const walk = (
    nodes: readonly TaskTreeNode[],
    indent: string,
    parentCancel?: string,
    more?: number,
  ) => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1 && !more;
      const label = node.kind ?? `T${node.id} ${node.name}`;
      let line = `${indent}${last ? "└── " : "├── "}${label} [${node.state} ${formatMs(node.ageMs)}]`;
      if (node.waitingOn) line += ` waiting on ${node.waitingOn}`;
      const cancel = node.cancel
        ? `cancel asked ${formatMs(node.cancel.sinceMs)} ago: ${describeCancelReason(node.cancel.reason)}`
        : undefined;
      // A reason inherited from the parent is said once, on the parent.
      if (cancel && cancel !== parentCancel) line += ` ${cancel}`;
      if (node.createdAt) line += ` (created at ${node.createdAt})`;
      lines.push(line);
      const inner = indent + (last ? "    " : "│   ");
      walk(node.children, inner, cancel, node.moreChildren);
    });
    if (more) lines.push(`${indent}└── … and ${more} more`);
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

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}
