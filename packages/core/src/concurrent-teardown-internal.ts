import type { Effect, Operation } from "effection";

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

/** What a teardown needs of a task: effection's `Task#halt` (a `Future`, used as an operation). */
export interface Haltable {
  halt(): Operation<void>;
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
 * Starts every halt at once (the first step of a halt interrupts the task), then
 * waits for each in turn, as an operation: no promise per task.
 */
function* haltTogether(batch: readonly Haltable[]): Operation<unknown[]> {
  const failures: unknown[] = [];
  const halts: Started[] = [];
  for (const task of batch) {
    const halt = task.halt()[Symbol.iterator]();
    try {
      halts.push(new Started(halt, halt.next()));
    } catch (error) {
      failures.push(error);
    }
  }
  for (const halt of halts) {
    try {
      yield* halt;
    } catch (error) {
      failures.push(error);
    }
  }
  return failures;
}

type Step = IteratorResult<Effect<unknown>, void>;

/** A halt whose first step was taken: iterating it goes on from there. */
class Started
  implements Iterable<Effect<unknown>, void, unknown>, Iterator<Effect<unknown>, void, unknown>
{
  constructor(
    private readonly halt: Iterator<Effect<unknown>, void, unknown>,
    private first: Step | undefined,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(input: unknown): Step {
    const first = this.first;
    if (first === undefined) return this.halt.next(input);
    this.first = undefined;
    return first;
  }

  throw(error: unknown): Step {
    if (this.halt.throw) return this.halt.throw(error);
    throw error;
  }

  return(): Step {
    return this.halt.return ? this.halt.return() : { done: true, value: undefined };
  }
}
