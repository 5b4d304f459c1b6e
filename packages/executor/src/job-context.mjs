// Worker side: the context a job function receives as its last argument (its type,
// `JobContext`, is in job-context.ts).
/** @import { JobCancel } from "./job-cancel.mjs" */

/** Where `ctx.signal`'s getter finds the job's {@link JobCancel}. */
const CANCEL_STATE = Symbol("quiesce.jobCancel");

/**
 * `ctx.signal`: one getter shared by every context (a getter made per job, as in an
 * object literal, costs V8 a new object shape each time, over a microsecond per job).
 */
const SIGNAL_PROPERTY = {
  /** @this {{ [CANCEL_STATE]: JobCancel }} */
  get() {
    return this[CANCEL_STATE].signal();
  },
  enumerable: true,
};

/**
 * The frozen context of one job.
 *
 * @param {number} jobId
 * @param {number} workerId
 * @param {JobCancel} cancel
 */
export function createJobContext(jobId, workerId, cancel) {
  const slot = cancel.slot;
  const cancelled = () => slot.isCancelled();
  const ctx = {
    jobId,
    workerId,
    cancelled,
    throwIfCancelled() {
      if (slot.isCancelled()) {
        cancel.abort();
        throw cancel.cancelError();
      }
    },
    [CANCEL_STATE]: cancel,
  };
  Object.defineProperty(ctx, "signal", SIGNAL_PROPERTY);
  return Object.freeze(ctx);
}
