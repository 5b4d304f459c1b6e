import { constants } from "node:os";
import { Worker } from "node:worker_threads";
import {
  WATCHDOG_LAYOUT,
  WATCHDOG_MARGIN_MS,
  WATCHDOG_WORKER_SOURCE,
} from "./watchdog-worker-internal.ts";

/**
 * A running watchdog thread: it ends the process at its deadline unless the
 * process has ended first, and sees signals while the main thread is blocked.
 * See {@link startWatchdog}.
 *
 * @example
 * ```ts
 * import { startWatchdog, type Watchdog } from "@quiesce/core";
 *
 * const watchdog: Watchdog = startWatchdog({ afterMs: 10_500, report: "" });
 * watchdog.stop();
 * ```
 */
export interface Watchdog {
  /** Replaces the text printed if the watchdog fires and cannot ask the main thread. */
  update(report: string): void;
  /** Sets the deadline to `afterMs` from now, unless an earlier one is set. */
  arm(afterMs: number): void;
  /** Tells the watchdog that the main thread took this signal (it is not blocked). */
  took(signal: NodeJS.Signals): void;
  /** Milliseconds since the watchdog thread saw the first signal, if it saw one. */
  sinceFirstSignal(): number | undefined;
  /** How the thread sees signals: see {@link WatchdogMechanism}. */
  readonly mechanism: Promise<WatchdogMechanism>;
  /** Disarms the watchdog and ends its thread; its signal handles are gone when it returns. */
  stop(): void;
}

/**
 * How a watchdog thread sees signals while the main thread is blocked:
 * `"internal-binding"` (Node's internal `signal_wrap`, Node 20 and 24),
 * `"process-binding"` (the deprecated `process.binding`, Node 20), or `"none"`
 * (a Node version without either: a blocked loop is then seen only at the
 * deadline that `main()` arms when its teardown starts).
 *
 * @example
 * ```ts
 * import type { WatchdogMechanism } from "@quiesce/core";
 *
 * const mechanism: WatchdogMechanism = await startWatchdog({}).mechanism;
 * ```
 */
export type WatchdogMechanism = "internal-binding" | "process-binding" | "none";

/**
 * Options of {@link startWatchdog}.
 *
 * @example
 * ```ts
 * import type { WatchdogOptions } from "@quiesce/core";
 *
 * startWatchdog({ afterMs: 10_500, report: "" } satisfies WatchdogOptions);
 * ```
 */
export interface WatchdogOptions {
  /** Milliseconds from now after which the process is ended. Default: not armed. */
  readonly afterMs?: number;
  /** Printed to stderr (fd 2) before the kill, if the live tree cannot be had. */
  readonly report?: string;
  /** Signals watched from the thread, also while the main thread is blocked. Default none. */
  readonly signals?: readonly NodeJS.Signals[];
  /** After the first of `signals`, the process is ended `graceMs + 500` ms later. Default 10 000. */
  readonly graceMs?: number;
  /** A repeat of the first signal within this many ms is the same event. Default 200. */
  readonly sameSignalWindowMs?: number;
  /** Renders the live task tree; called on the main thread while the watchdog has paused it. */
  readonly describe?: () => string;
}

/** The hook that the watchdog thread reads on the paused main thread. */
const HOOK = Symbol.for("@quiesce/core.watchdog");
const { STATE, STOPPED, STOPPED_EARLY, LISTENING, TAKEN, FIRST_TAKEN } = WATCHDOG_LAYOUT;

/**
 * Starts a watchdog thread that ends the process `afterMs` from now (or
 * `graceMs + 500` ms after the first of `signals`), even if the main thread is
 * stuck in a synchronous loop. Before it ends the process it prints where the main
 * thread is stuck and the live task tree, then re-raises the first signal (the
 * parent sees "killed by SIGINT"); without a signal, or without the inspector, it
 * sends SIGKILL. It does not keep the process alive and is idle until then.
 * `main()` starts one when it starts.
 *
 * @example
 * ```ts
 * import { formatTaskTree, startWatchdog, taskTree } from "@quiesce/core";
 *
 * const watchdog = startWatchdog({ afterMs: 5_000, report: formatTaskTree(taskTree()) });
 * // ... cleanup that might hang ...
 * watchdog.stop();
 * ```
 *
 * Cancellation: not an operation; `stop()` disarms it.
 */
export function startWatchdog(options: WatchdogOptions = {}): Watchdog {
  const shared = new SharedArrayBuffer(WATCHDOG_LAYOUT.BYTES);
  const state = new Int32Array(shared, 0, WATCHDOG_LAYOUT.INTS);
  const firstAt = new Float64Array(shared, WATCHDOG_LAYOUT.FIRST_AT_BYTE, 1);
  const stopped = () => Atomics.store(state, STATE, STOPPED);
  const worker = spawnWorker(stopped, {
    shared,
    report: options.report ?? "",
    afterMs: options.afterMs,
    signals: options.signals ?? [],
    graceMs: options.graceMs ?? 10_000,
    marginMs: WATCHDOG_MARGIN_MS,
    sameSignalWindowMs: options.sameSignalWindowMs ?? 200,
    takeWithinMs: 30,
    inspectWithinMs: 300,
    reraiseWithinMs: 150,
  });
  const hook = { describe: options.describe ?? (() => undefined) };
  (globalThis as Record<symbol, unknown>)[HOOK] = hook;
  let stopping = false;
  const mechanism = new Promise<WatchdogMechanism>((resolve) => {
    worker.once("message", (message: { mechanism: WatchdogMechanism }) =>
      resolve(message.mechanism),
    );
    worker.once("error", () => resolve("none"));
    worker.once("exit", () => resolve("none"));
  });
  return {
    update(report) {
      if (!stopping) worker.postMessage({ report });
    },
    arm(afterMs) {
      if (!stopping) worker.postMessage({ afterMs });
    },
    took(signal) {
      Atomics.add(state, TAKEN, 1);
      Atomics.compareExchange(state, FIRST_TAKEN, 0, constants.signals[signal] ?? 0);
    },
    sinceFirstSignal() {
      const at = firstAt[0]!;
      return at > 0 ? Math.max(0, Date.now() - at) : undefined;
    },
    mechanism,
    stop() {
      if (stopping) return;
      stopping = true;
      if ((globalThis as Record<symbol, unknown>)[HOOK] === hook) {
        delete (globalThis as Record<symbol, unknown>)[HOOK];
      }
      worker.postMessage({ stop: true });
      // The thread's signal handles must be gone before the signal is re-raised: if
      // it is still starting, it never listens; if it listens, wait for it to stop.
      if (Atomics.compareExchange(state, STATE, 0, STOPPED_EARLY) === LISTENING) {
        Atomics.wait(state, STATE, LISTENING, 500);
      }
    },
  };
}

function spawnWorker(onError: () => void, workerData: Record<string, unknown>): Worker {
  const common = {
    eval: true,
    workerData,
    // The watchdog needs neither the parent's stdio nor its environment.
    stdout: true,
    stderr: true,
    env: {},
  } as const;
  let worker: Worker;
  try {
    worker = new Worker(WATCHDOG_WORKER_SOURCE, {
      ...common,
      execArgv: ["--expose-internals", "--no-warnings"],
    });
  } catch {
    worker = new Worker(WATCHDOG_WORKER_SOURCE, { ...common, execArgv: ["--no-warnings"] });
  }
  worker.unref();
  // An error in the watchdog must never take the program down.
  worker.on("error", onError);
  return worker;
}
