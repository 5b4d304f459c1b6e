import { type CancelReason, describeCancelReason } from "./cancel-reason.ts";

/**
 * Options of {@link CancelledError}.
 *
 * @example
 * ```ts
 * import { CancelledError, type CancelledErrorOptions } from "@quiesce/core";
 *
 * const options: CancelledErrorOptions = { value: 5 };
 * new CancelledError({ kind: "explicit", value: 5 }, "worker", options).value; // 5
 * ```
 */
export interface CancelledErrorOptions extends ErrorOptions {
  /**
   * Exactly what was given to `cancel()`. Default: `reason.value` when the reason
   * carries one, else the reason itself.
   */
  value?: unknown;
}

/**
 * Thrown by (and stored in) a task that was cancelled. `reason` says why, as a
 * structured {@link CancelReason}; `value` gives back exactly what was passed to
 * `cancel()`, whatever it was (`cancel(5)` → `5`, `cancel(error)` → that error,
 * `cancel("reload")` → `"reload"`, `cancel({ kind: "signal", … })` → that reason).
 * A value that is not a `CancelReason` shows in `reason` as
 * `{ kind: "explicit", value }`, and an `Error` given as the value is also the
 * `cause`.
 *
 * @example
 * ```ts
 * import { CancelledError } from "@quiesce/core";
 *
 * try {
 *   yield* task;
 * } catch (error) {
 *   if (error instanceof CancelledError) console.log(error.reason.kind, error.value);
 * }
 * ```
 */
export class CancelledError extends Error {
  override readonly name = "CancelledError";
  /** Why the task was cancelled. */
  readonly reason: CancelReason;
  /** Exactly what was given to `cancel()` (see the class description). */
  readonly value: unknown;
  /** Name of the task that was cancelled, when known. */
  readonly taskName: string | undefined;

  constructor(reason: CancelReason, taskName?: string, options: CancelledErrorOptions = {}) {
    const value = Object.hasOwn(options, "value")
      ? options.value
      : reason.kind === "explicit" && Object.hasOwn(reason, "value")
        ? reason.value
        : reason;
    const cause =
      Object.hasOwn(options, "cause") || !(value instanceof Error) ? options : { cause: value };
    super(
      taskName
        ? `task "${taskName}" was cancelled (${describeCancelReason(reason)})`
        : `cancelled (${describeCancelReason(reason)})`,
      cause,
    );
    this.reason = reason;
    this.value = value;
    this.taskName = taskName;
  }
}

/**
 * Thrown by `withTimeout(ms, op)` when `op` did not finish in time. The operation
 * itself was cancelled with reason `{ kind: "timeout", ms }` before this is thrown.
 *
 * @example
 * ```ts
 * import { TimeoutError, withTimeout } from "@quiesce/core";
 *
 * try {
 *   yield* withTimeout(100, slowOperation());
 * } catch (error) {
 *   if (error instanceof TimeoutError) console.log(`gave up after ${error.ms} ms`);
 * }
 * ```
 */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  /** The time limit that ran out, in milliseconds. */
  readonly ms: number;

  constructor(ms: number, options?: ErrorOptions) {
    super(`timed out after ${ms} ms`, options);
    this.ms = ms;
  }
}

/**
 * Thrown when a task handle is asked for something its state does not allow, such
 * as `result()` on a task that is still running (asyncio's `InvalidStateError`).
 *
 * @example
 * ```ts
 * import { InvalidStateError } from "@quiesce/core";
 *
 * try {
 *   task.result();
 * } catch (error) {
 *   if (error instanceof InvalidStateError) console.log(error.state); // "running"
 * }
 * ```
 */
export class InvalidStateError extends Error {
  override readonly name = "InvalidStateError";
  /** The state the task was in. */
  readonly state: string;

  constructor(message: string, state: string) {
    super(message);
    this.state = state;
  }
}

/**
 * Thrown by an operation that only makes sense below `main()`, such as `exit()`,
 * when it runs outside one.
 *
 * @example
 * ```ts
 * import { exit, MainNotRunningError } from "@quiesce/core";
 * import { run } from "effection";
 *
 * await run(function* () {
 *   try {
 *     yield* exit(1);
 *   } catch (error) {
 *     if (error instanceof MainNotRunningError) console.log(error.operation); // "exit"
 *   }
 * });
 * ```
 */
export class MainNotRunningError extends Error {
  override readonly name = "MainNotRunningError";
  /** The operation that was called. */
  readonly operation: string;

  constructor(operation: string) {
    super(`${operation}() can only be used below main()`);
    this.operation = operation;
  }
}

/**
 * Thrown by `defer()` or `use()` of an `AsyncScope` whose cleanups have
 * already run: nothing would ever run what was registered.
 *
 * @example
 * ```ts
 * import { createAsyncScope, ScopeClosedError } from "@quiesce/core";
 *
 * const scope = createAsyncScope({ name: "jobs" });
 * await scope[Symbol.asyncDispose]();
 * try {
 *   scope.defer(() => {});
 * } catch (error) {
 *   if (error instanceof ScopeClosedError) console.log(error.scope); // "jobs"
 * }
 * ```
 */
export class ScopeClosedError extends Error {
  override readonly name = "ScopeClosedError";
  /** Name of the scope. */
  readonly scope: string;
  /** The method that was called: `"defer"` or `"use"`. */
  readonly operation: string;

  constructor(scope: string, operation: string) {
    super(`${operation}() on scope "${scope}", whose cleanups have already run`);
    this.scope = scope;
    this.operation = operation;
  }
}
