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
 * and plain arrays and objects of those), checked within a budget of values.
 *
 * @param {unknown} value
 * @returns {boolean}
 */
export function isJsonExact(value) {
  // Most arguments and results: no budget to count.
  if (typeof value !== "object" || value === null) return exactWithin(value, { left: 1 });
  return exactWithin(value, { left: CHECK_BUDGET });
}

/**
 * @param {unknown} value
 * @param {{ left: number }} budget
 * @returns {boolean}
 */
function exactWithin(value, budget) {
  if (--budget.left < 0) return false;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        const length = value.length;
        if (length > budget.left) return false;
        for (let i = 0; i < length; i++) if (!exactWithin(value[i], budget)) return false;
        // Holes read as undefined above; named properties JSON would drop:
        return Object.keys(value).length === length;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false;
        if (!exactWithin(/** @type {Record<string, unknown>} */ (value)[key], budget)) return false;
      }
      return true;
    }
    default:
      return false;
  }
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
