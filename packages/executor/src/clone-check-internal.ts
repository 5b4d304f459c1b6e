import { serialize } from "node:v8";
import { UncloneableArgumentError } from "./errors.ts";
import type { PoolRuntime } from "./pool-options.ts";
import { isJsonExact, toV8Payload, type V8Payload } from "./wire.mjs";

/**
 * The arguments of a job as they will cross to the worker, checked at the call: a
 * thread gets them by structured clone; a child process as they are when JSON carries
 * them exactly, else as one V8 serialization of them all (made here, once). Fails at
 * the call, naming the argument, if one cannot cross. Primitives always can; the
 * others are cloned together once, and one by one only to find the culprit.
 */
export function wireArgs(runtime: PoolRuntime, fn: string, args: unknown[]): unknown[] | V8Payload {
  if (runtime === "child_process") {
    // Checked as one array: a value passed twice must arrive as one value, not two.
    const plain = args.every((arg) => typeof arg !== "object" || arg === null);
    if (plain ? args.every(isJsonExact) : isJsonExact(args)) return args;
    try {
      return toV8Payload(args);
    } catch {
      throw culprit(runtime, fn, args);
    }
  }
  if (!args.some(needsCloneCheck)) return args;
  if (cloneProblem(runtime, args) === undefined) return args;
  throw culprit(runtime, fn, args);
}

/** The error naming the first argument that cannot cross. */
function culprit(runtime: PoolRuntime, fn: string, args: unknown[]): Error {
  for (let i = 0; i < args.length; i++) {
    if (!needsCloneCheck(args[i])) continue;
    const problem = cloneProblem(runtime, args[i]);
    if (problem !== undefined) return new UncloneableArgumentError(fn, i, { cause: problem });
  }
  return new UncloneableArgumentError(fn, 0, { cause: cloneProblem(runtime, args) });
}

/** The error cloning `value` for the worker throws, if it does. */
function cloneProblem(runtime: PoolRuntime, value: unknown): unknown {
  try {
    if (runtime === "child_process") serialize(value);
    else structuredClone(value);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Primitives other than symbols always cross to a worker. */
function needsCloneCheck(value: unknown): boolean {
  return (
    (typeof value === "object" && value !== null) ||
    typeof value === "function" ||
    typeof value === "symbol"
  );
}
