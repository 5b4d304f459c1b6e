import { serialize } from "node:v8";
import { CancelledError, type CancelReason } from "@quiesce/core";
import { argumentError } from "@quiesce/core/internal";
import type { Operation } from "effection";
import type { Tinypool, TinypoolWorker } from "tinypool";
import { CancelSlots, plainReason } from "./cancel-slots-internal.ts";
import { deserializeError } from "./deserialize-error-internal.ts";
import {
  PoolClosedError,
  UncloneableArgumentError,
  UnknownFunctionError,
  WorkerKilledError,
  WorkerLoadError,
} from "./errors.ts";
import type {
  ExecutorPool,
  Job,
  JobOutcome,
  PoolStats,
  ShutdownCounts,
  ShutdownOptions,
} from "./executor-pool.ts";
import { type Entry, JobRecord } from "./job-internal.ts";
import type { PoolConfig, PoolRuntime } from "./pool-options.ts";
import { TAG } from "./protocol.mjs";
import { type CheckedShutdown, checkShutdownOptions } from "./shutdown-options-internal.ts";
import { raceTimeout, timerDelay } from "./timers-internal.ts";
import { createTinypool } from "./tinypool-internal.ts";
import { untilSettled } from "./until-settled-internal.ts";
import { crashError } from "./worker-death-internal.ts";
import { WorkerRegistry } from "./worker-registry-internal.ts";

const SHUTDOWN: CancelReason = { kind: "shutdown" };

/** What the worker bootstrap returns for every task. */
interface Envelope {
  ok: boolean;
  value?: unknown;
  kind?: "not-started" | "load" | "unknown-function" | "threw";
  error?: unknown;
  available?: string[];
  functions?: string[];
  workerId?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: jobs of any result type share the queue
type AnyJob = JobRecord<any>;

/**
 * The engine behind {@link ExecutorPool}: its own queue in front of tinypool (a job
 * is handed over only when a worker slot is free, so tinypool's queue-abort paths
 * are never reached), cooperative cancel through shared memory or IPC, kill after
 * the grace period, crash detection from worker exits, and shutdown with a deadline.
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
  readonly #slots: CancelSlots | undefined;
  readonly #freeSlots: number[];
  readonly #queue = new Set<AnyJob>();
  readonly #running = new Set<AnyJob>();
  readonly #counts: Record<JobOutcome, number> = {
    completed: 0,
    failed: 0,
    crashed: 0,
    cancelled: 0,
    killed: 0,
  };
  readonly #workers: WorkerRegistry;
  readonly #killing = new Map<TinypoolWorker, AnyJob>();
  #nextId = 1;
  #closed = false;
  #functionsKnown = false;
  #loadError: unknown;
  #shutdown: Promise<ShutdownCounts> | undefined;
  /** When shutdown stops waiting and cancels the running jobs (`performance.now()`). */
  #stopAt = Number.POSITIVE_INFINITY;
  #stopTimer: NodeJS.Timeout | undefined;

  constructor(config: PoolConfig) {
    this.#config = config;
    this.name = config.name;
    this.runtime = config.runtime;
    this.module = config.module;
    this.maxWorkers = config.maxWorkers;
    this.cancelGraceMs = config.cancelGraceMs;
    this.#freeSlots = Array.from(
      { length: config.maxWorkers },
      (_, i) => config.maxWorkers - 1 - i,
    );
    const isProcess = config.runtime === "child_process";
    this.#slots = isProcess ? undefined : new CancelSlots(config.maxWorkers);
    this.#tp = createTinypool(config, this.#slots?.buffer);
    // Worker failures are reported per job; one with no job must not crash the host.
    this.#tp.on("error", () => {});
    this.#workers = new WorkerRegistry(this.#tp, config.runtime, (worker, code, signal) =>
      this.#onExit(worker, code, signal),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Loads the module in every warm worker (one probe each, so all `minWorkers` are
   * ready before the pool is handed out) and learns its exported functions.
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
    if (this.#closed) throw new PoolClosedError(this.name);
    if (typeof fn !== "string" || fn === "") {
      throw argumentError("fn", "the name of a function the worker module exports", fn);
    }
    if (this.#loadError !== undefined) {
      throw new WorkerLoadError(this.module, { cause: this.#loadError });
    }
    if (this.#functionsKnown && !this.functions.includes(fn)) {
      throw new UnknownFunctionError(fn, this.module, this.functions);
    }
    this.#checkCloneable(fn, args);
    return this.#enqueue<T>(fn, "run", args);
  }

  stats(): PoolStats {
    // Tinypool may have started a replacement since the last dispatch.
    this.#workers.hook();
    let running = 0;
    for (const job of this.#running) if (job.entry === "run") running++;
    return {
      running,
      queued: this.#queue.size,
      ...this.#counts,
      workers: this.#workers.size,
    };
  }

  shutdown(options: ShutdownOptions = {}): Operation<ShutdownCounts> {
    const checked = checkShutdownOptions(options);
    return untilSettled(
      `shutdown of pool "${this.name}"`,
      () => this.#close(checked),
      () => this.close({ wait: false, cancelFutures: true }),
    );
  }

  /**
   * {@link shutdown} for promise code. A later call while a shutdown is under way can
   * only make it stricter (cancel the queue, stop running jobs sooner), never looser;
   * every call resolves with the same counts.
   */
  close(options: ShutdownOptions = {}): Promise<ShutdownCounts> {
    return this.#close(checkShutdownOptions(options));
  }

  #close({ waitMs, cancelFutures }: CheckedShutdown): Promise<ShutdownCounts> {
    if (this.#shutdown === undefined) {
      this.#closed = true;
      this.#shutdown = this.#windDown();
    }
    if (cancelFutures) for (const job of [...this.#queue]) this.#cancel(job, SHUTDOWN);
    const stopAt = performance.now() + waitMs;
    if (stopAt < this.#stopAt) {
      this.#stopAt = stopAt;
      clearTimeout(this.#stopTimer);
      if (waitMs === 0) this.#stopAll();
      else if (waitMs !== Number.POSITIVE_INFINITY) {
        this.#stopTimer = setTimeout(() => this.#stopAll(), timerDelay(waitMs));
      }
    }
    return this.#shutdown;
  }

  /** Shutdown's deadline: cancel what is queued, then what runs (grace, then kill). */
  #stopAll(): void {
    clearTimeout(this.#stopTimer);
    for (const job of [...this.#queue]) this.#cancel(job, SHUTDOWN);
    for (const job of [...this.#running]) this.#cancel(job, SHUTDOWN);
  }

  async #windDown(): Promise<ShutdownCounts> {
    const all = [...this.#queue, ...this.#running];
    const jobs = all.filter((job) => job.entry === "run");
    await Promise.all(all.map((job) => job.settled));
    clearTimeout(this.#stopTimer);
    await this.#destroy();
    let completed = 0;
    let cancelled = 0;
    let killed = 0;
    for (const job of jobs) {
      if (job.outcome === "cancelled") cancelled++;
      else if (job.outcome === "killed") killed++;
      else completed++;
    }
    return { completed, cancelled, killed };
  }

  /** Tinypool's `destroy()` with a deadline, then a hard kill of whatever is left. */
  async #destroy(): Promise<void> {
    this.#workers.hook();
    const destroyed = this.#tp.destroy().catch(() => {});
    await raceTimeout(destroyed, this.#config.destroyTimeoutMs);
    await this.#workers.killAll(2000);
  }

  /**
   * Fails at the call, naming the argument, if one cannot cross to the worker. Primitives
   * always can; the others are cloned together once, and one by one only to find the
   * culprit.
   */
  #checkCloneable(fn: string, args: unknown[]): void {
    if (!args.some(needsCloneCheck)) return;
    if (this.#cloneProblem(args) === undefined) return;
    for (let i = 0; i < args.length; i++) {
      if (!needsCloneCheck(args[i])) continue;
      const problem = this.#cloneProblem(args[i]);
      if (problem !== undefined) throw new UncloneableArgumentError(fn, i, { cause: problem });
    }
  }

  /** The error cloning `value` for the worker throws, if it does. */
  #cloneProblem(value: unknown): unknown {
    try {
      if (this.runtime === "child_process") serialize(value);
      else structuredClone(value);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  #enqueue<T>(fn: string, entry: Entry, args: unknown[]): JobRecord<T> {
    const job = new JobRecord<T>(this.#nextId++, fn, entry, args, (j, reason) =>
      this.#cancel(j, reason),
    );
    this.#queue.add(job);
    this.#pump();
    return job;
  }

  #pump(): void {
    while (this.#queue.size > 0 && this.#freeSlots.length > 0) {
      const job = this.#queue.values().next().value as AnyJob;
      this.#queue.delete(job);
      this.#dispatch(job);
    }
  }

  #dispatch(job: AnyJob): void {
    const slot = this.#freeSlots.pop() as number;
    job.slot = slot;
    job.state = "running";
    this.#running.add(job);
    this.#slots?.reset(slot);
    // No AbortSignal: it costs tinypool dearly per task. A job past its grace period is
    // stopped by killing its worker (see #kill).
    const task = { job: job.id, module: this.module, fn: job.fn, args: job.args, slot };
    // Process pools: tinypool calls onMessage as it hands the task to a child (after
    // making this the child's channel), which tells us the job's PID at no IPC cost.
    const channel =
      this.runtime === "child_process"
        ? {
            onMessage: (send: (message: unknown) => void) => {
              job.send = send;
              job.workerId ??= this.#tp.threads.find(
                (worker) => (worker as { channel?: unknown }).channel === channel,
              )?.threadId;
              if (job.cancelReason !== undefined) send(cancelMessage(job));
            },
          }
        : undefined;
    const promise = this.#tp.run(
      task,
      channel ? { name: job.entry, channel } : { name: job.entry },
    );
    this.#workers.hook();
    promise.then(
      (envelope: Envelope) => this.#onEnvelope(job, envelope),
      (error: unknown) => this.#onTinypoolError(job, error),
    );
  }

  #onEnvelope(job: AnyJob, envelope: Envelope): void {
    if (job.state === "done") {
      // Settled while its task waited for a worker (see #kill): the slot is free now.
      if (job.slot >= 0) this.#releaseAndPump(job);
      return;
    }
    if (job.state === "killing") return;
    if (envelope.workerId !== undefined) job.workerId = envelope.workerId;
    this.#releaseSlot(job);
    if (job.entry === "describe") {
      this.#finish(job, "completed", { value: envelope });
      return;
    }
    if (envelope.ok) {
      this.#finish(job, "completed", { value: envelope.value });
      return;
    }
    switch (envelope.kind) {
      case "not-started":
        this.#finish(job, "cancelled", { error: this.#cancelledError(job) });
        return;
      case "load":
        this.#finish(job, "failed", {
          error: new WorkerLoadError(this.module, { cause: deserializeError(envelope.error) }),
        });
        return;
      case "unknown-function":
        this.#finish(job, "failed", {
          error: new UnknownFunctionError(job.fn, this.module, envelope.available ?? []),
        });
        return;
      default: {
        const error = deserializeError(envelope.error);
        if (job.cancelReason === undefined) this.#finish(job, "failed", { error });
        else this.#finish(job, "cancelled", { error: this.#cancelledError(job, error) });
      }
    }
  }

  #onTinypoolError(job: AnyJob, error: unknown): void {
    if (job.state === "done") {
      if (job.slot >= 0) this.#releaseAndPump(job);
      return;
    }
    if (job.state === "killing") return;
    job.crashCause = error;
    const worker = this.#workerOf(job);
    if (worker !== undefined && this.#workers.isAlive(worker)) {
      // Its exit will say how it died; the timer is a fallback should it linger.
      setTimeout(() => this.#crash(job, worker, undefined, undefined), 2000).unref();
      return;
    }
    this.#crash(job, worker, undefined, undefined);
  }

  #cancel(job: AnyJob, reason: CancelReason = { kind: "explicit" }): void {
    if (job.state === "queued") {
      this.#queue.delete(job);
      job.cancelReason = reason;
      this.#finish(job, "cancelled", { error: this.#cancelledError(job) });
      return;
    }
    if (job.state !== "running") return;
    job.state = "cancelling";
    job.cancelReason = reason;
    if (this.#slots !== undefined) this.#slots.cancel(job.slot, reason);
    else job.send?.(cancelMessage(job));
    job.graceTimer = setTimeout(() => this.#kill(job), timerDelay(this.cancelGraceMs));
  }

  #kill(job: AnyJob): void {
    if (job.state !== "cancelling") return;
    this.#workers.hook();
    const worker = this.#workerOf(job);
    if (worker === undefined) {
      // No worker has started it, and none will: the cancel flag (threads: set before the
      // worker writes its id, so this read is ordered after it) or the cancel message
      // (processes: sent on the channel before the task) reaches the worker first, and it
      // hands the task back unstarted. The job settles now; its slot stays taken until
      // tinypool hands the task back, so maxWorkers holds.
      this.#finish(job, "cancelled", { error: this.#cancelledError(job) });
      return;
    }
    job.state = "killing";
    job.workerId ??= worker.threadId;
    if (!this.#workers.isAlive(worker)) {
      this.#releaseSlot(job);
      this.#finish(job, "killed", { error: this.#killedError(job) });
      return;
    }
    // Settled by #onExit once the worker is gone, which frees the slot.
    this.#killing.set(worker, job);
    this.#workers.hardKill(worker);
  }

  #onExit(worker: TinypoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    // Tinypool notices a child process's exit, not a thread's: a thread that died under a
    // task stays in its list holding the task until told (it then rejects the task, which
    // is settled already, and starts a replacement).
    const stale = this.#tp.threads.includes(worker);
    const killed = this.#killing.get(worker);
    if (killed !== undefined) {
      this.#killing.delete(worker);
      if (stale) this.#workers.drop(worker);
      this.#releaseSlot(killed);
      this.#finish(killed, "killed", { error: this.#killedError(killed) });
      return;
    }
    for (const job of this.#running) {
      if (
        job.state !== "done" &&
        job.state !== "killing" &&
        this.#workerIdOf(job) === worker.threadId
      ) {
        if (stale) this.#workers.drop(worker);
        this.#crash(job, worker, code, signal);
        return;
      }
    }
    // A worker that exited while idle is still in tinypool's list and would swallow the
    // next task: make tinypool drop it. (Rare: tinypool parks idle threads in
    // Atomics.wait, so their timers do not run until the next task arrives.)
    if (!this.#closed && stale) {
      this.#tp.recycleWorkers().catch(() => {});
    }
  }

  #crash(
    job: AnyJob,
    worker: TinypoolWorker | undefined,
    code: number | null | undefined,
    signal: NodeJS.Signals | null | undefined,
  ): void {
    if (job.state === "done" || job.state === "killing") return;
    const reported = worker === undefined ? undefined : this.#workers.errorOf(worker);
    this.#releaseSlot(job);
    this.#finish(job, "crashed", {
      error: crashError(job.fn, {
        errors: [reported, job.crashCause],
        code,
        signal,
        workerId: worker?.threadId ?? job.workerId,
      }),
    });
  }

  #workerIdOf(job: AnyJob): number | undefined {
    if (job.workerId !== undefined) return job.workerId;
    if (this.#slots !== undefined && job.slot >= 0) return this.#slots.workerId(job.slot);
    return undefined;
  }

  #workerOf(job: AnyJob): TinypoolWorker | undefined {
    const id = this.#workerIdOf(job);
    return id === undefined ? undefined : this.#workers.byId(id);
  }

  #releaseSlot(job: AnyJob): void {
    if (job.slot < 0) return;
    if (this.#slots !== undefined) job.workerId ??= this.#slots.workerId(job.slot);
    this.#freeSlots.push(job.slot);
    job.slot = -1;
  }

  #releaseAndPump(job: AnyJob): void {
    this.#releaseSlot(job);
    this.#pump();
  }

  #finish(job: AnyJob, outcome: JobOutcome, result: { value: unknown } | { error: unknown }): void {
    if (job.finish(outcome, result)) {
      this.#running.delete(job);
      if (job.entry === "run") this.#counts[outcome]++;
    }
    this.#pump();
  }

  #cancelledError(job: AnyJob, cause?: unknown): CancelledError {
    return new CancelledError(
      job.cancelReason ?? { kind: "explicit" },
      job.fn,
      cause === undefined ? undefined : { cause },
    );
  }

  #killedError(job: AnyJob): WorkerKilledError {
    return new WorkerKilledError(job.fn, this.cancelGraceMs, job.workerId, {
      cause: this.#cancelledError(job),
    });
  }
}

/** Primitives other than symbols always cross to a worker. */
function needsCloneCheck(value: unknown): boolean {
  return (
    (typeof value === "object" && value !== null) ||
    typeof value === "function" ||
    typeof value === "symbol"
  );
}

function cancelMessage(job: AnyJob): unknown {
  return {
    [TAG]: "cancel",
    job: job.id,
    reason: plainReason(job.cancelReason ?? { kind: "explicit" }),
  };
}
