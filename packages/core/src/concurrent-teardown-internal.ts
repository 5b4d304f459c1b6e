import { action, type Operation } from "effection";

/**
 * Concurrent sibling teardown (contract 2): what the task group that `main()`
 * puts below its scope does when a task's children must stop.
 *
 * effection halts a task's children one after another, last first, so three
 * one-second cleanups take three seconds. Here consecutive ordinary siblings are
 * halted together, and resources are barriers: a resource is released only after
 * the tasks spawned after it (the ones that may use it) have finished, and
 * resources still go last-acquired-first.
 */

/** What a teardown needs of a task: effection's `Task#halt`. */
export interface Haltable {
  halt(): PromiseLike<void>;
}

/**
 * Halts every task of `tasks` (in the order they were spawned), last first: each
 * run of ordinary tasks together, each barrier alone. Returns the failures.
 */
export function* haltConcurrently(
  tasks: readonly Haltable[],
  isBarrier: (task: Haltable) => boolean,
): Operation<unknown[]> {
  const failures: unknown[] = [];
  let i = tasks.length - 1;
  while (i >= 0) {
    const batch: Haltable[] = [];
    if (isBarrier(tasks[i]!)) {
      batch.push(tasks[i]!);
      i -= 1;
    } else {
      while (i >= 0 && !isBarrier(tasks[i]!)) {
        batch.push(tasks[i]!);
        i -= 1;
      }
    }
    failures.push(...(yield* haltTogether(batch)));
  }
  return failures;
}

/**
 * Starts every halt at once (a halt's `then` interrupts the task synchronously),
 * then waits for all of them.
 */
function haltTogether(batch: readonly Haltable[]): Operation<unknown[]> {
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
