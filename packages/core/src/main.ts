import { constants } from "node:os";
import type { Operation } from "effection";
import { type Host, nodeHost } from "./host.ts";
import { type MainExit, MainRun, type MainSettings } from "./main-run-internal.ts";
import { argumentError, expectDuration } from "./validate.ts";

export type { MainExit } from "./main-run-internal.ts";

/**
 * Options of {@link main}. Every number is a default that a program can change.
 *
 * @example
 * ```ts
 * import type { MainOptions } from "@quiesce/core";
 *
 * await main(body, { graceMs: 5_000, printTreeOn: "SIGUSR2" } satisfies MainOptions);
 * ```
 */
export interface MainOptions {
  /**
   * How long cleanup may take after the first signal (or error, `exit()`, normal
   * return) before the report is printed and the process ends anyway. A watchdog
   * thread ends the process `graceMs + 500` ms after that moment even if the event
   * loop is blocked. Default 10 000.
   */
  graceMs?: number;
  /**
   * The drain budget: how long parts registered with `useShutdown()` may drain
   * after the first signal before the tree is cancelled. Counts inside `graceMs`.
   * Default `graceMs / 2`.
   */
  drainMs?: number;
  /**
   * The signals that start a graceful shutdown. Default SIGINT, SIGTERM, SIGHUP
   * (SIGINT, SIGBREAK, SIGHUP on Windows). SIGQUIT is left alone.
   */
  signals?: readonly NodeJS.Signals[];
  /**
   * `"reraise"` (default): after a signal, end the process by that same signal,
   * so the parent sees "killed by SIGINT" (a shell shows 130). `"status"`: exit
   * with the plain status `128 + n` instead.
   */
  exitCode?: "reraise" | "status";
  /** A signal that prints the live task tree to stderr, e.g. `"SIGUSR2"`. Default none. */
  printTreeOn?: NodeJS.Signals | false;
  /** Name of the root task in reports. Default `"main"`. */
  name?: string;
  /** The process, or a fake of it for tests. Default {@link nodeHost}. */
  host?: Host;
}

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

const DEFAULT_GRACE_MS = 10_000;
const UNCATCHABLE = new Set(["SIGKILL", "SIGSTOP"]);

/**
 * Runs a whole program as a tree of tasks, and ends the process the way its parent
 * expects: the graceful entry point (effection's `main`, Python's `asyncio.run`).
 *
 * - First SIGINT/SIGTERM/SIGHUP: the root task is cancelled with reason
 *   `{ kind: "signal", signal }` at once; every cleanup runs, siblings at the same
 *   time; then the process ends by the same signal (130, 143, 129 in a shell).
 * - Second signal during cleanup, or `graceMs` ran out: the tree of tasks still
 *   alive is printed and the process ends with the first signal's status.
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
  const settings = checkOptions(options);
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, main);
  return new MainRun(settings, factory, site).ended;
}

function toBody(body: MainBody): (args: string[]) => Operation<unknown> {
  if (typeof body === "function") return body;
  if (body !== null && typeof body === "object" && Symbol.iterator in body) return () => body;
  throw argumentError("body", "an operation or a function returning one", body);
}

function checkOptions(options: MainOptions): MainSettings {
  if (options === null || typeof options !== "object") {
    throw argumentError("options", "an object", options);
  }
  const host = options.host ?? nodeHost;
  if (host === null || typeof host !== "object" || typeof host.onSignal !== "function") {
    throw argumentError("host", "a Host", host);
  }
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  expectDuration("graceMs", graceMs);
  const drainMs = options.drainMs ?? graceMs / 2;
  expectDuration("drainMs", drainMs);
  const signals =
    options.signals ??
    (host.platform === "win32"
      ? (["SIGINT", "SIGBREAK", "SIGHUP"] as const)
      : (["SIGINT", "SIGTERM", "SIGHUP"] as const));
  if (!Array.isArray(signals)) throw argumentError("signals", "an array of signal names", signals);
  for (const signal of signals) checkSignal("signals", signal);
  const exitCode = options.exitCode ?? "reraise";
  if (exitCode !== "reraise" && exitCode !== "status") {
    throw argumentError("exitCode", '"reraise" or "status"', exitCode);
  }
  const printTreeOn = options.printTreeOn || undefined;
  if (printTreeOn !== undefined) {
    checkSignal("printTreeOn", printTreeOn);
    if (signals.includes(printTreeOn)) {
      throw argumentError("printTreeOn", "a signal not in `signals`", printTreeOn);
    }
  }
  const name = options.name ?? "main";
  if (typeof name !== "string" || name.trim() === "") {
    throw argumentError("name", "a non-empty string", name);
  }
  return { graceMs, drainMs, signals: [...signals], exitCode, printTreeOn, name, host };
}

function checkSignal(option: string, signal: unknown): asserts signal is NodeJS.Signals {
  if (
    typeof signal !== "string" ||
    !(signal in constants.signals || signal === "SIGBREAK") ||
    UNCATCHABLE.has(signal) ||
    signal === "SIGQUIT"
  ) {
    throw argumentError(option, "a catchable signal name other than SIGQUIT", signal);
  }
}
