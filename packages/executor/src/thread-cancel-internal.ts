import { clearStart, forbidStart, markCancelled, SLOT_BYTES, startedBy } from "./cancel-slot.mjs";
import { type CancelTransport, reasonJson } from "./cancel-transport-internal.ts";
import type { AnyJob } from "./job-internal.ts";

/**
 * Thread pools' {@link CancelTransport}: one buffer of cancel slots shared with every
 * thread, one slot per job handed over. The host writes the flag and the reason in the
 * job's slot; the worker checks it with one `Atomics.load`, and claims the job there
 * (with the thread that runs it) as it starts it, unless the host forbade that first.
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

  forbidStart(job: AnyJob): boolean {
    return job.slot < 0 || forbidStart(this.workerData, job.slot, job.id);
  }

  handOver(job: AnyJob): void {
    clearStart(this.workerData, job.slot);
  }

  workerIdOf(job: AnyJob): number | undefined {
    if (job.workerId === undefined && job.slot >= 0) {
      job.workerId = startedBy(this.workerData, job.slot, job.id);
    }
    return job.workerId;
  }
}
