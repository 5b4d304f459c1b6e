import type { Scope } from "effection";
import type { ScopeObserver } from "./effection-seam-internal.ts";
import { userFrame } from "./stack-internal.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { CurrentTask, takeStarting } from "./task-registry-internal.ts";
import { cancelOf, taskFields } from "./task-snapshot-internal.ts";
import type { TaskTreeNode } from "./task-tree.ts";

/** One live task below `main()`: a quiesce task, or effection's own `spawn` or `resource`. */
interface Entry {
  readonly parent: Entry | undefined;
  kind: "spawn" | "resource";
  /** The quiesce task this effection task runs, when its own scope says so. */
  node: TaskNode<unknown> | undefined;
  /** A scope just below, not a task's, that a quiesce task took as its own. */
  claim: Scope | undefined;
  readonly createdAt: number;
  /** Where effection's own task was created; a quiesce task has its own site. */
  readonly site: { stack?: string } | undefined;
  children: Set<Entry> | undefined;
}

/** The live tasks below `main()`, learned from the seam, for reports. */
export interface LiveTasks extends Omit<ScopeObserver, "extraFailure"> {
  /** The tree below (and including) the root task, as `formatTaskTree` prints it. */
  snapshot(maxChildren: number): TaskTreeNode[];
}

/** Frames kept of where an effection task was created: enough to pass effection's own. */
const SITE_FRAMES = 12;

/** Creates the registry that `main()` gives to the seam. */
export function createLiveTasks(): LiveTasks {
  const parents = new WeakMap<Scope, Scope>();
  const entries = new WeakMap<Scope, Entry>();
  /** Scopes that a quiesce task took as its own (the `CurrentTask` set on them). */
  const owners = new WeakMap<Scope, TaskNode<unknown>>();
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
      // Taken in any case: the task being started is this one, never a later one.
      const starting = takeStarting();
      const node = owners.get(scope) ?? starting;
      const parent = nearest(parents.get(scope));
      const entry: Entry = {
        parent,
        kind: "spawn",
        node,
        claim: undefined,
        createdAt: performance.now(),
        // About 5 µs and 1 KB a task: V8 keeps the frames and formats them only
        // if a report reads them.
        site: node ? undefined : captureSite(),
        children: undefined,
      };
      entries.set(scope, entry);
      if (parent === undefined) top.add(entry);
      else if (parent.children === undefined) parent.children = new Set([entry]);
      else parent.children.add(entry);
    },
    resourceMarked(scope) {
      const entry = entries.get(scope);
      if (entry) entry.kind = "resource";
    },
    taskEnded(scope) {
      const entry = entries.get(scope);
      if (entry) (entry.parent ? entry.parent.children : top)?.delete(entry);
    },
    contextSet(scope, name, value) {
      if (name !== CurrentTask.name) return;
      owners.set(scope, value as TaskNode<unknown>);
      // A quiesce task's body sets it on its own task's scope.
      const own = entries.get(scope);
      if (own) {
        own.node ??= value as TaskNode<unknown>;
        return;
      }
      // The task's own scope, or one just below it that its body runs in, not yet
      // known to be a task's (that is told later, if it is one).
      const parent = entries.get(parents.get(scope) as Scope);
      if (parent && parent.node === undefined) parent.claim = scope;
    },
    snapshot(maxChildren) {
      const now = performance.now();
      const nodeOf = (entry: Entry) =>
        entry.node ??
        (entry.claim && !entries.has(entry.claim) ? owners.get(entry.claim) : undefined);
      return [...top].map((entry) => snapshot(entry, now, maxChildren, nodeOf));
    },
  };
}

type NodeOf = (entry: Entry) => TaskNode<unknown> | undefined;

function snapshot(entry: Entry, now: number, maxChildren: number, nodeOf: NodeOf): TaskTreeNode {
  const children: TaskTreeNode[] = [];
  for (const child of entry.children ?? []) {
    if (children.length >= maxChildren) break;
    children.push(snapshot(child, now, maxChildren, nodeOf));
  }
  const more = (entry.children?.size ?? 0) - children.length;
  const rest = { children, ...(more > 0 ? { moreChildren: more } : {}) };
  const node = nodeOf(entry);
  if (node) return { ...taskFields(node, now), ...rest };
  let owner: Entry | undefined = entry.parent;
  while (owner && !nodeOf(owner)) owner = owner.parent;
  const cancel = cancelOf(owner && nodeOf(owner), now);
  // Effection resumes generators through `Generator.next (<anonymous>)` frames.
  const createdAt = userFrame(entry.site?.stack?.replace(/^.*\(<anonymous>\)$/gm, ""));
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

function captureSite(): { stack?: string } {
  const site: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = SITE_FRAMES;
  Error.captureStackTrace(site);
  Error.stackTraceLimit = limit;
  return site;
}
