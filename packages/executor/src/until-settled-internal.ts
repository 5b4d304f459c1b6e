import { type Effect, Err, Ok, type Operation } from "effection";

/**
 * Waits for the promise that `start` returns, as one effect (no task or scope of its
 * own: a job is not worth one). Halting it calls `stop`, which asks the work behind the
 * promise to end, and reports the halt complete only once `stop`'s promise has settled,
 * so a halt never returns while a worker is still running the work.
 */
export function untilSettled<T>(
  description: string,
  start: () => Promise<T>,
  stop: () => Promise<unknown> | undefined,
): Operation<T> {
  return {
    *[Symbol.iterator]() {
      return (yield settle(description, start, stop)) as T;
    },
  };
}

function settle<T>(
  description: string,
  start: () => Promise<T>,
  stop: () => Promise<unknown> | undefined,
): Effect<T> {
  return {
    description,
    enter(resolve) {
      start().then(
        (value) => resolve(Ok(value)),
        (error: unknown) => resolve(Err(error as Error)),
      );
      return (exited) => {
        const stopped = stop();
        if (stopped === undefined) exited(Ok());
        else
          stopped.then(
            () => exited(Ok()),
            () => exited(Ok()),
          );
      };
    },
  };
}
