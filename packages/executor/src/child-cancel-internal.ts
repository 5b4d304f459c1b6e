import type { TinypoolChannel } from "tinypool";
import { type CancelTransport, reasonJson } from "./cancel-transport-internal.ts";
import type { AnyJob } from "./job-internal.ts";
import { cancelLine } from "./protocol.mjs";
import { childProcessOf } from "./tinypool-internal.ts";
import type { WorkerRegistry } from "./worker-registry-internal.ts";

/**
 * Process pools' {@link CancelTransport}: a cancel is one line on the stdin of the child
 * running the job, read by a watcher thread there that sets the job's flag in the
 * child's own shared memory, so a job stuck in a CPU loop sees it as on a thread.
 * Tinypool tells us which child takes a task when it gives it the task's channel: no
 * message per job.
 */
export class ChildCancel implements CancelTransport {
  readonly workerData = undefined;
  readonly #workers: WorkerRegistry;

  constructor(workers: WorkerRegistry) {
    this.#workers = workers;
  }

  channelFor(job: AnyJob): TinypoolChannel {
    const channel: TinypoolChannel = {
      // Called as tinypool hands the task to a child.
      onMessage: () => {
        const worker = this.#workers.holding(channel);
        if (worker === undefined || job.state === "done") return;
        job.workerId = worker.threadId;
        job.stdin = childProcessOf(worker)?.stdin ?? undefined;
        if (job.cancelReason !== undefined) this.cancel(job);
      },
    };
    return channel;
  }

  cancel(job: AnyJob): void {
    // Not handed over yet: sent by the channel's callback above, before the task runs.
    job.stdin?.write(cancelLine(job.id, reasonJson(job.cancelReason)));
  }

  workerIdOf(job: AnyJob): number | undefined {
    return job.workerId;
  }
}
