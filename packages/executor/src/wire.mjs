// Process pools' IPC: what crosses between the host and a child goes as JSON (Node's
// default IPC serialization, the cheapest per message) whenever JSON carries it
// exactly, and otherwise as V8's serialization (what structured clone keeps: Maps,
// Sets, Dates, typed arrays, `undefined`, NaN, -0, BigInt...) in base64 inside the JSON
// message. Read by both sides: plain JavaScript, dependency-free but for node:v8.
import { deserialize, serialize } from "node:v8";

/**
 * Values checked before a payload is given up on JSON and sent as V8 serialization: a
 * bound that keeps the check cheap; a larger payload costs its serialization anyway.
 */
const CHECK_BUDGET = 256;

/**
 * A payload that JSON cannot carry exactly, as it crosses: V8 serialization in base64.
 *
 * @typedef {{ v8: string }} V8Payload
 */

/**
 * Whether JSON carries `value` exactly: `JSON.parse(JSON.stringify(value))` gives back
 * what V8 serialization would (null, booleans, strings, finite numbers other than -0,
 * and plain arrays and objects of those, each reached once: a value shared or cycled
 * would arrive as copies; no getters, which would be read again, nor `toJSON`, which
 * JSON would call), checked within a budget of values.
 *
 * @param {unknown} value
 * @returns {boolean}
 */
export function isJsonExact(value) {
  // Most arguments and results: no budget to count, nothing to remember.
  if (typeof value !== "object" || value === null) return exactPrimitive(value);
  return exactWithin(value, { left: CHECK_BUDGET, seen: new Set() });
}

/** @param {unknown} value */
function exactPrimitive(value) {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return value === null;
  }
}

/**
 * @param {unknown} value
 * @param {{ left: number, seen: Set<object> }} budget
 * @returns {boolean}
 */
function exactWithin(value, budget) {
  if (--budget.left < 0) return false;
  if (typeof value !== "object" || value === null) return exactPrimitive(value);
  if (budget.seen.has(value)) return false;
  budget.seen.add(value);
  const proto = Object.getPrototypeOf(value);
  const array = Array.isArray(value);
  if (array ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) {
    return false;
  }
  if (/** @type {{ toJSON?: unknown }} */ (value).toJSON !== undefined) return false;
  const keys = Object.keys(value);
  // An array: holes and named properties (JSON would give null, or drop them).
  if (array && keys.length !== /** @type {unknown[]} */ (value).length) return false;
  if (keys.length > budget.left) return false;
  for (const key of keys) {
    const property = Object.getOwnPropertyDescriptor(value, key);
    if (property === undefined || !("value" in property)) return false;
    if (!exactWithin(property.value, budget)) return false;
  }
  return true;
}

/**
 * `value` as V8 serialization in base64. Throws what V8's serializer throws for what
 * cannot cross (a function, a symbol, a class instance with private state...).
 *
 * @param {unknown} value
 * @returns {V8Payload}
 */
export function toV8Payload(value) {
  return { v8: serialize(value).toString("base64") };
}

/**
 * Whether `value` is a {@link V8Payload}.
 *
 * @param {unknown} value
 * @returns {value is V8Payload}
 */
export function isV8Payload(value) {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (/** @type {{ v8?: unknown }} */ (value).v8) === "string"
  );
}

/**
 * The value a {@link V8Payload} carries.
 *
 * @param {V8Payload} payload
 * @returns {unknown}
 */
export function fromV8Payload(payload) {
  return deserialize(Buffer.from(payload.v8, "base64"));
}
