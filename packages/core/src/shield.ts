import { type Effect, type Operation, useScope } from "effection";
import { type OperationLike, toFactory } from "./operation-like-internal.ts";
import { CurrentTask } from "./task-registry-internal.ts";
import { expectDuration } from "./validate.ts";

/**
 * Options of {@link shield}.
 *
 * @example
 * ```ts
 * import type { ShieldOptions } from "@quiesce/core";
 *
 * yield* shield(flush(), { budgetMs: 2_000 } satisfies ShieldOptions);
 * ```
 */
export interface ShieldOptions {
  /**
   * How long the shielded operation may go on once an outer cancel has arrived,
   * in milliseconds. Required: there is no unbounded shield by accident.
   */
  budgetMs: number;
}

/** The parts of effection's coroutine (~4.1.1) that a shield needs. */
interface Routine {
  data: { critical: boolean; unwinding: boolean };
  unwind(): void;
}

const routineEffect: Effect<Routine> = {
  description: "quiesce: current routine",
  enter(resolve, routine) {
    resolve({ ok: true, value: routine as unknown as Routine });
    return (exit) => exit({ ok: true } as never);
  },
};

function* useRoutine(): Operation<Routine> {
  return (yield routineEffect) as Routine;
}

/**
 * Runs `op` so that an outer cancellation does not interrupt it: the caller's
 * halt waits until `op` finishes, and then proceeds. From the moment the outer
 * cancel arrives, `op` has `budgetMs` left; when that runs out it is interrupted
 * (its `finally` blocks run) and the halt goes on. A shield that is never
 * cancelled runs as long as its operation does.
 *
 * Use it for the few steps that must not stop half-way: committing a write,
 * acknowledging a message, flushing a log.
 *
 * @example
 * ```ts
 * import { shield } from "@quiesce/core";
 *
 * const receipt = yield* shield(commitBatch(batch), { budgetMs: 2000 });
 * ```
 *
 * Cancellation: outer cancels are deferred, not lost: once `op` returns (or its
 * budget runs out) the caller is halted as usual, and `shield` does not return.
 */
export function shield<T>(op: OperationLike<T>, options: ShieldOptions): Operation<T> {
  const factory = toFactory("op", op);
  if (options === null || typeof options !== "object") {
    expectDuration("budgetMs", undefined);
  }
  const { budgetMs } = options;
  expectDuration("budgetMs", budgetMs);
  return {
    *[Symbol.iterator]() {
      const routine = yield* useRoutine();
      // Inside effection's own teardown the routine is already shielded.
      if (routine.data.critical) return yield* factory();
      const node = (yield* useScope()).get(CurrentTask);
      const unwind = routine.unwind;
      let timer: ReturnType<typeof setTimeout> | undefined;
      routine.data.critical = true;
      routine.unwind = () => {
        routine.data.unwinding = true;
        if (timer !== undefined) return;
        timer = setTimeout(() => {
          // Budget spent: let the halt through, interrupting `op` where it is.
          if (node && node.ownReason === undefined && node.cancelReason() === undefined) {
            node.ownReason = { kind: "budget", ms: budgetMs };
            node.cancelAskedAt = performance.now();
          }
          routine.data.critical = false;
          unwind.call(routine);
        }, budgetMs);
      };
      let value: T;
      try {
        value = yield* factory();
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        routine.unwind = unwind;
        routine.data.critical = false;
      }
      if (routine.data.unwinding) {
        // An outer cancel arrived meanwhile: resume once so effection sees it now.
        yield* useScope();
      }
      return value;
    },
  };
}
