import { constants } from "node:os";
import { type Host, nodeHost } from "./host.ts";
import { argumentError, expectDuration } from "./validate.ts";

/**
 * Options of {@link main}. Every number is a default that a program can change.
 *
 * @example
 * ```ts
 * import { main, type MainOptions } from "@quiesce/core";
 *
 * const options: MainOptions = { graceMs: 5_000, printTreeOn: "SIGUSR2" };
 * await main(body, options);
 * ```
 */
export interface MainOptions {
  /**
   * How long cleanup may take after the first signal (or error, `exit()`, normal
   * return) before the report is printed and the process ends anyway. The
   * watchdog thread ends the process `graceMs + 500` ms after the first signal
   * even if the event loop is blocked, also when it was blocked before the
   * signal arrived. Default 10 000.
   */
  graceMs?: number;
  /**
   * The drain budget: how long parts registered with `useShutdown()` may drain
   * after the first signal before the tree is cancelled. Counts inside `graceMs`.
   * Default `graceMs / 2`.
   */
  drainMs?: number;
  /**
   * The signals `main()` owns: the first starts a graceful shutdown, a second one
   * ends the process at once. Default SIGINT, SIGTERM, SIGHUP (SIGINT, SIGBREAK,
   * SIGHUP on Windows). SIGQUIT is left alone. Add `"SIGUSR2"` to own nodemon's
   * restart signal: cleanup runs, then the process dies by SIGUSR2 as nodemon
   * expects.
   */
  signals?: readonly NodeJS.Signals[];
  /**
   * A repeat of the same signal within this many milliseconds is the same event,
   * not a second signal: `node --watch` and other wrappers forward the Ctrl+C
   * that the terminal also sent to the whole process group. Default 200.
   */
  sameSignalWindowMs?: number;
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

/** Options of a run, checked and with defaults filled in by `main()`. */
export interface MainSettings {
  readonly graceMs: number;
  readonly drainMs: number;
  readonly signals: readonly NodeJS.Signals[];
  readonly sameSignalWindowMs: number;
  readonly exitCode: "reraise" | "status";
  readonly printTreeOn: NodeJS.Signals | undefined;
  readonly name: string;
  readonly host: Host;
}

const DEFAULT_GRACE_MS = 10_000;
const DEFAULT_SAME_SIGNAL_WINDOW_MS = 200;
const UNCATCHABLE = new Set(["SIGKILL", "SIGSTOP"]);

/** The signals `main()` owns unless told otherwise (contract 1). */
export function defaultSignals(platform: NodeJS.Platform): readonly NodeJS.Signals[] {
  return platform === "win32" ? ["SIGINT", "SIGBREAK", "SIGHUP"] : ["SIGINT", "SIGTERM", "SIGHUP"];
}

/** Checks `main()`'s options at the call and fills in the defaults. */
export function checkMainOptions(options: MainOptions): MainSettings {
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
  const sameSignalWindowMs = options.sameSignalWindowMs ?? DEFAULT_SAME_SIGNAL_WINDOW_MS;
  expectDuration("sameSignalWindowMs", sameSignalWindowMs);
  const signals = options.signals ?? defaultSignals(host.platform);
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
  return {
    graceMs,
    drainMs,
    signals: [...new Set(signals)],
    sameSignalWindowMs,
    exitCode,
    printTreeOn,
    name,
    host,
  };
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
