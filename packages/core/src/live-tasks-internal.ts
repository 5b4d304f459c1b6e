import type { Scope } from "effection";
import type { ScopeObserver } from "./effection-seam-internal.ts";
import { userFrame } from "./stack-internal.ts";
import type { TaskNode } from "./task-handle.ts";
import { CurrentTask } from "./task-registry-internal.ts";
import { cancelOf, taskFields } from "./task-snapshot-internal.ts";
import type { TaskTreeNode } from "./task-tree.ts";

/** One live task below `main()`: a quiesce task, or effection's own `spawn` or `resource`. */
interface Entry {
  readonly parent: Entry | undefined;
  kind: "spawn" | "resource";
  /** The quiesce task this effection task runs, once known. */
  node: TaskNode<unknown> | undefined;
  readonly createdAt: number;
  readonly site: { stack?: string };
  readonly children: Set<Entry>;
}

/** The live tasks below `main()`, learned from the seam, for reports. */
export interface LiveTasks extends Omit<ScopeObserver, "errorListener" | "extraFailure"> {
  /** The tree below (and including) the root task, as `formatTaskTree` prints it. */
  snapshot(maxChildren: number): TaskTreeNode[];
}

/** Frames kept of where an effection task was created: enough to pass effection's own. */
const SITE_FRAMES = 12;

/** Creates the registry that `main()` gives to the seam. */
export function createLiveTasks(): LiveTasks {
  const parents = new WeakMap<Scope, Scope>();
  const entries = new WeakMap<Scope, Entry>();
  const top = new Set<Entry>();
  const nearest = (scope: Scope | undefined): Entry | undefined => {
    for (let at = scope; at; at = parents.get(at)) {
      const entry = entries.get(at);
      if (entry) return entry;
    }
    return undefined;
  };
  return {
    scopeCreated(scope, parent) {
      parents.set(scope, parent);
    },
    taskStarted(scope) {
      const site: { stack?: string } = {};
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = SITE_FRAMES;
      Error.captureStackTrace(site);
      Error.stackTraceLimit = limit;
      const parent = nearest(parents.get(scope));
      const node = scope.hasOwn(CurrentTask) ? scope.get(CurrentTask) : undefined;
      const entry: Entry = {
        parent,
        kind: "spawn",
        node,
        createdAt: performance.now(),
        site,
        children: new Set(),
      };
      entries.set(scope, entry);
      (parent ? parent.children : top).add(entry);
    },
    resourceMarked(scope) {
      const entry = entries.get(scope);
      if (entry) entry.kind = "resource";
    },
    taskEnded(scope) {
      const entry = entries.get(scope);
      if (entry) (entry.parent ? entry.parent.children : top).delete(entry);
    },
    contextSet(scope, name, value) {
      // A quiesce task's body may run in a scope of its own below its effection task.
      if (name !== CurrentTask.name) return;
      const entry = nearest(scope);
      if (entry && entry.node === undefined) entry.node = value as TaskNode<unknown>;
    },
    snapshot(maxChildren) {
      const now = performance.now();
      return [...top].map((entry) => snapshot(entry, now, maxChildren));
    },
  };
}

function snapshot(entry: Entry, now: number, maxChildren: number): TaskTreeNode {
  const children: TaskTreeNode[] = [];
  for (const child of entry.children) {
    if (children.length >= maxChildren) break;
    children.push(snapshot(child, now, maxChildren));
  }
  const more = entry.children.size - children.length;
  const rest = { children, ...(more > 0 ? { moreChildren: more } : {}) };
  if (entry.node) return { ...taskFields(entry.node, now), ...rest };
  let owner: Entry | undefined = entry.parent;
  while (owner && !owner.node) owner = owner.parent;
  const cancel = cancelOf(owner?.node, now);
  // Effection resumes generators through `Generator.next (<anonymous>)` frames.
  const createdAt = userFrame(entry.site.stack?.replace(/^.*\(<anonymous>\)$/gm, ""));
  return {
    id: 0,
    name: entry.kind,
    kind: entry.kind,
    state: "running",
    ageMs: Math.round(now - entry.createdAt),
    ...(cancel ? { cancel } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...rest,
  };
}
