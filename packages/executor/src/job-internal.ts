import type { Writable } from "node:stream";
import { CancelledError, type CancelReason } from "@quiesce/core";
import type { Job, JobOutcome, JobState } from "./executor-pool.ts";
import type { Entry } from "./protocol.mjs";
import type { V8Payload } from "./wire.mjs";

/** What settles a job: a value, or the error it rejects with. */
export type JobResult = { value?: unknown; error?: never } | { error: unknown };

/** The host's record of one job; the object users hold as a {@link Job}. */
export class JobRecord<T = unknown> implements Job<T> {
  readonly id: number;
  readonly fn: string;
  readonly entry: Entry;
  /** What crosses to the worker: the arguments, or their V8 serialization (wire.mjs). */
  args: unknown[] | V8Payload;
  /**
   * Where the job is in the pool's own machinery: "running" from when it is handed
   * to tinypool, where it may still wait in tinypool's queue (see {@link state}).
   */
  phase: JobState = "queued";
  outcome: JobOutcome | undefined;
  workerId: number | undefined;
  readonly promise: Promise<T>;
  /** Index of its cancel slot while it holds one, else -1. */
  slot = -1;
  /** Process pools: the stdin of the child running the job, once it was handed over. */
  stdin: Writable | undefined;
  cancelReason: CancelReason | undefined;
  graceTimer: NodeJS.Timeout | undefined;
  /** An error tinypool reported for the job, kept until the worker's exit explains it. */
  crashCause: unknown;
  /** Handed over again once already, its first worker having failed before it started. */
  requeued = false;
  readonly #cancel: (job: JobRecord<T>, reason: CancelReason | undefined) => void;
  readonly #started: (job: JobRecord<T>) => boolean;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;
  #settled: Promise<void> | undefined;
  #markSettled: (() => void) | undefined;

  constructor(
    id: number,
    fn: string,
    entry: Entry,
    args: unknown[] | V8Payload,
    cancel: (job: JobRecord<T>, reason: CancelReason | undefined) => void,
    started: (job: JobRecord<T>) => boolean,
  ) {
    this.id = id;
    this.fn = fn;
    this.entry = entry;
    this.args = args;
    this.#cancel = cancel;
    this.#started = started;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** The job's {@link JobState}: a job handed over that no worker has started is queued. */
  get state(): JobState {
    const phase = this.phase;
    return phase === "running" && !this.#started(this) ? "queued" : phase;
  }

  /** Resolves (never rejects) once the job has settled; made only when asked for. */
  get settled(): Promise<void> {
    if (this.#settled === undefined) {
      this.#settled =
        this.phase === "done"
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              this.#markSettled = resolve;
            });
    }
    return this.#settled;
  }

  cancel(reason?: CancelReason): Promise<void> {
    this.#cancel(this, reason);
    return this.settled;
  }

  /** The error of a job that stopped because it was cancelled. */
  cancelledError(cause?: unknown): CancelledError {
    return new CancelledError(
      this.cancelReason ?? { kind: "explicit" },
      this.fn,
      cause === undefined ? undefined : { cause },
    );
  }

  /** Settles the job; the first call wins. Returns false if it was already settled. */
  finish(outcome: JobOutcome, result: JobResult): boolean {
    if (this.phase === "done") return false;
    this.phase = "done";
    this.outcome = outcome;
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.stdin = undefined;
    this.args = [];
    // A job stopped on purpose (by `cancel()`, a halt or a shutdown) is not an
    // unhandled failure if nobody looks at its promise.
    if (outcome === "cancelled" || outcome === "killed") this.promise.catch(() => {});
    // Told apart by `error`: an answer whose value is undefined crosses from a child
    // process without its `value` key (JSON drops it).
    if ("error" in result) this.#reject(result.error);
    else this.#resolve(result.value as T);
    this.#markSettled?.();
    return true;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: jobs of any result type share one queue
export type AnyJob = JobRecord<any>;
