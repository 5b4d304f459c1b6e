import type { AnyJob } from "./job-internal.ts";

/**
 * The pool's own queue in front of tinypool: a job is handed over only when one of the
 * `maxWorkers` slots is free, so tinypool's queue (and its abort paths) is never used,
 * a queued job can be removed before any worker sees it, and `maxWorkers` bounds the
 * jobs running at once. A slot is held until the worker is done with the job's task
 * (returned it, or died), which may be after the job itself has settled.
 */
export class JobQueue {
  /** Jobs waiting for a slot, oldest first. */
  readonly #queued = new Set<AnyJob>();
  /** Jobs handed to a worker and not settled yet. */
  readonly running = new Set<AnyJob>();
  readonly #free: number[];
  readonly #start: (job: AnyJob) => void;

  /** `start` hands a job that was given a slot to tinypool. */
  constructor(slots: number, start: (job: AnyJob) => void) {
    this.#free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
    this.#start = start;
  }

  /** Jobs waiting for a slot. */
  get size(): number {
    return this.#queued.size;
  }

  /** The jobs waiting, oldest first (a copy). */
  queued(): AnyJob[] {
    return [...this.#queued];
  }

  add(job: AnyJob): void {
    this.#queued.add(job);
    this.#pump();
  }

  /** Takes a job out of the queue; false if it was not waiting. */
  remove(job: AnyJob): boolean {
    return this.#queued.delete(job);
  }

  /** The job has settled: it no longer counts as running (its slot may stay taken). */
  settled(job: AnyJob): void {
    this.running.delete(job);
  }

  /** The worker is done with the job's task: its slot goes to the next job. */
  release(job: AnyJob): void {
    if (job.slot < 0) return;
    this.#free.push(job.slot);
    job.slot = -1;
    this.#pump();
  }

  #pump(): void {
    while (this.#queued.size > 0 && this.#free.length > 0) {
      const job = this.#queued.values().next().value as AnyJob;
      this.#queued.delete(job);
      job.slot = this.#free.pop() as number;
      job.state = "running";
      this.running.add(job);
      this.#start(job);
    }
  }
}
