import { ensure, type Operation, until } from "effection";
import type { AsyncScope } from "./async-scope.ts";
import { AsyncScopeImpl, cleanupFailures, isCancellation } from "./async-scope-internal.ts";
import { cancelReason } from "./current-task.ts";
import { CancelledError } from "./errors.ts";
import { type MainExit, type MainOptions, main } from "./main.ts";
import { expectFunction } from "./validate.ts";
import { waitingOn } from "./waiting-on.ts";

/**
 * The body of a promise program run by {@link mainAsync}.
 *
 * @example
 * ```ts
 * import type { MainAsyncBody } from "@quiesce/core";
 *
 * const body: MainAsyncBody = async (signal, program, args) => {
 *   console.log(args, signal.aborted, program.name);
 * };
 * ```
 */
export type MainAsyncBody = (signal: AbortSignal, program: AsyncScope, args: string[]) => unknown;

/**
 * Runs a program written with async/await, with no generators, under {@link main}:
 * the same signals, grace period, watchdog, report and exit status. The body gets an
 * `AbortSignal` and the program's {@link AsyncScope} (`signal === program.signal`),
 * and is itself the scope's first task.
 *
 * - First SIGINT/SIGTERM/SIGHUP: `signal` aborts at once; its `reason` is a
 *   `CancelledError` whose `reason` is `{ kind: "signal", signal }`. The body and every
 *   task of `program` are awaited (together), then the cleanups given to
 *   `program.defer()` / `program.use()` run, last registered first, one at a time; the
 *   process then ends by the same signal (130, 143, 129 in a shell).
 * - Second signal, or `graceMs` ran out: the report is printed and the process ends
 *   with the first signal's status, whatever is still running.
 * - The body resolves: tasks still running are cancelled (`main-done`), exit 0.
 * - The body rejects: the tasks are cancelled (`{ kind: "error" }`), the error is
 *   printed, exit 1 (or its own integer `exitCode`). A rejection that is the cancel
 *   coming back (a `CancelledError`, an `AbortError`) is not a failure. After a signal
 *   the signal's status wins, and failures in cleanup are still printed.
 *
 * @example
 * ```ts
 * import { mainAsync } from "@quiesce/core";
 * import { createThreadPool } from "@quiesce/executor";
 *
 * await mainAsync(async (signal, program) => {
 *   await using pool = await createThreadPool({ module: new URL("./worker.mjs", import.meta.url) });
 *   program.defer(() => console.log("bye")); // runs after the body, on Ctrl+C too
 *   const squares = await Promise.all([1, 2, 3].map((n) => pool.run("square", [n], { signal })));
 *   console.log(squares);
 * }, { graceMs: 5_000 });
 * ```
 *
 * Cancellation: `mainAsync` is the root of cancellation, as `main` is. To end the
 * program early from inside, call `program.cancel(reason)` without awaiting it (the
 * body is one of the tasks it waits for) and let `signal` stop the body: exit 0.
 */
export function mainAsync(body: MainAsyncBody, options: MainOptions = {}): Promise<MainExit> {
  expectFunction("body", body);
  // `main` checks the options before it runs the body, so `name` is valid there.
  return main((args) => runBody(body, args, options.name ?? "main"), options);
}

const NONE = Symbol("none");

function* runBody(body: MainAsyncBody, args: string[], name: string): Operation<unknown> {
  const program = new AsyncScopeImpl(name, undefined);
  let seen = false;
  const outcome = program.spawn((signal) => body(signal, program, args), { name });
  // Its failure is reported through the root or by `closeProgram`, never as unhandled.
  outcome.catch(() => {});
  yield* ensure(() => closeProgram(program, outcome, () => seen));
  try {
    return yield* waitingOn("the promise body", until(outcome));
  } catch (error) {
    seen = true;
    // The body stopped because the program was cancelled from inside: a cancel.
    const { signal } = program;
    if (!(error instanceof CancelledError) && signal.aborted && isCancellation(error, signal)) {
      throw signal.reason;
    }
    throw error;
  }
}

/** The program's teardown, under `main`'s grace: cancel, await, clean up, report. */
function* closeProgram(
  program: AsyncScopeImpl,
  outcome: Promise<unknown>,
  seen: () => boolean,
): Operation<void> {
  const reason = (yield* cancelReason()) ?? { kind: "main-done" };
  const names = program.runningNames();
  const shown = names.length > 5 ? [...names.slice(0, 5), `${names.length - 5} more`] : names;
  const label = shown.length > 0 ? `promise tasks: ${shown.join(", ")}` : "promise cleanups";
  const failures = yield* waitingOn(label, until(program.close(reason)));
  const bodyError = yield* until(
    outcome.then(
      () => NONE,
      (error: unknown) => error,
    ),
  );
  const errors: unknown[] = [];
  // A failure after the body was halted (after a signal) is reported here, once.
  if (bodyError !== NONE && !seen() && !isCancellation(bodyError, program.signal)) {
    errors.push(bodyError);
  }
  errors.push(...failures);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw cleanupFailures(program.name, errors);
}
