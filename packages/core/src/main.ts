import type { Operation } from "effection";
import type { MainExit } from "./main-exit-status-internal.ts";
import { checkMainOptions, type MainOptions } from "./main-options-internal.ts";
import { runMain } from "./main-run-internal.ts";
import { argumentError } from "./validate.ts";

export type { MainExit } from "./main-exit-status-internal.ts";
export type { MainOptions } from "./main-options-internal.ts";

/**
 * The body of a program: an operation, or a function of the arguments returning one.
 *
 * @example
 * ```ts
 * import type { MainBody } from "@quiesce/core";
 *
 * const body: MainBody = function* (args) { console.log(args); };
 * ```
 */
export type MainBody = Operation<unknown> | ((args: string[]) => Operation<unknown>);

/**
 * Runs a whole program as a tree of tasks, and ends the process the way its parent
 * expects: the graceful entry point (effection's `main`, Python's `asyncio.run`).
 *
 * - First SIGINT/SIGTERM/SIGHUP: the root task is cancelled with reason
 *   `{ kind: "signal", signal }` at once; every cleanup runs, siblings at the same
 *   time; then the process ends by the same signal (130, 143, 129 in a shell).
 * - Second signal during cleanup, or `graceMs` ran out: the tree of tasks still
 *   alive is printed and the process ends with the first signal's status. A
 *   repeat of the same signal within `sameSignalWindowMs` is the same event.
 * - The event loop is blocked (before or after the signal): a watchdog thread,
 *   started with `main`, prints where the main thread is stuck and the tree, and
 *   ends the process by the signal `graceMs + 500` ms after it arrived.
 * - stdout or stderr is closed by its reader (EPIPE, `prog | head`): no report,
 *   the tree is cancelled, cleanup runs, exit 141.
 * - The body returns: tasks still running are cancelled (`main-done`), exit 0.
 * - An uncaught error, `uncaughtException` or `unhandledRejection`: the tree is
 *   cancelled (`{ kind: "error" }`), each error is printed once, exit 1 or the
 *   error's own integer `exitCode` (1–125). After a signal, the signal's status wins.
 *
 * Signal and error listeners exist only while `main` runs; all are removed before
 * the process ends. Call it once per process.
 *
 * @example
 * ```ts
 * import { main, spawnTask } from "@quiesce/core";
 * import { sleep, suspend } from "effection";
 *
 * await main(function* () {
 *   yield* spawnTask(function* () {
 *     try {
 *       yield* suspend();
 *     } finally {
 *       yield* sleep(500); // cleanup: Ctrl+C waits for it, Ctrl+C twice does not
 *       console.log("flushed");
 *     }
 *   }, { name: "writer" });
 *   yield* suspend();
 * }, { graceMs: 5_000 });
 * ```
 *
 * Cancellation: `main` is the root of cancellation; nothing above it can cancel it.
 * The returned promise settles with the {@link MainExit} only when the host's
 * `exit`/`kill` return, which the real process's never do.
 */
export function main(body: MainBody, options: MainOptions = {}): Promise<MainExit> {
  const factory = toBody(body);
  const settings = checkMainOptions(options);
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, main);
  return runMain(settings, factory, site);
}

function toBody(body: MainBody): (args: string[]) => Operation<unknown> {
  if (typeof body === "function") return body;
  if (body !== null && typeof body === "object" && Symbol.iterator in body) return () => body;
  throw argumentError("body", "an operation or a function returning one", body);
}
