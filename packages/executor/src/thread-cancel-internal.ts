import { markCancelled, SLOT_BYTES, startedBy } from "./cancel-slot.mjs";
import { type CancelTransport, reasonJson } from "./cancel-transport-internal.ts";
import type { AnyJob } from "./job-internal.ts";

/**
 * Thread pools' {@link CancelTransport}: one buffer of cancel slots shared with every
 * thread, one slot per running job. The host writes the flag and the reason in the
 * job's slot; the worker checks it with one `Atomics.load`, and writes there which
 * thread runs the job.
 */
export class ThreadCancel implements CancelTransport {
  readonly workerData: SharedArrayBuffer;

  constructor(slots: number) {
    this.workerData = new SharedArrayBuffer(slots * SLOT_BYTES);
  }

  channelFor(): undefined {
    return undefined;
  }

  cancel(job: AnyJob): void {
    if (job.slot >= 0)
      markCancelled(this.workerData, job.slot, job.id, reasonJson(job.cancelReason));
  }

  workerIdOf(job: AnyJob): number | undefined {
    if (job.workerId === undefined && job.slot >= 0) {
      job.workerId = startedBy(this.workerData, job.slot, job.id);
    }
    return job.workerId;
  }
}
