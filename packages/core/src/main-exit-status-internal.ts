import { signalNumber } from "./host.ts";
import type { MainSettings } from "./main-options-internal.ts";

/**
 * How a `main()` ended. With the real host the process is gone before anyone
 * sees it; tests read it from a fake host.
 *
 * @example
 * ```ts
 * import { main, type MainExit } from "@quiesce/core";
 *
 * const ended: MainExit = await main(body, { host: fakeHost });
 * console.log(ended.status, ended.signal, ended.forced);
 * ```
 */
export interface MainExit {
  /** The status the parent sees; for a signal, `128 + n` as a shell shows it. */
  readonly status: number;
  /** Set when the process ended by this signal (re-raised, or `128 + n`). */
  readonly signal?: NodeJS.Signals;
  /** True when cleanup did not finish: a second signal, or the grace period ran out. */
  readonly forced: boolean;
  /** Every failure that was printed, each once. */
  readonly failures: readonly unknown[];
}

/**
 * The status when the program ended because its reader went away (EPIPE on
 * stdout or stderr, contract 9a): 128 + SIGPIPE, what `yes | head` gives.
 */
export const OUTPUT_CLOSED_STATUS = 141;

/** What decided the end of a run, in the order that decides its status. */
export interface Outcome {
  /** The first signal received: it decides the status whatever else happens. */
  readonly signal: NodeJS.Signals | undefined;
  /** The first `exit(status)` that asked for the end. */
  readonly exitStatus: number | undefined;
  /** Its message, printed when no signal decided the end. */
  readonly exitMessage?: string | undefined;
  /** The shutdown began because stdout or stderr was closed. */
  readonly outputClosed: boolean;
  readonly failures: readonly unknown[];
  readonly forced: boolean;
}

/**
 * The status of a run: the first signal's `128 + n`, else the `exit()` status,
 * else 141 for a closed output, else the first failure's (1 or its `exitCode`),
 * else 1 if cleanup was cut off, else 0.
 */
export function exitStatus(outcome: Outcome): number {
  if (outcome.signal !== undefined) return 128 + signalNumber(outcome.signal);
  if (outcome.exitStatus !== undefined) return outcome.exitStatus;
  if (outcome.outputClosed) return OUTPUT_CLOSED_STATUS;
  if (outcome.failures.length > 0) return errorStatus(outcome.failures[0]);
  return outcome.forced ? 1 : 0;
}

/** An error's own `exitCode` if it is an integer from 1 to 125, else 1. */
export function errorStatus(error: unknown): number {
  const code =
    error !== null && typeof error === "object"
      ? (error as { exitCode?: unknown }).exitCode
      : undefined;
  return typeof code === "number" && Number.isInteger(code) && code >= 1 && code <= 125 ? code : 1;
}

/** What is printed at the end, besides the outcome. */
interface Printed {
  /** A second signal or the grace period cut cleanup off: what was still alive. */
  readonly report: string | undefined;
  /** Every failure, each once. */
  readonly failureReport: string | undefined;
}

/**
 * Ends the process the way its parent expects (contract 1–9): prints the report
 * and the failures, then re-raises the first signal (or exits `128 + n` where
 * that is asked or impossible), or exits with the status of the outcome.
 * `resolve` gets the {@link MainExit} before the host's `exit`/`kill`, which the
 * real process never returns from.
 */
export function endProcess(
  settings: MainSettings,
  resolve: (exit: MainExit) => void,
  outcome: Outcome & Printed,
): void {
  const { host, exitCode } = settings;
  const { signal, forced, failures } = outcome;
  // After a signal the terminal echoed `^C`: the report starts on a line of its own.
  if (outcome.report !== undefined) host.stderr(`${signal ? "\n" : ""}${outcome.report}`);
  if (outcome.failureReport !== undefined) host.stderr(outcome.failureReport);
  const status = exitStatus(outcome);
  const message = signal === undefined ? outcome.exitMessage : undefined;
  if (message !== undefined) (status === 0 ? host.stdout : host.stderr)(`${message}\n`);
  resolve(signal ? { status, signal, forced, failures } : { status, forced, failures });
  if (signal === undefined) host.exit(status);
  else if (exitCode === "reraise" && host.platform !== "win32") host.kill(signal);
  else host.exit(status);
}
