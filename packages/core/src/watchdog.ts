import { Worker } from "node:worker_threads";

/**
 * A running watchdog: it ends the process at its deadline unless the process has
 * ended first. See {@link startWatchdog}.
 *
 * @example
 * ```ts
 * import type { Watchdog } from "@quiesce/core";
 *
 * const watchdog: Watchdog = startWatchdog({ afterMs: 10_500, report: formatTaskTree(taskTree()) });
 * watchdog.stop();
 * ```
 */
export interface Watchdog {
  /** Replaces the text printed if the watchdog fires (the last known task tree). */
  update(report: string): void;
  /** Disarms the watchdog and ends its thread. */
  stop(): void;
}

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
  /** Milliseconds from now after which the process is killed. */
  readonly afterMs: number;
  /** Printed to stderr (fd 2) right before the kill. */
  readonly report: string;
}

/**
 * The worker's code. Plain JavaScript evaluated as a CommonJS script, so it runs on
 * every Node version without a TypeScript loader. It writes with `fs.writeSync(2)`
 * because a worker's `process.stderr` is relayed through the main thread, which is
 * the thread that is stuck. A worker cannot remove the main thread's signal
 * handlers nor call the process's `exit`, so re-raising the first signal is out of
 * reach: it sends SIGKILL, the one ending nothing can intercept.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
let report = workerData.report;
let at = workerData.at;
parentPort.on("message", (message) => {
  if (message === null) { process.exit(0); }
  report = message.report;
  at = message.at;
});
setTimeout(() => {
  const age = Date.now() - at;
  try {
    writeSync(2, "quiesce watchdog: the process did not end in time (event loop blocked?); " +
      "last known task tree, from " + age + " ms ago:\\n" + report);
  } finally {
    process.kill(process.pid, "SIGKILL");
  }
}, Math.max(0, workerData.deadline - Date.now()));
`;

/**
 * Starts a watchdog thread that kills the process (SIGKILL) `afterMs` from now,
 * printing the last report it was given, even if the main thread is stuck in a
 * synchronous loop. `main()` starts one when teardown begins; it does not keep the
 * process alive and costs nothing on a normal exit.
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
export function startWatchdog(options: WatchdogOptions): Watchdog {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { deadline: Date.now() + options.afterMs, report: options.report, at: Date.now() },
    // The watchdog needs neither the parent's stdio nor its environment.
    stdout: true,
    stderr: true,
    env: {},
  });
  worker.unref();
  // An error in the watchdog must never take the program down.
  worker.on("error", () => {});
  let stopped = false;
  return {
    update(report) {
      if (!stopped) worker.postMessage({ report, at: Date.now() });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      worker.postMessage(null);
    },
  };
}
