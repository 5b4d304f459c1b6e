import type { CancelReason } from "@quiesce/core";
import {
  CANCEL,
  REASON_LENGTH,
  REASON_OFFSET,
  RUNNING,
  SLOT_BYTES,
  STATE,
  WORKER_ID,
} from "./protocol.mjs";

const SLOT_INTS = SLOT_BYTES / 4;
const encoder = new TextEncoder();

/**
 * The shared memory a thread pool gives its workers: one slot per running job with
 * its state (running / cancel / done), the id of the thread running it and the
 * cancel reason as JSON. The worker checks cancellation with one `Atomics.load`.
 */
export class CancelSlots {
  readonly buffer: SharedArrayBuffer;
  readonly #ints: Int32Array;

  constructor(count: number) {
    this.buffer = new SharedArrayBuffer(count * SLOT_BYTES);
    this.#ints = new Int32Array(this.buffer);
  }

  /** Readies a slot for a new job. */
  reset(slot: number): void {
    const base = slot * SLOT_INTS;
    Atomics.store(this.#ints, base + WORKER_ID, 0);
    Atomics.store(this.#ints, base + REASON_LENGTH, 0);
    Atomics.store(this.#ints, base + STATE, RUNNING);
  }

  /** The thread running the slot's job, once the job has started. */
  workerId(slot: number): number | undefined {
    return Atomics.load(this.#ints, slot * SLOT_INTS + WORKER_ID) || undefined;
  }

  /** Writes the reason, flips the flag and wakes the worker's waiter. */
  cancel(slot: number, reason: CancelReason): void {
    const base = slot * SLOT_INTS;
    const bytes = encoder.encode(reasonJson(reason));
    new Uint8Array(this.buffer, slot * SLOT_BYTES + REASON_OFFSET, bytes.length).set(bytes);
    Atomics.store(this.#ints, base + REASON_LENGTH, bytes.length);
    if (Atomics.compareExchange(this.#ints, base + STATE, RUNNING, CANCEL) === RUNNING) {
      Atomics.notify(this.#ints, base + STATE);
    }
  }
}

/** A cancel reason that survives JSON and structured clone (errors become name + message). */
export function plainReason(reason: CancelReason): CancelReason {
  if (reason.kind === "error" && reason.error instanceof Error) {
    return { kind: "error", error: { name: reason.error.name, message: reason.error.message } };
  }
  return reason;
}

function reasonJson(reason: CancelReason): string {
  let json: string;
  try {
    json = JSON.stringify(plainReason(reason));
  } catch {
    json = JSON.stringify({ kind: reason.kind });
  }
  return encoder.encode(json).length <= SLOT_BYTES - REASON_OFFSET
    ? json
    : JSON.stringify({ kind: reason.kind });
}
