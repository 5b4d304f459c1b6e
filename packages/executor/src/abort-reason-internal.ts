import { CancelledError, type CancelReason, toCancelReason } from "@quiesce/core";

/**
 * The cancel reason a job gets when its caller's `AbortSignal` aborts: the reason of a
 * quiesce `CancelledError` (as `callAbortable` aborts with), a `CancelReason` as such,
 * and any other value (the `AbortError` of `abort()`, a custom value) as an explicit
 * cancel that carries it unchanged (`reason.value`), as core's `cancel(value)` does.
 */
export function abortReason(value: unknown): CancelReason {
  if (value instanceof CancelledError) return value.reason;
  try {
    return toCancelReason(value);
  } catch {
    // An object with a `kind` core does not know: still a value, passed through.
    return { kind: "explicit", value };
  }
}
