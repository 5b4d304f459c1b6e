import {
  createContext,
  type Effect,
  Ok,
  type Operation,
  type Result,
  type Scope,
  type Task,
} from "effection";
import { api } from "effection/experimental";
import { type Haltable, haltConcurrently } from "./concurrent-teardown-internal.ts";

/*
 * The seam: the one file where @quiesce/core reaches past effection's public API
 * (written for effection 4.1). Every reach is guarded by
 * test/effection-seam.test.ts and test/effection-seam-tasks.test.ts, and fails
 * loudly at run time where it can be checked (`unsupported`), never silently.
 *
 * For every quiesce task (spawnTask): its body runs directly in the scope of its
 * own effection task, as an effection `spawn` does, so that it is scheduled exactly
 * like one and its children are halted the same way. That needs:
 *
 * 1. The scope of the coroutine that enters an effect (as effection's own
 *    `useScope()` reads it): `spawnTask` learns where it runs through one shared
 *    effect instead of a `useScope()` per spawn.
 * 2. "@effection/error-boundary": a failing child raises its error into its
 *    task's boundary; quiesce takes it (and halts the task) instead of effection's
 *    boundary, which would pass the failure on to the spawner (contract 13), and
 *    `main()` learns of it before anything is torn down (reason `{ kind: "error" }`).
 * 3. "@effection/task-group": the task's children are halted through it at the
 *    end of the body, before the task settles.
 * 3b. A scope's destructors (`scope.ensure`, what effection's own `ensure()` and
 *    task groups use), and "@effection/scope.children", the set of a scope's child
 *    scopes: a task settles when its effection task's scope is torn down, the very
 *    end of that task, so nothing is left of it to halt once its handle has settled
 *    (a task halted before its first step is torn down with its spawner's scope).
 *    The task's scope is learned as effection adds it to its parent's children, and
 *    its teardown has begun once effection has taken it out of them.
 *
 * For `main()` only, as middleware of `api.Scope` (from "effection/experimental")
 * put on the scope that `main()` creates, so it covers that scope and the scopes
 * below it and nothing else: effection's global scope, a nested `run()` and every
 * other effection program in the process pay nothing.
 *
 * 4. "@effection/task-group" again: below `main()` each task's group is replaced by
 *    one that halts siblings together (contract 2), and that tells `main()` which
 *    tasks are alive (effection's own `spawn` and `resource` included) for its report.
 * 5. "@effection/scope.generation": effection's `resource()` stores its owner's
 *    generation in the new task's scope a second time. That is how a resource is
 *    told from a task: it is released only after the tasks that may use it.
 */

/** Effection's private context names that the seam relies on. */
const TASK_GROUP = "@effection/task-group";
const GENERATION = "@effection/scope.generation";
const ERROR_BOUNDARY = "@effection/error-boundary";
const CHILDREN = "@effection/scope.children";

/** The parts of effection's task group that quiesce uses. */
interface EffectionTaskGroup {
  readonly tasks: Set<unknown>;
  halt(): Operation<void>;
}

const TaskGroupContext = createContext<EffectionTaskGroup | undefined>(TASK_GROUP);
const GenerationContext = createContext<unknown>(GENERATION);
const ErrorBoundaryContext = createContext<ErrorBoundary | undefined>(ERROR_BOUNDARY);
const ChildrenContext = createContext<Set<Scope> | undefined>(CHILDREN);

/** The part of effection's error boundary that the seam uses. */
export interface ErrorBoundary {
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
  /** A second (third…) sibling failed during a concurrent teardown; the first is thrown. */
  extraFailure(error: unknown): void;
}

/** The error thrown when effection no longer works the way this file relies on. */
export function unsupported(what: string): Error {
  return new Error(
    `quiesce: effection no longer ${what}; @quiesce/core was written for effection 4.1 (see effection-seam-internal.ts); please report this`,
  );
}

/**
 * Puts the seam's middleware on `scope` (the scope `main()` created) and returns
 * the check that `main()` runs when its root task's body starts.
 */
export function observeScopes(scope: Scope, observer: ScopeObserver): (bodyScope: Scope) => void {
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
      else if (!name.startsWith("@effection/")) observer.contextSet(target, name, value);
      return next(target, context, value);
    },
  });
  scope.set(TaskGroupContext, rootGroup as never);

  function markResource(target: Scope): void {
    const owner = target.get(TaskGroupContext);
    if (owner instanceof TaskGroup) owner.markLastAsResource();
    observer.resourceMarked(target);
  }

  return (bodyScope) => {
    if (rootGroup.tasks.size === 0) throw unsupported("keeps a task's children in its task group");
    if (!(bodyScope.get(TaskGroupContext) instanceof TaskGroup)) {
      throw unsupported("stores each task's task group in its scope");
    }
  };
}

// --- 1-3: every quiesce task ---

/** The scope of the coroutine entering an effect (what effection's `useScope()` reads). */
function scopeOf(routine: unknown): Scope {
  const scope = (routine as { scope?: Partial<Scope> } | undefined)?.scope;
  if (typeof scope?.get !== "function" || typeof scope.set !== "function") {
    throw unsupported("gives an effect the scope of the coroutine that enters it");
  }
  return scope as Scope;
}

const EXITED: Result<void> = Ok();
const exitAtOnce = (exited: (result: Result<void>) => void) => exited(EXITED);

/**
 * An effect that resolves with the scope of the coroutine entering it: effection's
 * `useScope()` as one shared object, so that `yield* spawnTask(…)` allocates no
 * generator, effect or closure of its own to learn where it runs.
 */
export const CURRENT_SCOPE: Effect<Scope> = {
  description: "useScope()",
  enter(resolve, routine) {
    resolve(Ok(scopeOf(routine)));
    return exitAtOnce;
  },
};

/**
 * Makes `raise` the error boundary of the task that owns `scope`: a child that
 * fails calls it with its error, and effection's own boundary is not told.
 */
export function takeChildFailures(
  scope: Scope,
  raise: ((error: unknown) => void) | ErrorBoundary,
): void {
  const boundary = scope.get(ErrorBoundaryContext);
  if (typeof boundary?.raise !== "function" || !scope.hasOwn(ErrorBoundaryContext)) {
    throw unsupported("keeps an error boundary on each task's scope");
  }
  scope.set(ErrorBoundaryContext, typeof raise === "function" ? { raise } : raise);
}

/**
 * Halts every task spawned in the task that owns `scope` (its task group), last
 * spawned first, or as the group that `main()` installed does it. Returns at once
 * if there are none; throws the first failure of a child's cleanup.
 */
export function* haltChildTasks(scope: Scope): Operation<void> {
  const group = scope.get(TaskGroupContext);
  if (!(group?.tasks instanceof Set) || typeof group.halt !== "function") {
    throw unsupported("keeps a task group on each task's scope");
  }
  if (group.tasks.size > 0) yield* group.halt();
}

/** Whether the task that owns `scope` has children to halt (see {@link haltChildTasks}). */
export function hasChildTasks(scope: Scope): boolean {
  const tasks = scope.get(TaskGroupContext)?.tasks;
  if (!(tasks instanceof Set)) throw unsupported("keeps a task group on each task's scope");
  return tasks.size > 0;
}

/** The part of effection's scope that keeps its destructors. */
interface Destructible {
  ensure(destructor: () => Operation<void>): () => void;
}

/** A destructor: what `scope.ensure` runs (as `yield* destructor()`) when the scope is torn down. */
export type Destructor = () => Operation<void>;

/** The one iterator of {@link NO_STEPS}: it holds no state, so every use shares it. */
const NO_STEP: Iterator<never, void> = {
  next: () => ({ done: true, value: undefined }),
};

/**
 * What a destructor with nothing to wait for returns: an operation of no steps (one
 * shared object: a task's end returns it, so nothing is made per task).
 */
export const NO_STEPS: Operation<void> = {
  [Symbol.iterator]: () => NO_STEP,
};

/**
 * Adds `destructor` to `scope`'s destructors: it runs when the scope is torn down,
 * after the tasks spawned in it since and the destructors added later (last added
 * first). Returns the function that takes it back.
 */
export function addDestructor(scope: Scope, destructor: Destructor): () => void {
  const method = (scope as Partial<Destructible>).ensure;
  if (typeof method !== "function") throw unsupported("keeps destructors on each scope");
  return method.call(scope, destructor);
}

/**
 * Runs `fn` when `scope` is torn down, after the tasks it spawned since (its
 * destructors run last-added first); returns the function that cancels it.
 */
export function whenDestroyed(scope: Scope, fn: () => void): () => void {
  return addDestructor(scope, () => {
    fn();
    return NO_STEPS;
  });
}

/** What learns a new task's own scope (see {@link runInOwnScope}). */
export interface OwnScopeTaker {
  /** The task's own scope, as effection creates it, before the task takes a step. */
  scopeCreated(scope: Scope): void;
}

/**
 * A scope's set of child scopes (effection adds each new scope to its parent's as
 * it creates it, and deletes it as the scope's teardown begins) that hands the
 * next child added to a taker: how a task's own scope is reached before the task
 * can take a step.
 */
class ChildScopes extends Set<Scope> {
  pending: OwnScopeTaker | undefined = undefined;

  override add(child: Scope): this {
    const taker = this.pending;
    if (taker !== undefined) {
      this.pending = undefined;
      taker.scopeCreated(child);
    }
    return super.add(child);
  }
}

function childScopesOf(scope: Scope): ChildScopes {
  const children = scope.get(ChildrenContext);
  if (children instanceof ChildScopes) return children;
  if (!(children instanceof Set) || !scope.hasOwn(ChildrenContext)) {
    throw unsupported("keeps each scope's child scopes in a set of its own");
  }
  const own = new ChildScopes();
  for (const child of children) own.add(child);
  scope.set(ChildrenContext, own);
  return own;
}

/**
 * Runs `operation` as a new task of `scope` (`scope.run`); `taker` learns the
 * task's own scope as effection creates it, before the task takes a step (even when
 * the task runs inside this call, as it does when no effection step is under way).
 */
export function runInOwnScope<T>(
  scope: Scope,
  operation: () => Operation<T>,
  taker: OwnScopeTaker,
): Task<T> {
  const children = childScopesOf(scope);
  children.pending = taker;
  let task: Task<T>;
  try {
    task = scope.run(operation);
  } catch (error) {
    children.pending = undefined;
    throw error;
  }
  if (children.pending !== undefined) {
    children.pending = undefined;
    throw unsupported("adds a new task's scope to its parent's child scopes");
  }
  return task;
}

/**
 * Whether the teardown of `child`, a scope that {@link runInOwnScope} made below
 * `parent`, has begun: effection takes a scope out of its parent's children first
 * thing when it tears it down.
 */
export function isTornDown(child: Scope, parent: Scope): boolean {
  return !childScopesOf(parent).has(child);
}

// --- 4-5: main()'s scopes ---

/** A `Set` of effection tasks that tells the observer which scope each belongs to. */
class TaskSet extends Set<Haltable> {
  last: Haltable | undefined = undefined;
  /** Made with the first task added: most tasks spawn none. */
  private scopes: WeakMap<Haltable, Scope> | undefined = undefined;

  constructor(
    private readonly observer: ScopeObserver,
    private readonly takeCreated: () => Scope | undefined,
  ) {
    super();
  }

  override add(task: Haltable): this {
    // Effection adds a task to its group right after creating the task's scope.
    const scope = this.takeCreated();
    this.scopes ??= new WeakMap();
    if (scope !== undefined && !this.scopes.has(task)) {
      this.scopes.set(task, scope);
      this.observer.taskStarted(scope);
    }
    this.last = task;
    return super.add(task);
  }

  override delete(task: Haltable): boolean {
    // Effection deletes it as the last step of tearing the task's scope down.
    const scope = this.scopes?.get(task);
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
  /** Made with the first resource marked: most groups have none. */
  private resources: WeakSet<Haltable> | undefined = undefined;

  constructor(
    private readonly observer: ScopeObserver,
    takeCreated: () => Scope | undefined,
  ) {
    this.tasks = new TaskSet(observer, takeCreated);
  }

  markLastAsResource(): void {
    const last = this.tasks.last;
    if (last === undefined) return;
    this.resources ??= new WeakSet();
    this.resources.add(last);
  }

  *halt(): Operation<void> {
    const failures: unknown[] = [];
    while (this.tasks.size > 0) {
      const tasks = [...this.tasks];
      // `clear`, not `delete`: these tasks are stopping, not gone yet.
      this.tasks.clear();
      failures.push(
        ...(yield* haltConcurrently(tasks, (task) => this.resources?.has(task) === true)),
      );
    }
    if (failures.length === 0) return;
    for (const extra of failures.slice(1)) this.observer.extraFailure(extra);
    throw failures[0];
  }
}
