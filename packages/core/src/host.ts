import { constants } from "node:os";
import { startWatchdog, type Watchdog, type WatchdogOptions } from "./watchdog.ts";

/**
 * Everything `main()` needs from the process, so that it can be tested in-process
 * with a fake (as Effect tests its `runMain`). {@link nodeHost} is the real one.
 *
 * @example
 * ```ts
 * import { type Host, main, nodeHost } from "@quiesce/core";
 *
 * // A host that logs instead of exiting, for a test.
 * const host: Host = { ...nodeHost, exit: (status) => console.log("exit", status) };
 * await main(function* () {}, { host });
 * ```
 */
export interface Host {
  /** `process.platform`: on `win32` signals are never re-raised. */
  readonly platform: NodeJS.Platform;
  /** The arguments passed to the body (`process.argv.slice(2)`). */
  readonly argv: readonly string[];
  /** Adds a listener for a process signal; returns the function that removes it. */
  onSignal(signal: NodeJS.Signals, listener: () => void): () => void;
  /** Adds an `uncaughtException` and an `unhandledRejection` listener; returns their removal. */
  onStrayError(listener: (error: unknown, kind: StrayErrorKind) => void): () => void;
  /**
   * Adds an `error` listener to stdout and stderr (EPIPE when the reader went
   * away, `prog | head`); returns its removal.
   */
  onOutputError(listener: (stream: "stdout" | "stderr", error: unknown) => void): () => void;
  /** A monotonic clock in milliseconds (`performance.now()`). */
  now(): number;
  /** Calls `callback` after `ms` milliseconds; returns the function that cancels it. */
  setTimeout(callback: () => void, ms: number): () => void;
  /** Keeps the process alive while `main()` runs; returns the release. */
  keepAlive(): () => void;
  /** Writes to stdout, synchronously where the platform allows. */
  stdout(text: string): void;
  /** Writes to stderr, synchronously where the platform allows. */
  stderr(text: string): void;
  /** Ends the process with `status` (`process.exit`). */
  exit(status: number): void;
  /**
   * Ends the process by `signal` with its default action, so that the parent sees
   * "killed by SIGINT". Called after every listener `main()` added is removed.
   */
  kill(signal: NodeJS.Signals): void;
  /**
   * Starts the watchdog thread that sees `signals` and ends the process at its
   * deadline even if the event loop is blocked. `main()` starts it when it starts.
   */
  startWatchdog(options: WatchdogOptions): Watchdog;
}

/**
 * Where an error that escaped every task came from.
 *
 * @example
 * ```ts
 * import type { StrayErrorKind } from "@quiesce/core";
 *
 * const kind: StrayErrorKind = "unhandledRejection";
 * ```
 */
export type StrayErrorKind = "uncaughtException" | "unhandledRejection";

/**
 * The number of a signal on this platform (SIGINT → 2), for `128 + n` statuses.
 *
 * @example
 * ```ts
 * import { signalNumber } from "@quiesce/core";
 *
 * signalNumber("SIGTERM"); // 15, so a shell shows 143
 * ```
 */
export function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? (signal === "SIGBREAK" ? 21 : 0);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * The real process. `kill` re-raises: with no listener left, the signal's default
 * action ends the process before `process.kill` returns, or moments later from
 * another thread; the main thread waits for that without running any more
 * JavaScript. Where re-raising cannot work (Windows, a process that is PID 1, or a
 * listener that someone else added and did not remove) it exits with `128 + n` instead.
 *
 * @example
 * ```ts
 * import { main, nodeHost } from "@quiesce/core";
 *
 * await main(function* () {}, { host: nodeHost }); // the default
 * ```
 */
export const nodeHost: Host = {
  platform: process.platform,
  argv: process.argv.slice(2),
  onSignal(signal, listener) {
    process.on(signal, listener);
    return () => {
      process.off(signal, listener);
    };
  },
  onStrayError(listener) {
    const uncaught = (error: unknown) => listener(error, "uncaughtException");
    const unhandled = (reason: unknown) => listener(reason, "unhandledRejection");
    process.on("uncaughtException", uncaught);
    process.on("unhandledRejection", unhandled);
    return () => {
      process.off("uncaughtException", uncaught);
      process.off("unhandledRejection", unhandled);
    };
  },
  onOutputError(listener) {
    const out = (error: unknown) => listener("stdout", error);
    const err = (error: unknown) => listener("stderr", error);
    process.stdout.on("error", out);
    process.stderr.on("error", err);
    return () => {
      process.stdout.off("error", out);
      process.stderr.off("error", err);
    };
  },
  now: () => performance.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
  keepAlive() {
    const timer = setInterval(() => {}, 2 ** 30);
    return () => clearInterval(timer);
  },
  stdout(text) {
    process.stdout.write(text);
  },
  stderr(text) {
    process.stderr.write(text);
  },
  exit(status) {
    process.exit(status);
  },
  kill(signal) {
    const status = 128 + signalNumber(signal);
    // A PID 1 (a container's first process) ignores a signal it has no listener
    // for, so a re-raise would only wait: it exits with the status at once.
    if (process.platform === "win32" || process.pid === 1 || process.listenerCount(signal) > 0) {
      process.exit(status);
    }
    process.kill(process.pid, signal);
    Atomics.wait(sleeper, 0, 0, 1000);
    process.exit(status);
  },
  startWatchdog,
};
