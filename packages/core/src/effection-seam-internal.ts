import { createContext, type Operation, type Scope } from "effection";
import { api } from "effection/experimental";
import { type Haltable, haltConcurrently } from "./concurrent-teardown-internal.ts";

/*
 * The seam: the one file where `main()` reaches past effection's public API
 * (written for effection 4.1). Every reach is guarded by
 * test/effection-seam.test.ts, and fails loudly at run time where it can be
 * checked (`unsupported`), never silently.
 *
 * All of it is middleware of `api.Scope` (from "effection/experimental"), put on
 * the scope that `main()` creates, so it covers that scope and the scopes below it
 * and nothing else: effection's global scope, a nested `run()` and every other
 * effection program in the process pay nothing.
 *
 * 1. "@effection/task-group": each task keeps its children in a group that halts
 *    them one after another. Below `main()` the group is replaced by one that halts
 *    siblings together (contract 2), and that tells `main()` which tasks are alive
 *    (effection's own `spawn` and `resource` included) for its report.
 * 2. "@effection/scope.generation": effection's `resource()` stores its owner's
 *    generation in the new task's scope a second time. That is how a resource is
 *    told from a task: it is released only after the tasks that may use it.
 * 3. "@effection/error-boundary": an error that a child raises into the root task
 *    reaches `main()` before effection tears the tree down for it, so what is torn
 *    down sees the reason `{ kind: "error" }`.
 */

/** Effection's private context names that the seam relies on. */
const TASK_GROUP = "@effection/task-group";
const GENERATION = "@effection/scope.generation";
const ERROR_BOUNDARY = "@effection/error-boundary";

const TaskGroupContext = createContext<unknown>(TASK_GROUP);
const GenerationContext = createContext<unknown>(GENERATION);
const ErrorBoundaryContext = createContext<unknown>(ERROR_BOUNDARY);

/** The part of effection's error boundary that the seam uses. */
interface ErrorBoundary {
  raise(error: unknown): void;
}

/** What `main()` learns about the scopes below its own, as they come and go. */
export interface ScopeObserver {
  /** Any scope was created below the observed one (a task's, a `scoped()` block's…). */
  scopeCreated(scope: Scope, parent: Scope): void;
  /** The scope created last belongs to a task (effection's `spawn`, a resource, a quiesce task). */
  taskStarted(scope: Scope): void;
  /** The task of that scope is a resource. */
  resourceMarked(scope: Scope): void;
  /** The task has finished, its scope torn down. */
  taskEnded(scope: Scope): void;
  /** A context that is not effection's was set on a scope (quiesce's own contexts). */
  contextSet(scope: Scope, name: string, value: unknown): void;
  /** Whether errors raised into `scope`'s error boundary should be reported, and to whom. */
  errorListener(scope: Scope): ((error: unknown) => void) | undefined;
  /** A second (third…) sibling failed during a concurrent teardown; the first is thrown. */
  extraFailure(error: unknown): void;
}

/** The error thrown when effection no longer works the way this file relies on. */
export function unsupported(what: string): Error {
  return new Error(
    `quiesce: effection no longer ${what}; @quiesce/core was written for effection 4.1 (see effection-seam-internal.ts)`,
  );
}

/**
 * Puts the seam's middleware on `scope` (the scope `main()` created) and returns
 * the check that `main()` runs when its root task's body starts.
 */
export function observeScopes(scope: Scope, observer: ScopeObserver): (bodyScope: Scope) => void {
  const wrappers = new WeakSet<object>();
  let created: Scope | undefined;
  const takeCreated = () => {
    const last = created;
    created = undefined;
    return last;
  };
  const group = (): TaskGroup => new TaskGroup(observer, takeCreated);
  const rootGroup = group();
  let checked = false;
  scope.around(api.Scope, {
    create(args, next) {
      const result = next(...args);
      created = result[0];
      if (!checked) {
        checked = true;
        if (!created.hasOwn(GenerationContext)) {
          throw unsupported("stores a scope's generation in the scope");
        }
      }
      observer.scopeCreated(created, args[0]);
      return result;
    },
    set([target, context, value], next) {
      const name = context.name;
      if (name === TASK_GROUP && !(value instanceof TaskGroup)) value = group() as never;
      else if (name === GENERATION && target.hasOwn(GenerationContext)) markResource(target);
      else if (name === ERROR_BOUNDARY) value = wrapBoundary(target, value as never) as never;
      else if (!name.startsWith("@effection/")) observer.contextSet(target, name, value);
      return next(target, context, value);
    },
  });
  scope.set(TaskGroupContext, rootGroup);

  function markResource(target: Scope): void {
    const owner = target.get(TaskGroupContext);
    if (owner instanceof TaskGroup) owner.markLastAsResource();
    observer.resourceMarked(target);
  }

  function wrapBoundary(target: Scope, boundary: ErrorBoundary): ErrorBoundary {
    const listener = observer.errorListener(target);
    if (listener === undefined || typeof boundary?.raise !== "function") return boundary;
    const wrapper: ErrorBoundary = Object.create(boundary, {
      raise: {
        value(error: unknown) {
          listener(error);
          boundary.raise(error);
        },
      },
    });
    wrappers.add(wrapper);
    return wrapper;
  }

  return (bodyScope) => {
    if (rootGroup.tasks.size === 0) throw unsupported("keeps a task's children in its task group");
    if (!(bodyScope.get(TaskGroupContext) instanceof TaskGroup)) {
      throw unsupported("stores each task's task group in its scope");
    }
    if (!wrappers.has(bodyScope.get(ErrorBoundaryContext) as object)) {
      throw unsupported("stores each task's error boundary in its scope");
    }
  };
}

/** A `Set` of effection tasks that tells the observer which scope each belongs to. */
class TaskSet extends Set<Haltable> {
  last: Haltable | undefined = undefined;
  private readonly scopes = new WeakMap<Haltable, Scope>();

  constructor(
    private readonly observer: ScopeObserver,
    private readonly takeCreated: () => Scope | undefined,
  ) {
    super();
  }

  override add(task: Haltable): this {
    // Effection adds a task to its group right after creating the task's scope.
    const scope = this.takeCreated();
    if (scope !== undefined && !this.scopes.has(task)) {
      this.scopes.set(task, scope);
      this.observer.taskStarted(scope);
    }
    this.last = task;
    return super.add(task);
  }

  override delete(task: Haltable): boolean {
    // Effection deletes it as the last step of tearing the task's scope down.
    const scope = this.scopes.get(task);
    if (scope !== undefined) this.observer.taskEnded(scope);
    return super.delete(task);
  }
}

/**
 * Stands in for effection's `TaskGroup` (same `tasks` and `halt()`): halts runs of
 * ordinary siblings together, each resource alone, last-added first. Rethrows the
 * first failure; later ones go to the observer, so that each is printed once.
 */
class TaskGroup {
  readonly tasks: TaskSet;
  private readonly resources = new WeakSet<Haltable>();

  constructor(
    private readonly observer: ScopeObserver,
    takeCreated: () => Scope | undefined,
  ) {
    this.tasks = new TaskSet(observer, takeCreated);
  }

  markLastAsResource(): void {
    if (this.tasks.last) this.resources.add(this.tasks.last);
  }

  *halt(): Operation<void> {
    const failures: unknown[] = [];
    while (this.tasks.size > 0) {
      const tasks = [...this.tasks];
      // `clear`, not `delete`: these tasks are stopping, not gone yet.
      this.tasks.clear();
      failures.push(...(yield* haltConcurrently(tasks, (task) => this.resources.has(task))));
    }
    if (failures.length === 0) return;
    for (const extra of failures.slice(1)) this.observer.extraFailure(extra);
    throw failures[0];
  }
}
