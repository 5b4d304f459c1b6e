import { createContext, type Effect, type Operation, type Scope } from "effection";

/*
 * Where quiesce tasks reach past effection's public API (written for effection
 * 4.1). Each reach fails loudly, never silently, if effection changes what it
 * relies on; test/effection-seam-tasks.test.ts guards all three.
 *
 * A quiesce task's body runs directly in the scope of its own effection task, as
 * an effection `spawn` does, so that it is scheduled exactly like one (same
 * priority, same number of steps before it starts) and its children are halted the
 * same way. Three things need effection's inside for that:
 *
 * 1. The task's scope, without an extra step: the scope of the coroutine that
 *    enters the body's first effect (as effection's own `useScope()` reads it).
 * 2. The task's error boundary ("@effection/error-boundary"): a failing child
 *    raises its error there; quiesce takes it (and halts the task) instead of
 *    effection's boundary, which would pass the failure on to the spawner.
 * 3. The task's task group ("@effection/task-group"): its children are halted
 *    through it at the end of the body, last spawned first (or as the group that
 *    `main()` installs does it: siblings together), before the task settles.
 */

/** The parts of effection's task group that quiesce uses. */
interface TaskGroup {
  readonly tasks: Set<unknown>;
  halt(): Operation<void>;
}

/** The part of effection's error boundary that quiesce uses. */
interface ErrorBoundary {
  raise(error: unknown): void;
}

const TaskGroupContext = createContext<TaskGroup | undefined>("@effection/task-group");
const ErrorBoundaryContext = createContext<ErrorBoundary | undefined>("@effection/error-boundary");

/** The error every reach throws when effection is not what it expects. */
export function unsupported(what: string): Error {
  return new Error(
    `quiesce: effection no longer provides ${what} as @quiesce/core expects (written for effection 4.1); please report this`,
  );
}

/** Wraps `effect` so that, when it is entered, `onScope` first gets the entering task's scope. */
export function enteredIn(
  effect: Effect<unknown>,
  onScope: (scope: Scope) => void,
): Effect<unknown> {
  return {
    description: effect.description,
    enter(resolve, routine) {
      const scope = (routine as { scope?: Partial<Scope> } | undefined)?.scope;
      if (typeof scope?.get !== "function" || typeof scope.set !== "function") {
        throw unsupported("the scope of the coroutine entering an effect");
      }
      onScope(scope as Scope);
      return effect.enter(resolve, routine);
    },
  };
}

/**
 * Makes `raise` the error boundary of the task that owns `scope`: a child that
 * fails calls it with its error, and effection's own boundary is not told.
 */
export function takeChildFailures(scope: Scope, raise: (error: unknown) => void): void {
  const boundary = scope.get(ErrorBoundaryContext);
  if (typeof boundary?.raise !== "function" || !scope.hasOwn(ErrorBoundaryContext)) {
    throw unsupported("an error boundary on a task's scope");
  }
  scope.set(ErrorBoundaryContext, { raise });
}

/**
 * Halts every task spawned in the task that owns `scope` (its task group), last
 * spawned first, or as the group that `main()` installed does it. Returns at once
 * if there are none; throws the first failure of a child's cleanup.
 */
export function* haltChildTasks(scope: Scope): Operation<void> {
  const group = scope.get(TaskGroupContext);
  if (!(group?.tasks instanceof Set) || typeof group.halt !== "function") {
    throw unsupported("a task group on a task's scope");
  }
  if (group.tasks.size > 0) yield* group.halt();
}
