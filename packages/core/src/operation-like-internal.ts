import type { Operation } from "effection";
import { argumentError } from "./validate.ts";

/**
 * What quiesce accepts wherever it runs user work: an effection operation, or a
 * function that returns one (a generator function, as effection's `spawn` takes).
 */
export type OperationLike<T> = Operation<T> | (() => Operation<T>);

/** Turns an {@link OperationLike} into a factory, refusing anything else at the call. */
export function toFactory<T>(name: string, op: OperationLike<T>): () => Operation<T> {
  if (typeof op === "function") return op;
  if (op !== null && typeof op === "object" && Symbol.iterator in op) return () => op;
  throw argumentError(name, "an operation or a function returning one", op);
}
