import { type CancelReason, toCancelReason } from "./cancel-reason.ts";
import { CancelledError } from "./errors.ts";

/**
 * The cancel reason behind an `AbortSignal`'s reason, never throwing: a quiesce
 * `CancelledError`'s own reason, a `CancelReason` (or a string) as such, and any
 * other value (the `AbortError` of `abort()`, an object with a `kind` quiesce does
 * not know) as an explicit cancel that carries it unchanged (`reason.value`).
 */
export function abortReason(value: unknown): CancelReason {
  if (value instanceof CancelledError) return value.reason;
  try {
    return toCancelReason(value);
  } catch {
    return { kind: "explicit", value };
  }
}
