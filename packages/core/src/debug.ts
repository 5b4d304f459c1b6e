import { argumentError } from "./validate.ts";

/**
 * Debug mode (asyncio's `loop.set_debug`), off by default: what costs too much to
 * do for every task in production. Today that is one thing: every task spawned
 * while it is on records where it was created (`spawnTask`'s caller, as a stack
 * frame), which reports then print as `created at file:line:col`. That costs a
 * stack capture per spawn, about as much as 5% of spawning an effection task, and
 * about 300 bytes per live task.
 */
/** Read on every spawn: a field of a shared object, not a call. Not exported by the package. */
export const debugMode = { on: fromEnvironment() };

/**
 * Turns debug mode on or off for the whole process, from the next task spawned on.
 * Its first value comes from the environment variable `QUIESCE_DEBUG` (on unless
 * unset, empty, `0` or `false`), as `PYTHONASYNCIODEBUG` does for asyncio. With it
 * on, every task records where it was created, and reports ("Task was destroyed but
 * it is pending!", `main()`'s report of what is still running, `printTaskTree()`)
 * print that line; off, they name each task and the task that spawned it.
 *
 * @example
 * ```ts
 * import { setDebug } from "@quiesce/core";
 *
 * setDebug(process.env.NODE_ENV !== "production");
 * ```
 *
 * Nothing here is cancelled: it is a process-wide switch.
 */
export function setDebug(enabled: boolean): void {
  if (typeof enabled !== "boolean") throw argumentError("enabled", "a boolean", enabled);
  debugMode.on = enabled;
}

/**
 * Whether debug mode is on (see {@link setDebug}).
 *
 * @example
 * ```ts
 * import { isDebug } from "@quiesce/core";
 *
 * if (!isDebug()) console.error("run with QUIESCE_DEBUG=1 to see where tasks were created");
 * ```
 */
export function isDebug(): boolean {
  return debugMode.on;
}

function fromEnvironment(): boolean {
  const value = typeof process === "undefined" ? undefined : process.env.QUIESCE_DEBUG;
  return value !== undefined && !["", "0", "false"].includes(value.trim().toLowerCase());
}
