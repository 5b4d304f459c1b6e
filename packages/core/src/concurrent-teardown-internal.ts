import type { Effect, Operation, Result } from "effection";
import { LEFT_WAITING, Race, Ticker, Waiting } from "./halt-race-internal.ts";

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
 * Halts every task of `batch` together, as an operation (no promise per task): a
 * halt is started, and the next one is started as soon as that halt has finished or
 * is left waiting (a microtask later), so a cleanup that waits never holds up its
 * siblings, while the many that finish at once do so one after another, as cheaply
 * as effection's own. Then waits for the halts left waiting, in turn.
 */
function* haltTogether(batch: readonly Haltable[]): Operation<unknown[]> {
  const failures: unknown[] = [];
  const waiting: Started[] = [];
  const ticker = new Ticker();
  let next = 0;
  try {
    while (next < batch.length) {
      const halt = start(batch[next++]!, failures);
      if (halt === undefined) continue;
      const race = new Race(halt.effect, ticker);
      const outcome = (yield race) as Result<unknown> | typeof LEFT_WAITING;
      const rest =
        outcome === LEFT_WAITING
          ? new Started(halt.iterator, { done: false, value: new Waiting(race) })
          : resumed(halt.iterator, outcome, failures);
      if (rest !== undefined) waiting.push(rest);
    }
  } finally {
    // Stopped early (this task was halted too): every sibling is still asked to stop now.
    while (next < batch.length) start(batch[next++]!, failures);
  }
  for (const halt of waiting) {
    try {
      yield* halt;
    } catch (error) {
      failures.push(error);
    }
  }
  return failures;
}

/** Takes the first step of a task's halt (which interrupts it): the effect it waits on. */
function start(
  task: Haltable,
  failures: unknown[],
): { iterator: Iterator<Effect<unknown>, void, unknown>; effect: Effect<unknown> } | undefined {
  try {
    const iterator = task.halt()[Symbol.iterator]();
    const step = iterator.next();
    return step.done ? undefined : { iterator, effect: step.value };
  } catch (error) {
    failures.push(error);
    return undefined;
  }
}

/** Passes a halt's first outcome on to it; what is left of it, if it waits again. */
function resumed(
  iterator: Iterator<Effect<unknown>, void, unknown>,
  outcome: Result<unknown>,
  failures: unknown[],
): Started | undefined {
  try {
    let step: Step;
    if (outcome.ok) step = iterator.next(outcome.value);
    else if (iterator.throw) step = iterator.throw(outcome.error);
    else throw outcome.error;
    return step.done ? undefined : new Started(iterator, step);
  } catch (error) {
    failures.push(error);
    return undefined;
  }
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
