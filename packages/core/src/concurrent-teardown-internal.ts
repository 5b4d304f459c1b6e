import { action, createContext, type Operation } from "effection";
import { hookContextSet } from "./scope-hooks-internal.ts";

/**
 * Concurrent sibling teardown, without patching effection.
 *
 * Effection (~4.1.1) keeps each task's children in a `TaskGroup` stored in the
 * context "@effection/task-group" and halts them one after another, last first,
 * so three one-second cleanups take three seconds. Inside `main()` quiesce stores
 * a {@link ConcurrentTaskGroup} there instead: it halts consecutive ordinary
 * siblings together and treats resources as barriers, so a resource is released
 * only after the tasks spawned after it (the ones that may use it) have finished,
 * and resources still go last-acquired-first.
 *
 * Resources are recognised by how effection's `resource()` creates its task: with
 * `prioritize`, which stores the owner's own priority in the new scope right after
 * adding the task to the group. An ordinary scope stores its parent's priority + 1.
 */

const TASK_GROUP = "@effection/task-group";
const PRIORITY = "@effection/scope.generation";

/** The parts of an effection task that a task group uses. */
interface GroupTask {
  halt(): PromiseLike<void>;
}

/** A `Set` that remembers the member added last (the task being created). */
class TaskSet extends Set<GroupTask> {
  last: GroupTask | undefined = undefined;

  override add(task: GroupTask): this {
    this.last = task;
    return super.add(task);
  }
}

/** What a group tells when more than one sibling failed during teardown. */
export type ExtraFailureSink = (error: unknown) => void;

/**
 * Drop-in replacement for effection's `TaskGroup` (same `tasks` and `halt()`),
 * halting runs of ordinary siblings concurrently.
 */
export class ConcurrentTaskGroup {
  readonly tasks: TaskSet = new TaskSet();
  private readonly resources = new WeakSet<GroupTask>();

  constructor(private readonly extraFailure: ExtraFailureSink) {}

  /** Marks the task added last as a resource (a barrier in {@link halt}). */
  markLastAsResource(): void {
    if (this.tasks.last) this.resources.add(this.tasks.last);
  }

  /**
   * Halts every task, last-added first: each run of consecutive ordinary tasks
   * together, each resource alone. Rethrows the first failure; later ones go to
   * the sink so that each is still printed once.
   */
  *halt(): Operation<void> {
    const set = this.tasks;
    const failures: unknown[] = [];
    while (set.size > 0) {
      const tasks = [...set];
      set.clear();
      let i = tasks.length - 1;
      while (i >= 0) {
        const batch: GroupTask[] = [];
        if (this.resources.has(tasks[i]!)) {
          batch.push(tasks[i]!);
          i -= 1;
        } else {
          while (i >= 0 && !this.resources.has(tasks[i]!)) {
            batch.push(tasks[i]!);
            i -= 1;
          }
        }
        failures.push(...(yield* haltTogether(batch)));
      }
    }
    if (failures.length > 0) {
      for (const extra of failures.slice(1)) this.extraFailure(extra);
      throw failures[0];
    }
  }
}

/**
 * Starts every halt at once (a halt's `then` interrupts the task synchronously),
 * then waits for all of them.
 */
function haltTogether(batch: readonly GroupTask[]): Operation<unknown[]> {
  return action<unknown[]>((resolve) => {
    const failures: unknown[] = [];
    let pending = batch.length;
    const settle = () => {
      pending -= 1;
      if (pending === 0) resolve(failures);
    };
    for (const task of batch) {
      task.halt().then(settle, (error: unknown) => {
        failures.push(error);
        settle();
      });
    }
    return () => {};
  });
}

/**
 * Turns concurrent teardown on for a scope and everything below it; the value is
 * where failures beyond the first go. `main()` sets it on its own scope only, so a
 * nested `run()` or any effection code outside `main()` keeps effection's
 * one-by-one order.
 */
export const ConcurrentTeardownContext = createContext<ExtraFailureSink | undefined>(
  "@quiesce/concurrent-teardown",
  undefined,
);

/** Installs the two context hooks that make {@link ConcurrentTeardownContext} work. */
export function installConcurrentTeardown(): void {
  hookContextSet(TASK_GROUP, (scope, group) => {
    if (group instanceof ConcurrentTaskGroup) return group;
    const sink = scope.get(ConcurrentTeardownContext);
    return sink ? new ConcurrentTaskGroup(sink) : group;
  });
  hookContextSet(PRIORITY, (scope, priority) => {
    const contexts = (scope as unknown as { contexts: Record<string, unknown> }).contexts;
    const parent = Object.getPrototypeOf(contexts) as Record<string, unknown> | null;
    if (parent !== null && priority === parent[PRIORITY]) {
      const group = contexts[TASK_GROUP];
      if (group instanceof ConcurrentTaskGroup) group.markLastAsResource();
    }
    return priority;
  });
}
