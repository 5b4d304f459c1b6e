// Worker side: errors as they cross to the host (see `SerializedError` in protocol.mjs).
/** @import { SerializedError } from "./protocol.mjs" */

/**
 * `{ name, message, stack, cause }` plus own primitive fields (`code`, `errno`...), so the
 * host can rebuild a real Error; structured clone would drop the class.
 *
 * @param {unknown} error
 * @param {number} [depth]
 * @returns {SerializedError}
 */
export function serializeError(error, depth = 0) {
  if (error === null || typeof error !== "object") {
    return { name: "Error", message: `non-error value thrown: ${String(error)}` };
  }
  const e = /** @type {Record<string, unknown>} */ (error);
  /** @type {SerializedError} */
  const out = {
    name: typeof e.name === "string" ? e.name : "Error",
    message: typeof e.message === "string" ? e.message : String(error),
  };
  if (typeof e.stack === "string") out.stack = e.stack;
  /** @type {Record<string, string | number | boolean | null>} */
  const fields = {};
  for (const key of Object.keys(e)) {
    const value = e[key];
    if (key === "cause" || key === "name" || key === "message" || key === "stack") continue;
    if (
      value === null ||
      typeof value === "string" ||
      typeof value === "number" ||
      typeof value === "boolean"
    ) {
      fields[key] = value;
    }
  }
  out.fields = fields;
  if ("cause" in e && e.cause !== undefined && depth < 8) {
    out.cause = serializeError(e.cause, depth + 1);
  }
  return out;
}
