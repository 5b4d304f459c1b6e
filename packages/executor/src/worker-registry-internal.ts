import type { ChildProcess } from "node:child_process";
import type { Tinypool, TinypoolChannel, TinypoolWorker } from "tinypool";
import { deserializeError } from "./deserialize-error-internal.ts";
import type { PoolRuntime } from "./pool-options.ts";
import { TAG, type UncaughtMessage } from "./protocol.mjs";
import { raceTimeout } from "./timers-internal.ts";
import { childProcessOf, holdsChannel } from "./tinypool-internal.ts";
import { outOfMemoryError, watchForOutOfMemory } from "./worker-death-internal.ts";

/** The error {@link WorkerRegistry} reports to tinypool to drop a worker; not the worker's own. */
const DROPPED = new Error("worker exited");

type ExitListener = (
  worker: TinypoolWorker,
  code: number | null,
  signal: NodeJS.Signals | null,
) => void;

/**
 * The live workers of one tinypool instance, as the pool needs them: by thread id or
 * PID, with the last error each reported and a promise of its exit. Every worker's exit
 * is reported to the pool once all it said is in: for a child process, after its IPC
 * and stderr have closed (an uncaught exception arrives by IPC, out of memory is only
 * said on stderr). Tinypool does not notice a thread that exits by itself
 * (`process.exit()` in a job): the registry makes it drop such a worker.
 */
export class WorkerRegistry {
  readonly #tp: Tinypool;
  readonly #runtime: PoolRuntime;
  readonly #onExit: ExitListener;
  /** Live workers, with a promise of their exit. */
  readonly #alive = new Map<TinypoolWorker, Promise<void>>();
  readonly #byId = new Map<number, TinypoolWorker>();
  readonly #hooked = new WeakSet<TinypoolWorker>();
  readonly #errors = new WeakMap<TinypoolWorker, unknown>();

  constructor(tp: Tinypool, runtime: PoolRuntime, onExit: ExitListener) {
    this.#tp = tp;
    this.#runtime = runtime;
    this.#onExit = onExit;
  }

  /** Workers alive right now. */
  get size(): number {
    return this.#alive.size;
  }

  /** Starts watching the workers tinypool started since the last call. */
  hook(): void {
    for (const worker of this.#tp.threads) {
      if (this.#hooked.has(worker)) continue;
      this.#hooked.add(worker);
      this.#byId.set(worker.threadId, worker);
      worker.on("error", (error: unknown) => {
        // The first error tells most (tinypool's own "exited unexpectedly" comes last).
        if (error !== DROPPED && !this.#errors.has(worker)) this.#errors.set(worker, error);
      });
      const child = childProcessOf(worker);
      const exited =
        child === undefined ? this.#threadExit(worker) : this.#childExit(worker, child);
      this.#alive.set(worker, exited);
    }
  }

  #threadExit(worker: TinypoolWorker): Promise<void> {
    return new Promise((resolve) => {
      worker.once("exit", (code: number | null) => {
        this.#exited(worker, code, null);
        resolve();
      });
    });
  }

  #childExit(worker: TinypoolWorker, child: ChildProcess): Promise<void> {
    child.stdin?.on("error", () => {}); // EPIPE: a cancel written as the child died
    child.on("message", (message: unknown) => {
      const m = message as Partial<UncaughtMessage> | null;
      if (m?.[TAG] === "uncaught") this.#errors.set(worker, deserializeError(m.error));
    });
    if (child.stderr) {
      watchForOutOfMemory(child.stderr, () => this.#errors.set(worker, outOfMemoryError()));
    }
    return new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        // 'close' follows once stdio and IPC are drained; a grandchild holding our
        // pipes could delay it indefinitely, hence the ceiling.
        const closed = new Promise((r) => child.once("close", r));
        raceTimeout(closed, 1000).then(() => {
          this.#exited(worker, code, signal);
          resolve();
        });
      });
    });
  }

  #exited(worker: TinypoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    this.#alive.delete(worker);
    if (this.#byId.get(worker.threadId) === worker) this.#byId.delete(worker.threadId);
    // Still in tinypool's list: it would keep the worker's task (threads) and hand it the
    // next one. Dropping it rejects the task and starts a replacement.
    if (this.#tp.threads.includes(worker)) worker.emit("error", DROPPED);
    this.#onExit(worker, code, signal);
  }

  isAlive(worker: TinypoolWorker): boolean {
    return this.#alive.has(worker);
  }

  /** The worker tinypool handed the task with this channel to. */
  holding(channel: TinypoolChannel): TinypoolWorker | undefined {
    for (let pass = 0; pass < 2; pass++) {
      for (const worker of this.#alive.keys()) if (holdsChannel(worker, channel)) return worker;
      this.hook(); // a worker tinypool started since
    }
    return undefined;
  }

  /** The live worker with that thread id (threads) or PID (processes). */
  byId(id: number): TinypoolWorker | undefined {
    return this.#byId.get(id);
  }

  /** What the worker reported when it failed: its uncaught error, out of memory... */
  errorOf(worker: TinypoolWorker): unknown {
    return this.#errors.get(worker);
  }

  /** Terminates a thread or SIGKILLs a process, without waiting. */
  hardKill(worker: TinypoolWorker): void {
    if (this.#runtime === "child_process") {
      try {
        process.kill(worker.threadId, "SIGKILL");
      } catch {
        // already gone
      }
    } else {
      worker.terminate().catch(() => {});
    }
  }

  /** Kills every worker still alive and waits (up to `ceilingMs`) for their exits. */
  async killAll(ceilingMs: number): Promise<void> {
    this.hook();
    for (const worker of this.#alive.keys()) this.hardKill(worker);
    await raceTimeout(Promise.all(this.#alive.values()), ceilingMs);
  }
}
