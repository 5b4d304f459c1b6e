import type { AnyJob } from "./job-internal.ts";

/**
 * The pool's own queue in front of tinypool: a job is handed over only when one of its
 * slots is free, so a queued job can be removed before any worker sees it and
 * tinypool's abort paths are never used. A pool has twice as many slots as workers:
 * besides the jobs its workers run, as many wait in tinypool's own queue, which is
 * shared (the first free worker takes the next one) and which tinypool serves the
 * moment a worker answers, before the answer reaches us. Such a job has not started:
 * a cancel settles it at once and it never runs (a thread's claim of a job is one
 * compare-and-exchange the host can win first; a child's task is marked as it is
 * handed over). Tinypool runs one job per worker, so `maxWorkers` still bounds the
 * jobs running. A slot is held until the worker is done with the job's task (returned
 * it, or died), which may be after the job itself has settled.
 */
export class JobQueue {
  /** Jobs waiting for a slot, oldest first from `#head`; removed ones are skipped. */
  #waiting: AnyJob[] = [];
  #head = 0;
  #size = 0;
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
    return this.#size;
  }

  /** The jobs waiting, oldest first (a copy). */
  queued(): AnyJob[] {
    return this.#waiting.slice(this.#head).filter((job) => job.phase === "queued");
  }

  add(job: AnyJob): void {
    this.#waiting.push(job);
    this.#size++;
    this.#pump();
  }

  /**
   * Takes a waiting job out of the queue (O(1): it is skipped when its turn comes, as
   * it is no longer `queued` once its caller settles it); false if it was not waiting.
   */
  remove(job: AnyJob): boolean {
    if (job.phase !== "queued" || job.slot >= 0) return false;
    this.#size--;
    return true;
  }

  /**
   * A job handed over that never started (its worker died before it could) waits
   * again, first in line; its slot is freed.
   */
  requeue(job: AnyJob): void {
    this.running.delete(job);
    job.phase = "queued";
    if (job.slot >= 0) this.#free.push(job.slot);
    job.slot = -1;
    if (this.#head > 0) this.#waiting[--this.#head] = job;
    else this.#waiting.unshift(job);
    this.#size++;
    this.#pump();
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
    while (this.#size > 0 && this.#free.length > 0) {
      const job = this.#waiting[this.#head++] as AnyJob;
      if (job.phase !== "queued") continue;
      this.#size--;
      job.slot = this.#free.pop() as number;
      job.phase = "running";
      this.running.add(job);
      this.#start(job);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }
}
