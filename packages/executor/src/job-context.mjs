// Worker side: the context a job function receives as its last argument (its type,
// `JobContext`, is in job-context.ts).
/** @import { JobCancel } from "./job-cancel.mjs" */

/**
 * The frozen context of one job. A class: its shape is made once, where an object
 * literal with a getter added by `defineProperty` cost V8 a new shape per job (over
 * a microsecond). `cancelled` and `throwIfCancelled` are the job's own functions, so
 * that they work when taken off the context (`const { cancelled } = ctx`).
 */
export class JobContext {
  /** @type {JobCancel} */
  #cancel;

  /**
   * @param {number} jobId
   * @param {number} workerId
   * @param {JobCancel} cancel
   */
  constructor(jobId, workerId, cancel) {
    this.#cancel = cancel;
    const slot = cancel.slot;
    this.jobId = jobId;
    this.workerId = workerId;
    /** @returns {boolean} */
    this.cancelled = () => slot.isCancelled();
    this.throwIfCancelled = () => {
      if (slot.isCancelled()) {
        cancel.abort();
        throw cancel.cancelError();
      }
    };
    Object.freeze(this);
  }

  /** Aborts when the job is cancelled (made when first read). */
  get signal() {
    return this.#cancel.signal();
  }
}
