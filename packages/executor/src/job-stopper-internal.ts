import type { CancelReason } from "@quiesce/core";
import type { TinypoolWorker } from "tinypool";
import type { CancelTransport } from "./cancel-transport-internal.ts";
import { WorkerKilledError } from "./errors.ts";
import type { JobOutcome } from "./executor-pool.ts";
import type { AnyJob, JobResult } from "./job-internal.ts";
import type { JobQueue } from "./job-queue-internal.ts";
import { timerDelay } from "./timers-internal.ts";
import { crashError } from "./worker-death-internal.ts";
import type { WorkerRegistry } from "./worker-registry-internal.ts";

/** What the stopper needs from its pool. */
export interface StopperDeps {
  readonly queue: JobQueue;
  readonly transport: CancelTransport;
  readonly workers: WorkerRegistry;
  readonly graceMs: number;
  /** Settles a job (counts it, frees nothing). */
  readonly settle: (job: AnyJob, outcome: JobOutcome, result: JobResult) => void;
}

/**
 * Stops jobs that will not finish by themselves: a cancel (a queued job is removed; a
 * running one is told, then killed with its worker after the grace period) and a crash
 * (its worker died under it). A killed or crashed job settles once its worker has
 * exited, which is also when its slot is freed, so `maxWorkers` holds even right
 * after a kill.
 */
export class JobStopper {
  readonly #deps: StopperDeps;
  /** Jobs whose worker is being killed, by worker. */
  readonly #killing = new Map<TinypoolWorker, AnyJob>();

  constructor(deps: StopperDeps) {
    this.#deps = deps;
  }

  cancel(job: AnyJob, reason: CancelReason = { kind: "explicit" }): void {
    if (job.phase === "queued") {
      this.#deps.queue.remove(job);
      job.cancelReason = reason;
      this.#deps.settle(job, "cancelled", { error: job.cancelledError() });
    } else if (job.phase === "running" && !this.cancelUnstarted(job, reason)) {
      job.phase = "cancelling";
      job.cancelReason = reason;
      this.#deps.transport.cancel(job);
      job.graceTimer = setTimeout(() => this.#kill(job), timerDelay(this.#deps.graceMs));
    }
  }

  /**
   * Cancels a job handed over that no worker has started, and makes sure none will (it
   * waits in tinypool's queue, or for a worker that starts): it settles now, and
   * its slot stays taken until its task is handed back unstarted. False, and nothing
   * done, if it has started.
   */
  cancelUnstarted(job: AnyJob, reason: CancelReason): boolean {
    if (job.phase !== "running" || !this.#deps.transport.forbidStart(job)) return false;
    job.cancelReason = reason;
    this.#deps.settle(job, "cancelled", { error: job.cancelledError() });
    return true;
  }

  /** The grace period is over and the job has not settled. */
  #kill(job: AnyJob): void {
    if (job.phase !== "cancelling") return;
    const worker = this.#workerOf(job);
    if (worker === undefined) {
      // No worker has started it, and none will: the cancel reaches the worker before
      // the job does (threads: the flag was set before the worker's id would be; the
      // worker checks the flag after writing its id; processes: the task is marked
      // cancelled as it is handed over), and it hands the task back unstarted. The job
      // settles now; its slot stays taken until tinypool returns the task, so
      // maxWorkers holds.
      this.#deps.settle(job, "cancelled", { error: job.cancelledError() });
      return;
    }
    job.phase = "killing";
    if (!this.#deps.workers.isAlive(worker)) {
      this.#killed(job);
      return;
    }
    this.#killing.set(worker, job);
    this.#deps.workers.hardKill(worker);
  }

  #killed(job: AnyJob): void {
    const error = new WorkerKilledError(job.fn, this.#deps.graceMs, job.workerId, {
      cause: job.cancelledError(),
    });
    this.#deps.settle(job, "killed", { error });
    this.#deps.queue.release(job);
  }

  /**
   * Tinypool rejected the job's task: its worker failed. The worker's exit says how,
   * so the job waits for it (with a fallback, should the worker linger).
   */
  onTaskError(job: AnyJob, error: unknown): void {
    if (job.phase === "killing") return;
    if (job.phase === "done") {
      this.#deps.queue.release(job);
      return;
    }
    // Its worker failed before it started the job: the job is not lost with it, it
    // waits for the next worker, once (a job whose task fails again is not retried for
    // ever: it crashes as below).
    if (!job.requeued && job.phase === "running" && this.#deps.transport.forbidStart(job)) {
      job.requeued = true;
      this.#deps.queue.requeue(job);
      return;
    }
    job.crashCause = error;
    const worker = this.#workerOf(job);
    if (worker !== undefined && this.#deps.workers.isAlive(worker)) {
      setTimeout(() => this.#crash(job, worker, undefined, undefined), 2000).unref();
    } else {
      this.#crash(job, worker, undefined, undefined);
    }
  }

  /** A worker exited: settles the job it was killed for, or the one it crashed under. */
  onExit(worker: TinypoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    const killed = this.#killing.get(worker);
    if (killed !== undefined) {
      this.#killing.delete(worker);
      this.#killed(killed);
      return;
    }
    for (const job of this.#deps.queue.running) {
      if (job.phase !== "killing" && this.#deps.transport.workerIdOf(job) === worker.threadId) {
        this.#crash(job, worker, code, signal);
        return;
      }
    }
  }

  #crash(
    job: AnyJob,
    worker: TinypoolWorker | undefined,
    code: number | null | undefined,
    signal: NodeJS.Signals | null | undefined,
  ): void {
    if (job.phase === "done" || job.phase === "killing") return;
    const reported = worker === undefined ? undefined : this.#deps.workers.errorOf(worker);
    const error = crashError(job.fn, {
      errors: [reported, job.crashCause],
      code,
      signal,
      workerId: worker?.threadId ?? job.workerId,
    });
    this.#deps.settle(job, "crashed", { error });
    this.#deps.queue.release(job);
  }

  #workerOf(job: AnyJob): TinypoolWorker | undefined {
    this.#deps.workers.hook();
    const id = this.#deps.transport.workerIdOf(job);
    return id === undefined ? undefined : this.#deps.workers.byId(id);
  }
}
