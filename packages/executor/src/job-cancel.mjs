// Worker side: one job's cancellation, as its code sees it through the job context.
/** @import { CancelSlot } from "./cancel-slot.mjs" */

/**
 * Wraps the job's {@link CancelSlot}. The `AbortController` (and the `Atomics.waitAsync`
 * waiter that aborts it) are made only when the job reads `ctx.signal`; `cancelled()` is
 * one `Atomics.load`, in thread pools and child processes alike.
 */
export class JobCancel {
  /** @type {AbortController | undefined} */
  controller = undefined;
  /** @type {Error | undefined} */
  error = undefined;
  /** The job has returned or thrown: a late wake-up must not abort its signal. */
  over = false;

  /** @param {CancelSlot} slot */
  constructor(slot) {
    this.slot = slot;
  }

  /** The job's CancelledError, made once so `signal.reason` and throws agree. */
  cancelError() {
    this.error ??= cancelledError(this.slot.reason());
    return this.error;
  }

  abort() {
    const controller = this.controller;
    if (controller !== undefined && !controller.signal.aborted && !this.over) {
      controller.abort(this.cancelError());
    }
  }

  /**
   * `ctx.signal`: made on first read; already aborted if the cancel came first.
   *
   * @returns {AbortSignal}
   */
  signal() {
    if (this.controller !== undefined) return this.controller.signal;
    const controller = new AbortController();
    this.controller = controller;
    const check = () => {
      if (this.slot.isCancelled()) this.abort();
      else if (!this.over) this.slot.onChange(check);
    };
    check();
    return controller.signal;
  }

  /** The job is over: wakes its waiter, if it made one, so none is left behind. */
  end() {
    this.over = true;
    if (this.controller !== undefined) this.slot.release();
  }
}

/**
 * The error a job's AbortSignal is aborted with: named like @quiesce/core's
 * CancelledError and carrying the same `reason`.
 *
 * @param {unknown} reason
 */
function cancelledError(reason) {
  const kind =
    reason !== null && typeof reason === "object" && "kind" in reason
      ? String(reason.kind)
      : "explicit";
  const error = new Error(`job cancelled (${kind})`);
  error.name = "CancelledError";
  Object.defineProperty(error, "reason", {
    value: reason ?? { kind: "explicit" },
    enumerable: true,
  });
  return error;
}
