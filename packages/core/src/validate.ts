/**
 * Describes a value for argument errors: `` `0` (number) ``, `` `"x"` (string) ``.
 *
 * @example
 * ```ts
 * import { describeValue } from "@quiesce/core/internal";
 *
 * describeValue(Number.NaN); // "`NaN` (number)"
 * ```
 */
export function describeValue(value: unknown): string {
  let shown: string;
  if (typeof value === "string") shown = JSON.stringify(value);
  else if (typeof value === "function")
    shown = value.name ? `[Function ${value.name}]` : "[Function]";
  else if (typeof value === "number" || typeof value === "symbol" || typeof value === "bigint")
    shown = String(value);
  else {
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = String(value);
    }
  }
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return `\`${shown}\` (${type})`;
}

/**
 * Builds the one argument-error shape used across quiesce (p-queue's):
 * ``Expected `timeout` to be a finite number ≥ 0, got `-1` (number)``.
 *
 * @example
 * ```ts
 * import { argumentError } from "@quiesce/core/internal";
 *
 * throw argumentError("maxWorkers", "an integer ≥ 1", 0);
 * ```
 */
export function argumentError(name: string, expected: string, got: unknown): TypeError {
  return new TypeError(`Expected \`${name}\` to be ${expected}, got ${describeValue(got)}`);
}

/**
 * Checks that `value` is a finite number ≥ 0 (a duration in milliseconds).
 *
 * @example
 * ```ts
 * import { expectDuration } from "@quiesce/core/internal";
 *
 * expectDuration("graceMs", options.graceMs);
 * ```
 */
export function expectDuration(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw argumentError(name, "a finite number ≥ 0", value);
  }
}

/**
 * Checks that `value` is a function (an operation factory or a callback).
 *
 * @example
 * ```ts
 * import { expectFunction } from "@quiesce/core/internal";
 *
 * expectFunction("callback", callback);
 * ```
 */
export function expectFunction(
  name: string,
  value: unknown,
): asserts value is (...args: never[]) => unknown {
  if (typeof value !== "function") throw argumentError(name, "a function", value);
}

/**
 * Checks an options argument: an object, or `undefined` for the defaults.
 *
 * @example
 * ```ts
 * import { expectOptions } from "@quiesce/core/internal";
 *
 * expectOptions("options", options);
 * ```
 */
export function expectOptions(name: string, value: unknown): asserts value is object | undefined {
  if (value !== undefined && (value === null || typeof value !== "object")) {
    throw argumentError(name, "an object or undefined", value);
  }
}

/**
 * Checks an optional `AbortSignal` argument.
 *
 * @example
 * ```ts
 * import { expectAbortSignal } from "@quiesce/core/internal";
 *
 * expectAbortSignal("signal", options.signal);
 * ```
 */
export function expectAbortSignal(
  name: string,
  value: unknown,
): asserts value is AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw argumentError(name, "an AbortSignal", value);
  }
}
