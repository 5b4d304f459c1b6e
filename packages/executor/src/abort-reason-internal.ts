import { CancelledError, type CancelReason, toCancelReason } from "@quiesce/core";

/**
 * The cancel reason a job gets when its caller's `AbortSignal` aborts: the reason of a
 * quiesce `CancelledError` (as `callAbortable` aborts with), a `CancelReason` or a
 * string as such, and anything else (the `AbortError` of `abort()`, a custom value)
 * as an explicit cancel that says what it was.
 */
export function abortReason(value: unknown): CancelReason {
  if (value instanceof CancelledError) return value.reason;
  try {
    return toCancelReason(value as CancelReason | string);
  } catch {
    const message =
      value instanceof Error ? `${value.name}: ${value.message}` : `aborted with ${String(value)}`;
    return { kind: "explicit", message };
  }
}
