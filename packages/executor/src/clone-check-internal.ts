import { serialize } from "node:v8";
import { UncloneableArgumentError } from "./errors.ts";
import type { PoolRuntime } from "./pool-options.ts";

/**
 * Fails at the call, naming the argument, if one cannot cross to the worker (structured
 * clone for threads, V8 serialization for processes). Primitives always can; the
 * others are cloned together once, and one by one only to find the culprit.
 */
export function checkCloneable(runtime: PoolRuntime, fn: string, args: unknown[]): void {
  if (!args.some(needsCloneCheck)) return;
  if (cloneProblem(runtime, args) === undefined) return;
  for (let i = 0; i < args.length; i++) {
    if (!needsCloneCheck(args[i])) continue;
    const problem = cloneProblem(runtime, args[i]);
    if (problem !== undefined) throw new UncloneableArgumentError(fn, i, { cause: problem });
  }
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
