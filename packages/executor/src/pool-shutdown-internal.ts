import type { CancelReason } from "@quiesce/core";
import type { ShutdownCounts } from "./executor-pool.ts";
import type { AnyJob } from "./job-internal.ts";
import type { JobQueue } from "./job-queue-internal.ts";
import type { CheckedShutdown } from "./shutdown-options-internal.ts";
import { timerDelay } from "./timers-internal.ts";

const SHUTDOWN: CancelReason = { kind: "shutdown" };

/** What a shutdown needs from its pool. */
export interface ShutdownDeps {
  readonly queue: JobQueue;
  readonly cancel: (job: AnyJob, reason: CancelReason) => void;
  /** Cancels a job handed over that no worker has started (false if one has). */
  readonly cancelUnstarted: (job: AnyJob, reason: CancelReason) => boolean;
  /** Stops every worker (tinypool's `destroy()` with a deadline, then kills). */
  readonly destroy: () => Promise<void>;
}

/**
 * A pool's shutdown, as in `concurrent.futures`: from the first call the pool takes no
 * new jobs; queued jobs are cancelled only with `cancelFutures` (otherwise they still
 * run); jobs running when the wait runs out are cancelled (grace, then kill). Once
 * every job that was queued or running has settled, the workers are stopped. Later
 * calls can only make it stricter, and all get the same counts.
 */
export class PoolShutdown {
  readonly #deps: ShutdownDeps;
  #counts: Promise<ShutdownCounts> | undefined;
  /** When the wait for running jobs runs out (`performance.now()`). */
  #stopAt = Number.POSITIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: ShutdownDeps) {
    this.#deps = deps;
  }

  /** True once shutdown has begun. */
  get begun(): boolean {
    return this.#counts !== undefined;
  }

  close({ waitMs, cancelFutures }: CheckedShutdown): Promise<ShutdownCounts> {
    this.#counts ??= this.#windDown();
    if (cancelFutures) {
      for (const job of this.#deps.queue.queued()) this.#deps.cancel(job, SHUTDOWN);
      // Handed over but waiting in tinypool's queue: not started, so a future too.
      for (const job of [...this.#deps.queue.running]) this.#deps.cancelUnstarted(job, SHUTDOWN);
    }
    if (waitMs === 0) this.#stopRunning();
    else if (performance.now() + waitMs < this.#stopAt) {
      this.#stopAt = performance.now() + waitMs;
      clearTimeout(this.#timer);
      if (waitMs !== Number.POSITIVE_INFINITY) {
        this.#timer = setTimeout(() => this.#stopRunning(), timerDelay(waitMs));
      }
    }
    return this.#counts;
  }

  /**
   * The wait ran out: cancels the jobs running now (grace, then kill). A job handed
   * over that no worker has started yet is a queued one: it still runs, unless
   * `cancelFutures`.
   */
  #stopRunning(): void {
    clearTimeout(this.#timer);
    this.#stopAt = Number.NEGATIVE_INFINITY;
    for (const job of [...this.#deps.queue.running]) {
      if (job.state !== "queued") this.#deps.cancel(job, SHUTDOWN);
    }
  }

  async #windDown(): Promise<ShutdownCounts> {
    const all = [...this.#deps.queue.queued(), ...this.#deps.queue.running];
    await Promise.all(all.map((job) => job.settled));
    clearTimeout(this.#timer);
    await this.#deps.destroy();
    let completed = 0;
    let cancelled = 0;
    let killed = 0;
    for (const job of all) {
      if (job.entry !== "run") continue;
      if (job.outcome === "cancelled") cancelled++;
      else if (job.outcome === "killed") killed++;
      else completed++;
    }
    return { completed, cancelled, killed };
  }
}
