import { action, ensure, type Operation } from "effection";
import type { CancelReason } from "./cancel-reason.ts";
import type { CancelledError } from "./errors.ts";
import { MainControlContext } from "./main-control-internal.ts";

/**
 * Tells a long-running part of a program that shutdown has begun, before it is
 * cancelled. `yield* shutdown` waits for that moment and returns why;
 * `shutdown.signal` aborts then (its `reason` is a `CancelledError`).
 *
 * @example
 * ```ts
 * import type { Shutdown } from "@quiesce/core";
 *
 * const shutdown: Shutdown = yield* useShutdown();
 * if (shutdown.requested) return;
 * ```
 */
export interface Shutdown extends Operation<CancelReason> {
  /** Aborted when shutdown begins. */
  readonly signal: AbortSignal;
  /** True once shutdown has begun. */
  readonly requested: boolean;
  /**
   * Says this part has finished draining. Also implied when the scope that called
   * `useShutdown()` ends. Idempotent.
   */
  drained(): void;
}

/**
 * Registers the calling scope as a part that drains on shutdown (the first phase
 * of a daemon's two). On the first signal, `main()` tells every registered part,
 * waits until all of them have drained or the drain budget (`drainMs`) has run
 * out, and only then cancels the tree. A part that registers nothing is simply
 * cancelled.
 *
 * @example
 * ```ts
 * import { main, useShutdown } from "@quiesce/core";
 *
 * await main(function* () {
 *   const shutdown = yield* useShutdown();
 *   const server = yield* useHttpServer(handler); // your own resource
 *   yield* shutdown;                  // first signal: stop taking work
 *   server.close();
 *   yield* waitForInFlightRequests(); // drain
 * }, { drainMs: 5_000 });             // then the tree is cancelled
 * ```
 *
 * Cancellation: if the drain budget runs out, the tree is cancelled as usual and
 * the drain is interrupted. Outside `main()` shutdown never begins, so the same
 * library code simply runs until its scope is cancelled.
 */
export function* useShutdown(): Operation<Shutdown> {
  const control = yield* MainControlContext.get();
  if (control === undefined) return detached();
  const drainer = control.addDrainer();
  yield* ensure(() => drainer.drained());
  return makeShutdown(drainer.signal, () => drainer.drained());
}

function detached(): Shutdown {
  return makeShutdown(new AbortController().signal, () => {});
}

function makeShutdown(signal: AbortSignal, drained: () => void): Shutdown {
  return {
    signal,
    get requested() {
      return signal.aborted;
    },
    drained,
    *[Symbol.iterator]() {
      return yield* action<CancelReason>((resolve) => {
        const fire = () => resolve((signal.reason as CancelledError).reason);
        if (signal.aborted) {
          fire();
          return () => {};
        }
        signal.addEventListener("abort", fire, { once: true });
        return () => signal.removeEventListener("abort", fire);
      });
    },
  };
}
