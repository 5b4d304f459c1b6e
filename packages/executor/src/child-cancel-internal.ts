import type { TinypoolChannel } from "tinypool";
import { type CancelTransport, reasonJson } from "./cancel-transport-internal.ts";
import type { AnyJob } from "./job-internal.ts";
import { CANCELLED_AT_HAND_OVER, cancelLine, type RunTask } from "./protocol.mjs";
import { childProcessOf } from "./tinypool-internal.ts";
import type { WorkerRegistry } from "./worker-registry-internal.ts";

/**
 * Process pools' {@link CancelTransport}: a cancel is one line on the stdin of the child
 * running the job, read by a watcher thread there that sets the job's flag in the
 * child's own shared memory, so a job stuck in a CPU loop sees it as on a thread.
 * Tinypool tells us which child takes a task when it gives it the task's channel: no
 * message per job. A job cancelled before that goes to its child marked
 * {@link CANCELLED_AT_HAND_OVER} and never starts, even if it has settled already.
 */
export class ChildCancel implements CancelTransport {
  readonly #workers: WorkerRegistry;

  constructor(workers: WorkerRegistry) {
    this.#workers = workers;
  }

  channelFor(job: AnyJob, task: RunTask | null): TinypoolChannel {
    const channel: TinypoolChannel = {
      // Called as tinypool hands the task to a child, before it sends (copies) the task.
      onMessage: () => {
        if (job.cancelReason !== undefined && task !== null) task[1] = CANCELLED_AT_HAND_OVER;
        const worker = this.#workers.holding(channel);
        if (worker === undefined || job.phase === "done") return;
        job.workerId = worker.threadId;
        job.stdin = childProcessOf(worker)?.stdin ?? undefined;
      },
    };
    return channel;
  }

  cancel(job: AnyJob): void {
    // Not handed over yet: the channel's callback above marks the task instead.
    job.stdin?.write(cancelLine(job.id, reasonJson(job.cancelReason)));
  }

  /**
   * A job not handed to a child yet never starts once its cancel is asked: the task
   * is marked as it is handed over. Handed over, it may have started.
   */
  forbidStart(job: AnyJob): boolean {
    return job.stdin === undefined && job.workerId === undefined;
  }

  handOver(): void {}

  workerIdOf(job: AnyJob): number | undefined {
    return job.workerId;
  }
}
