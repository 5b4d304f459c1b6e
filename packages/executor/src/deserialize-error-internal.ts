import type { SerializedError } from "./protocol.mjs";

/**
 * Rebuilds a real `Error` from the worker's {@link SerializedError}. The class is not
 * kept (structured clone cannot), but `name`, own fields like `code`, the worker's
 * stack and the cause chain are.
 */
export function deserializeError(value: unknown): Error {
  if (value === null || typeof value !== "object") return new Error(String(value));
  const s = value as Partial<SerializedError>;
  const options = s.cause === undefined ? undefined : { cause: deserializeError(s.cause) };
  const error = new Error(typeof s.message === "string" ? s.message : "", options);
  if (typeof s.name === "string" && s.name !== "Error") {
    Object.defineProperty(error, "name", {
      value: s.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (typeof s.stack === "string") error.stack = s.stack;
  if (s.fields) Object.assign(error, s.fields);
  return error;
}
