import type { Tinypool, TinypoolWorker } from "tinypool";
import type { PoolRuntime } from "./pool-options.ts";
import { raceTimeout } from "./timers-internal.ts";

/** The error {@link WorkerRegistry.drop} reports to tinypool; not the worker's own. */
const DROPPED = new Error("worker exited");

/**
 * The live workers of one tinypool instance, as the pool needs them: by thread id or
 * PID, with the last error each reported and a promise of its exit. Tinypool does not
 * notice a thread that exits by itself (`process.exit()` in a job), so the registry
 * listens for every worker's exit and tells the pool.
 */
export class WorkerRegistry {
  readonly #tp: Tinypool;
  readonly #runtime: PoolRuntime;
  readonly #onExit: (
    worker: TinypoolWorker,
    code: number | null,
    signal: NodeJS.Signals | null,
  ) => void;
  /** Live workers, with a promise of their exit. */
  readonly #alive = new Map<TinypoolWorker, Promise<void>>();
  readonly #byId = new Map<number, TinypoolWorker>();
  readonly #hooked = new WeakSet<TinypoolWorker>();
  readonly #errors = new WeakMap<TinypoolWorker, unknown>();

  constructor(
    tp: Tinypool,
    runtime: PoolRuntime,
    onExit: (worker: TinypoolWorker, code: number | null, signal: NodeJS.Signals | null) => void,
  ) {
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
        if (error !== DROPPED) this.#errors.set(worker, error);
      });
      const exited = new Promise<void>((resolve) => {
        worker.once("exit", (code: number | null, signal: NodeJS.Signals | null) => {
          this.#alive.delete(worker);
          if (this.#byId.get(worker.threadId) === worker) this.#byId.delete(worker.threadId);
          this.#onExit(worker, code, signal);
          resolve();
        });
      });
      this.#alive.set(worker, exited);
    }
  }

  isAlive(worker: TinypoolWorker): boolean {
    return this.#alive.has(worker);
  }

  /** The live worker with that thread id (threads) or PID (processes). */
  byId(id: number): TinypoolWorker | undefined {
    return this.#byId.get(id);
  }

  /** The last error the worker reported (its `error` event), if any. */
  errorOf(worker: TinypoolWorker): unknown {
    return this.#errors.get(worker);
  }

  /**
   * Makes tinypool let go of a thread that exited under a task (it watches its threads'
   * errors, not their exits): it removes the worker, rejects its task and starts a
   * replacement, as for a worker error.
   */
  drop(worker: TinypoolWorker): void {
    worker.emit("error", DROPPED);
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
