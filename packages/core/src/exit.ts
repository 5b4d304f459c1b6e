import { type Operation, suspend } from "effection";
import { MainNotRunningError } from "./errors.ts";
import { MainControlContext } from "./main-control-internal.ts";
import { argumentError } from "./validate.ts";

/**
 * Ends the program from any depth below `main()`: the whole tree is cancelled
 * (reason `{ kind: "shutdown", message: "exit(status)" }`), all cleanup runs,
 * `message` is printed (stdout for status 0, stderr otherwise) and the process
 * exits with `status`. effection's `exit`, with quiesce's cleanup rules.
 *
 * @example
 * ```ts
 * import { exit, main } from "@quiesce/core";
 *
 * await main(function* (args) {
 *   if (args.length === 0) yield* exit(2, "usage: tool <file>");
 *   // ...
 * });
 * ```
 *
 * Cancellation: the caller is cancelled with the rest of the tree and never
 * resumes, also while `useShutdown()` parts drain (the drain ends). Called while teardown is already under way (in a `finally`), it only
 * sets the status, unless a signal or an earlier `exit` already decided it, and
 * returns so that cleanup goes on. Outside `main()` it throws
 * `MainNotRunningError`.
 */
export function exit(status: number, message?: string): Operation<void> {
  if (typeof status !== "number" || !Number.isInteger(status) || status < 0 || status > 255) {
    throw argumentError("status", "an integer from 0 to 255", status);
  }
  if (message !== undefined && typeof message !== "string") {
    throw argumentError("message", "a string", message);
  }
  return {
    *[Symbol.iterator]() {
      const control = yield* MainControlContext.get();
      if (control === undefined) throw new MainNotRunningError("exit");
      if (control.requestExit(status, message)) yield* suspend();
    },
  };
}
