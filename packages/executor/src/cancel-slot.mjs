/// <reference lib="es2024.sharedmemory" />
// The shared memory through which a running job learns it was cancelled: one slot per
// running job. Thread pools share one buffer between the host and all their threads;
// a child process has a buffer of its own, written by its watcher thread on the host's
// behalf (see child-watcher.mjs). Read and written by both sides: keep it
// dependency-free.

/** Bytes of one slot. */
export const SLOT_BYTES = 1024;
/** Int32 index, inside a slot, of the id of the job the host asked to stop (0: none). */
const CANCEL_JOB = 0;
/**
 * Int32 index, inside a slot, of the id of the job a worker thread started, or minus
 * the id of a job the host forbade to start (see {@link forbidStart}). Both sides
 * change it only by compare-and-exchange, so exactly one of them wins.
 */
const STARTED_JOB = 1;
/** Int32 index, inside a slot, of the thread id that started it. */
const WORKER_ID = 2;
/** Int32 index, inside a slot, of the byte length of the cancel reason's JSON. */
const REASON_LENGTH = 3;
/** Byte offset, inside a slot, of the cancel reason's JSON. */
const REASON_OFFSET = 16;
/** Longest cancel reason a slot holds, in bytes of UTF-8 JSON. */
export const REASON_BYTES = SLOT_BYTES - REASON_OFFSET;

const SLOT_INTS = SLOT_BYTES / 4;
const encoder = new TextEncoder();

/**
 * Marks `job` cancelled in its slot, with its reason, and wakes the job's waiter. Job
 * ids only grow, so a slot needs no reset between jobs: a flag left by an earlier job
 * never names the next one.
 *
 * @param {SharedArrayBuffer} buffer
 * @param {number} slot
 * @param {number} job
 * @param {string} reasonJson
 */
export function markCancelled(buffer, slot, job, reasonJson) {
  const ints = new Int32Array(buffer, slot * SLOT_BYTES, SLOT_INTS);
  const bytes = encoder.encode(reasonJson);
  const length = bytes.length <= REASON_BYTES ? bytes.length : 0;
  new Uint8Array(buffer, slot * SLOT_BYTES + REASON_OFFSET, length).set(bytes.subarray(0, length));
  Atomics.store(ints, REASON_LENGTH, length);
  Atomics.store(ints, CANCEL_JOB, job);
  Atomics.notify(ints, CANCEL_JOB);
}

/**
 * Worker side: one job's view of its slot.
 */
export class CancelSlot {
  /**
   * @param {Int32Array} ints the whole buffer (one view per worker)
   * @param {number} slot
   * @param {number} job
   */
  constructor(ints, slot, job) {
    this.ints = ints;
    this.base = slot * SLOT_INTS;
    this.job = job;
  }

  /**
   * Thread pools: starts the job, telling the host which thread runs it (before the
   * first check of the cancel flag); false if the host forbade it to start.
   *
   * @param {number} workerId
   * @returns {boolean}
   */
  claim(workerId) {
    const { ints, job } = this;
    const at = this.base + STARTED_JOB;
    Atomics.store(ints, this.base + WORKER_ID, workerId);
    for (;;) {
      const seen = Atomics.load(ints, at);
      if (seen === -job) return false;
      if (Atomics.compareExchange(ints, at, seen, job) === seen) return true;
    }
  }

  /** One `Atomics.load`: cheap enough for the inner loop of CPU-bound code. */
  isCancelled() {
    return Atomics.load(this.ints, this.base + CANCEL_JOB) === this.job;
  }

  /**
   * Calls `wake` once the host marks a job in this slot (or {@link release} runs); the
   * caller checks {@link isCancelled} again.
   *
   * @param {() => void} wake
   */
  onChange(wake) {
    const seen = Atomics.load(this.ints, this.base + CANCEL_JOB);
    if (seen === this.job) return wake();
    const waiter = Atomics.waitAsync(this.ints, this.base + CANCEL_JOB, seen);
    if (waiter.async) waiter.value.then(wake);
    else wake();
  }

  /** Wakes a waiter left by {@link onChange} once the job is over. */
  release() {
    Atomics.notify(this.ints, this.base + CANCEL_JOB);
  }

  /** The reason the host wrote, parsed; undefined if it did not fit or is not JSON. */
  reason() {
    const length = Atomics.load(this.ints, this.base + REASON_LENGTH);
    if (length <= 0) return undefined;
    // TextDecoder refuses views on shared memory, so copy the bytes out first.
    const start = this.base * 4 + REASON_OFFSET;
    const bytes = new Uint8Array(this.ints.buffer, start, length).slice();
    try {
      return /** @type {unknown} */ (JSON.parse(new TextDecoder().decode(bytes)));
    } catch {
      return undefined;
    }
  }
}

/**
 * Host side (thread pools): makes sure `job` never starts, unless it has already;
 * true if it will never start. A thread that takes it then hands it back unstarted.
 *
 * @param {SharedArrayBuffer} buffer
 * @param {number} slot
 * @param {number} job
 * @returns {boolean}
 */
export function forbidStart(buffer, slot, job) {
  const ints = new Int32Array(buffer, slot * SLOT_BYTES, SLOT_INTS);
  for (;;) {
    const seen = Atomics.load(ints, STARTED_JOB);
    if (seen === job) return false;
    if (seen === -job) return true;
    if (Atomics.compareExchange(ints, STARTED_JOB, seen, -job) === seen) return true;
  }
}

/**
 * Host side (thread pools): clears a slot's start mark before a job is handed over
 * in it (a job handed back unstarted keeps its id when it is handed over again).
 *
 * @param {SharedArrayBuffer} buffer
 * @param {number} slot
 */
export function clearStart(buffer, slot) {
  Atomics.store(new Int32Array(buffer, slot * SLOT_BYTES, SLOT_INTS), STARTED_JOB, 0);
}

/**
 * Host side (thread pools): the thread that started `job` in `slot`, once it has.
 *
 * @param {SharedArrayBuffer} buffer
 * @param {number} slot
 * @param {number} job
 * @returns {number | undefined}
 */
export function startedBy(buffer, slot, job) {
  const ints = new Int32Array(buffer, slot * SLOT_BYTES, SLOT_INTS);
  return Atomics.load(ints, STARTED_JOB) === job ? Atomics.load(ints, WORKER_ID) : undefined;
}
