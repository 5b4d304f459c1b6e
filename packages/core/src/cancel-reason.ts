import { argumentError } from "./validate.ts";

/**
 * Why a task was asked to stop. Every cancellation in quiesce carries one, and it
 * reaches user code three ways: `CancelledError.reason`, `yield* cancelReason()`
 * inside cleanup, and `AbortSignal.reason` (a `CancelledError`) for promise code.
 *
 * `cancel()` accepts any value, as `AbortController.abort(reason)` does: a value
 * that is not a `CancelReason` becomes `{ kind: "explicit", value }`, and
 * `CancelledError.value` gives back exactly what was passed.
 *
 * @example
 * ```ts
 * import { type CancelReason, describeCancelReason } from "@quiesce/core";
 *
 * const reason: CancelReason = { kind: "signal", signal: "SIGTERM" };
 * describeCancelReason(reason); // "signal SIGTERM"
 * ```
 */
export type CancelReason =
  /**
   * `task.cancel()` or `cancelAll()` was called, optionally with a message (a string
   * reason) or with any other `value` (`cancel(5)`, `cancel(error)`).
   */
  | { readonly kind: "explicit"; readonly message?: string; readonly value?: unknown }
  /** `withTimeout(ms, op)` or `moveOnAfter(ms, op)` ran out of time. */
  | { readonly kind: "timeout"; readonly ms: number }
  /** `main()` received a process signal. */
  | { readonly kind: "signal"; readonly signal: NodeJS.Signals }
  /** Another part of the tree failed and the tree is being torn down. */
  | { readonly kind: "error"; readonly error?: unknown }
  /** The body given to `main()` returned while this task was still running. */
  | { readonly kind: "main-done" }
  /** A `shield()` budget, a drain budget or a grace period ran out. */
  | { readonly kind: "budget"; readonly ms: number }
  /** The scope that owned the task ended before the task did. */
  | { readonly kind: "scope-exit" }
  /** A pool or service is shutting down and cancelled its queued or running work. */
  | { readonly kind: "shutdown"; readonly message?: string };

/**
 * The `kind` of every {@link CancelReason}.
 *
 * @example
 * ```ts
 * import type { CancelReasonKind } from "@quiesce/core";
 *
 * const kind: CancelReasonKind = "signal";
 * ```
 */
export type CancelReasonKind = CancelReason["kind"];

/**
 * Renders a reason as a short phrase for logs and reports.
 *
 * @example
 * ```ts
 * import { describeCancelReason } from "@quiesce/core";
 *
 * describeCancelReason({ kind: "timeout", ms: 250 }); // "timeout after 250 ms"
 * ```
 */
export function describeCancelReason(reason: CancelReason): string {
  switch (reason.kind) {
    case "explicit":
      if (reason.message) return `cancelled: ${reason.message}`;
      return "value" in reason ? `cancelled: ${describeReasonValue(reason.value)}` : "cancelled";
    case "timeout":
      return `timeout after ${reason.ms} ms`;
    case "signal":
      return `signal ${reason.signal}`;
    case "error":
      return reason.error instanceof Error
        ? `error elsewhere in the tree: ${reason.error.name}: ${reason.error.message}`
        : "error elsewhere in the tree";
    case "main-done":
      return "main returned";
    case "budget":
      return `budget of ${reason.ms} ms ran out`;
    case "scope-exit":
      return "its scope ended";
    case "shutdown":
      return reason.message ? `shutdown: ${reason.message}` : "shutdown";
  }
}

/** A value given to `cancel()`, shown briefly: an error by name and message. */
function describeReasonValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Every known kind; a `Record` so that a new kind in the union must be added here. */
const KINDS: Record<CancelReasonKind, true> = {
  explicit: true,
  timeout: true,
  signal: true,
  error: true,
  "main-done": true,
  budget: true,
  "scope-exit": true,
  shutdown: true,
};

/**
 * Turns any `cancel()` argument into a {@link CancelReason}, as
 * `AbortController.abort(reason)` accepts any value: `undefined` means
 * `{ kind: "explicit" }`, a string `{ kind: "explicit", message }`, a
 * `CancelReason` stays as it is, and any other value becomes
 * `{ kind: "explicit", value }`. Only an object whose string `kind` is not a known
 * kind is refused (a `TypeError`): it is a mistyped `CancelReason`.
 *
 * @example
 * ```ts
 * import { toCancelReason } from "@quiesce/core";
 *
 * toCancelReason("reloading"); // { kind: "explicit", message: "reloading" }
 * toCancelReason(5); // { kind: "explicit", value: 5 }
 * ```
 */
export function toCancelReason(reason: unknown): CancelReason {
  if (reason === undefined) return { kind: "explicit" };
  if (typeof reason === "string") return { kind: "explicit", message: reason };
  if (reason === null || typeof reason !== "object" || !("kind" in reason)) {
    return { kind: "explicit", value: reason };
  }
  const { kind } = reason as { kind: unknown };
  if (typeof kind === "string" && Object.hasOwn(KINDS, kind)) return reason as CancelReason;
  if (typeof kind !== "string") return { kind: "explicit", value: reason };
  throw argumentError(
    "reason",
    "a string or a CancelReason with a known `kind` (or any value without a string `kind`)",
    reason,
  );
}
