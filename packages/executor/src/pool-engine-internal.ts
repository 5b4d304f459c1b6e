import type { CancelReason } from "@quiesce/core";
import { argumentError } from "@quiesce/core/internal";
import type { Operation } from "effection";
import type { Tinypool } from "tinypool";
import { answerOutcome } from "./answer-outcome-internal.ts";
import type { CancelTransport } from "./cancel-transport-internal.ts";
import { ChildCancel } from "./child-cancel-internal.ts";
import { wireArgs } from "./clone-check-internal.ts";
import { deserializeError } from "./deserialize-error-internal.ts";
import { PoolClosedError, UnknownFunctionError, WorkerLoadError } from "./errors.ts";
import type {
  ExecutorPool,
  Job,
  JobOutcome,
  PoolStats,
  ShutdownCounts,
  ShutdownOptions,
} from "./executor-pool.ts";
import { type AnyJob, JobRecord, type JobResult } from "./job-internal.ts";
import { JobQueue } from "./job-queue-internal.ts";
import { JobStopper } from "./job-stopper-internal.ts";
import type { PoolConfig, PoolRuntime } from "./pool-options.ts";
import { PoolShutdown } from "./pool-shutdown-internal.ts";
import {
  ARGS_AS_IS,
  ARGS_AS_V8,
  type Done,
  type Entry,
  type Envelope,
  type RunTask,
} from "./protocol.mjs";
import { checkShutdownOptions } from "./shutdown-options-internal.ts";
import { ThreadCancel } from "./thread-cancel-internal.ts";
import { raceTimeout } from "./timers-internal.ts";
import { createTinypool } from "./tinypool-internal.ts";
import { untilSettled } from "./until-settled-internal.ts";
import { fromV8Payload, isV8Payload, type V8Payload } from "./wire.mjs";
import { WorkerRegistry } from "./worker-registry-internal.ts";

/**
 * The engine behind {@link ExecutorPool}: wires the pool's own queue
 * ({@link JobQueue}), the stopping of jobs ({@link JobStopper}: cancel, grace, kill,
 * crash), the cancel transport of its runtime and its shutdown ({@link PoolShutdown})
 * around one tinypool instance, and turns the worker's answers into job outcomes.
 */
export class PoolEngine implements ExecutorPool {
  readonly name: string;
  readonly runtime: PoolRuntime;
  readonly module: string;
  readonly maxWorkers: number;
  readonly cancelGraceMs: number;
  functions: readonly string[] = [];
  readonly #config: PoolConfig;
  readonly #tp: Tinypool;
  readonly #transport: CancelTransport;
  readonly #queue: JobQueue;
  readonly #workers: WorkerRegistry;
  readonly #stopper: JobStopper;
  readonly #shutdown: PoolShutdown;
  readonly #counts: Record<JobOutcome, number> = {
    completed: 0,
    failed: 0,
    crashed: 0,
    cancelled: 0,
    killed: 0,
  };
  #nextId = 1;
  #functionsKnown = false;
  #loadError: unknown;

  constructor(config: PoolConfig) {
    this.#config = config;
    this.name = config.name;
    this.runtime = config.runtime;
    this.module = config.module;
    this.maxWorkers = config.maxWorkers;
    this.cancelGraceMs = config.cancelGraceMs;
    // As many jobs again as workers wait in tinypool's queue (see JobQueue).
    const slots = 2 * config.maxWorkers;
    const threads = config.runtime === "worker_threads" ? new ThreadCancel(slots) : undefined;
    this.#tp = createTinypool(config, threads?.workerData);
    // Worker failures are reported per job; one with no job must not crash the host.
    this.#tp.on("error", () => {});
    this.#workers = new WorkerRegistry(this.#tp, config.runtime, (worker, code, signal) =>
      this.#stopper.onExit(worker, code, signal),
    );
    this.#transport = threads ?? new ChildCancel(this.#workers);
    this.#queue = new JobQueue(slots, (job) => this.#dispatch(job));
    this.#stopper = new JobStopper({
      queue: this.#queue,
      transport: this.#transport,
      workers: this.#workers,
      graceMs: config.cancelGraceMs,
      settle: (job, outcome, result) => this.#settle(job, outcome, result),
    });
    this.#shutdown = new PoolShutdown({
      queue: this.#queue,
      cancel: (job, reason) => this.#stopper.cancel(job, reason),
      cancelUnstarted: (job, reason) => this.#stopper.cancelUnstarted(job, reason),
      destroy: () => this.#destroy(),
    });
    this.#workers.hook();
  }

  get closed(): boolean {
    return this.#shutdown.begun;
  }

  /**
   * Learns the module's exported functions, once a warm worker has loaded it (every
   * worker loads it as it starts, before it takes a job: see worker-bootstrap.mjs).
   * One probe per warm worker: they start the `minWorkers` workers' loads together.
   */
  async start(): Promise<void> {
    const probes = Array.from({ length: Math.max(1, this.#config.minWorkers) }, () =>
      this.#enqueue<Envelope>("describe", "describe", []).promise.catch(() => undefined),
    );
    const envelopes = await Promise.all(probes);
    const envelope = envelopes.find((e) => e?.ok) ?? envelopes[0];
    if (envelope?.ok) {
      this.functions = Object.freeze([...(envelope.functions ?? [])]);
      this.#functionsKnown = true;
    } else if (envelope?.kind === "load") {
      this.#loadError = deserializeError(envelope.error);
    }
  }

  submit<T = unknown>(fn: string, ...args: unknown[]): Job<T> {
    if (this.closed) throw new PoolClosedError(this.name);
    if (typeof fn !== "string" || fn === "") {
      throw argumentError("fn", "the name of a function the worker module exports", fn);
    }
    if (this.#loadError !== undefined) {
      throw new WorkerLoadError(this.module, { cause: this.#loadError });
    }
    if (this.#functionsKnown && !this.functions.includes(fn)) {
      throw new UnknownFunctionError(fn, this.module, this.functions);
    }
    return this.#enqueue<T>(fn, "run", wireArgs(this.runtime, fn, args));
  }

  stats(): PoolStats {
    // Tinypool may have started a replacement since the last dispatch.
    this.#workers.hook();
    let running = 0;
    let queued = this.#queue.size;
    for (const job of this.#queue.running) {
      if (job.entry !== "run") continue;
      // Handed over, but waiting in tinypool's queue.
      if (job.state === "queued") queued++;
      else running++;
    }
    return { running, queued, ...this.#counts, workers: this.#workers.size };
  }

  shutdown(options: ShutdownOptions = {}): Operation<ShutdownCounts> {
    const checked = checkShutdownOptions(options);
    return untilSettled(
      `shutdown of pool "${this.name}"`,
      () => this.#shutdown.close(checked),
      () => this.close({ wait: false, cancelFutures: true }),
    );
  }

  /**
   * {@link shutdown} for promise code. A later call while a shutdown is under way can
   * only make it stricter (cancel the queue, stop running jobs sooner), never looser;
   * every call resolves with the same counts.
   */
  close(options: ShutdownOptions = {}): Promise<ShutdownCounts> {
    return this.#shutdown.close(checkShutdownOptions(options));
  }

  /** The scope's teardown: cancels what is queued and running, and stops every worker. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close({ wait: false, cancelFutures: true });
  }

  /** What `job.cancel()` calls: one function for every job of the pool. */
  readonly #cancelJob = (job: AnyJob, reason: CancelReason | undefined) =>
    this.#stopper.cancel(job, reason);

  /** Whether a worker has started a job (what `job.state` asks): one function for all. */
  readonly #jobStarted = (job: AnyJob) => this.#transport.workerIdOf(job) !== undefined;

  #enqueue<T>(fn: string, entry: Entry, args: unknown[] | V8Payload): JobRecord<T> {
    const job = new JobRecord<T>(
      this.#nextId++,
      fn,
      entry,
      args,
      this.#cancelJob,
      this.#jobStarted,
    );
    this.#queue.add(job);
    return job;
  }

  #dispatch(job: AnyJob): void {
    // No AbortSignal: it costs tinypool dearly per task. A job past its grace period is
    // stopped by killing its worker (see JobStopper).
    const args = job.args;
    let task: RunTask | null = null;
    if (job.entry === "run") {
      task = Array.isArray(args)
        ? [job.id, job.slot, job.fn, ARGS_AS_IS, ...args]
        : [job.id, job.slot, job.fn, ARGS_AS_V8, args];
    }
    this.#transport.handOver(job);
    const channel = this.#transport.channelFor(job, task);
    const promise = this.#tp.run(
      task,
      channel ? { name: job.entry, channel } : { name: job.entry },
    );
    this.#workers.hook();
    promise.then(
      (answer: Done | Envelope | V8Payload) =>
        this.#onAnswer(
          job,
          isV8Payload(answer) ? (fromV8Payload(answer) as Done | Envelope) : answer,
        ),
      (error: unknown) => this.#stopper.onTaskError(job, error),
    );
  }

  #onAnswer(job: AnyJob, answer: Done | Envelope): void {
    // Being killed: the worker's exit settles the job and frees its slot.
    if (job.phase === "killing") return;
    const done = Array.isArray(answer);
    job.workerId = done ? this.#transport.workerIdOf(job) : answer.workerId;
    // The worker is free: the next job goes to it first, then this one settles (its
    // caller's continuation and the bookkeeping wait less than the worker would).
    this.#queue.release(job);
    if (job.phase === "done") return;
    if (done) this.#settle(job, "completed", { value: answer[0] });
    else this.#settle(job, ...answerOutcome(job, answer, this.module));
  }

  #settle(job: AnyJob, outcome: JobOutcome, result: JobResult): void {
    if (!job.finish(outcome, result)) return;
    this.#queue.settled(job);
    if (job.entry === "run") this.#counts[outcome]++;
  }

  /** Tinypool's `destroy()` with a deadline, then a hard kill of whatever is left. */
  async #destroy(): Promise<void> {
    this.#workers.hook();
    const destroyed = this.#tp.destroy().catch(() => {});
    await raceTimeout(destroyed, this.#config.destroyTimeoutMs);
    await this.#workers.killAll(2000);
  }
}
