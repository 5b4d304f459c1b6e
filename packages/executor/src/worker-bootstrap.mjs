// The worker side of @quiesce/executor. Tinypool loads this file in every worker thread
// and child process; it imports the pool's worker module, calls the named function with
// a job context as its last argument, and answers with an envelope (see protocol.mjs)
// that the host turns back into a value or a real Error. Plain JavaScript, type-checked
// with `checkJs`; it must not import @quiesce/core (from source, that is TypeScript).
/** @import { Done, Envelope, RunTask, ThreadWorkerData } from "./protocol.mjs" */
/** @import { V8Payload } from "./wire.mjs" */
import { isMainThread, threadId, workerData } from "node:worker_threads";
import { CancelSlot } from "./cancel-slot.mjs";
import { setUpChild } from "./child-process.mjs";
import { JobCancel } from "./job-cancel.mjs";
import { JobContext } from "./job-context.mjs";
import { ARGS_AS_V8, CANCELLED_AT_HAND_OVER, MODULE_ENV } from "./protocol.mjs";
import { serializeError } from "./serialize-error.mjs";
import { fromV8Payload, isJsonExact, toV8Payload } from "./wire.mjs";

const inChild = isMainThread && typeof process.send === "function";
const workerId = inChild ? process.pid : threadId;
const child = inChild ? setUpChild() : undefined;
const pool = inChild ? undefined : /** @type {[unknown, ThreadWorkerData]} */ (workerData)[1];
/** URL of the pool's worker module. */
const module = pool?.module ?? process.env[MODULE_ENV] ?? "";
/** Thread pools share one cancel buffer; a child has its own. */
const ints = new Int32Array(child?.buffer ?? /** @type {ThreadWorkerData} */ (pool).cancelBuffer);
/** Child processes: a job waits for the watcher thread to read cancels (once, at start). */
let watching = child === undefined;
child?.watching.then(() => {
  watching = true;
});
/**
 * The module's namespace, imported as the worker starts: tinypool hands a worker
 * jobs only once this file has loaded, so every worker has loaded the module before
 * it takes one (and a job never pays for it). A module that fails to load fails each
 * job with why.
 *
 * @type {Record<string, unknown> | undefined}
 */
let loaded;
/** @type {{ error: unknown } | undefined} */
let loadFailure;
try {
  loaded = await import(module);
} catch (error) {
  loadFailure = { error };
}

/**
 * Runs one job. Called by tinypool with the task the host built. A child's answer
 * crosses as JSON when that carries it exactly (see wire.mjs).
 *
 * @type {(task: RunTask) => Promise<Done | Envelope | V8Payload>}
 */
export const run = inChild ? async (task) => toWire(await runJob(task), task[2]) : runJob;

/**
 * @param {RunTask} task
 * @returns {Promise<Done | Envelope>}
 */
async function runJob(task) {
  if (inChild && task[1] === CANCELLED_AT_HAND_OVER) {
    return { ok: false, kind: "not-started", workerId };
  }
  if (!watching) await child?.watching;
  const job = task[0];
  const fn = task[2];
  const cancelSlot = new CancelSlot(ints, inChild ? 0 : task[1], job);
  // A thread claims the job before the check below: the host asks which thread runs a
  // job only after it set the cancel flag, so either it finds this thread or this
  // check sees the flag. The host may also have forbidden it to start (cancelled, or
  // its pool shut down, while the task waited in tinypool's queue).
  if (!inChild && !cancelSlot.claim(workerId)) return { ok: false, kind: "not-started", workerId };
  if (cancelSlot.isCancelled()) return { ok: false, kind: "not-started", workerId };
  const mod = loaded;
  if (mod === undefined) return loadFailed();
  const f = mod[fn];
  if (typeof f !== "function") {
    return { ok: false, kind: "unknown-function", available: functionNames(mod), workerId };
  }
  const cancel = new JobCancel(cancelSlot);
  const ctx = new JobContext(job, workerId, cancel);
  try {
    const result = call(f, task, ctx);
    // A function that returns no promise is not made to wait a turn.
    const value = isThenable(result) ? await result : result;
    const problem = inChild ? undefined : cloneProblem(value);
    if (problem === undefined) return value === undefined ? [] : [value];
    const error = new TypeError(
      `the result of "${fn}" cannot be sent back from the worker: ${problem}`,
    );
    return { ok: false, kind: "threw", error: serializeError(error), workerId };
  } catch (error) {
    return { ok: false, kind: "threw", error: serializeError(error), workerId };
  } finally {
    cancel.end();
  }
}

/**
 * Calls `f` with the task's arguments and `ctx` last, without copying them for the
 * usual few.
 *
 * @param {Function} f
 * @param {RunTask} task
 * @param {JobContext} ctx
 */
function call(f, task, ctx) {
  if (task[3] === ARGS_AS_V8) {
    const args = /** @type {unknown[]} */ (fromV8Payload(/** @type {V8Payload} */ (task[4])));
    return f(...args, ctx);
  }
  switch (task.length) {
    case 4:
      return f(ctx);
    case 5:
      return f(task[4], ctx);
    case 6:
      return f(task[4], task[5], ctx);
    default: {
      const args = task.slice(4);
      args.push(ctx);
      return f(...args);
    }
  }
}

/** @param {unknown} value */
function isThenable(value) {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (/** @type {{ then?: unknown }} */ (value).then) === "function"
  );
}

/**
 * A child's answer as it crosses: itself if JSON carries it exactly, else its V8
 * serialization; a value that cannot cross at all fails the job, saying why.
 *
 * @param {Done | Envelope} answer
 * @param {string} fn
 * @returns {Done | Envelope | V8Payload}
 */
function toWire(answer, fn) {
  const exact = Array.isArray(answer)
    ? answer.length === 0 || isJsonExact(answer[0])
    : isJsonExact(answer);
  if (exact) return answer;
  try {
    return toV8Payload(answer);
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    const what = `the result of "${fn}" cannot be sent back from the worker: ${problem}`;
    return { ok: false, kind: "threw", error: serializeError(new TypeError(what)), workerId };
  }
}

/**
 * Lists the module's exported functions (the pool's start-up probe).
 *
 * @returns {Promise<Envelope>}
 */
export async function describe() {
  await child?.watching;
  if (loaded === undefined) return loadFailed();
  return { ok: true, value: undefined, functions: functionNames(loaded), workerId };
}

/** @returns {Envelope} */
function loadFailed() {
  return { ok: false, kind: "load", error: serializeError(loadFailure?.error), workerId };
}

/** @param {Record<string, unknown>} mod */
function functionNames(mod) {
  return Object.keys(mod).filter((key) => typeof mod[key] === "function");
}

/**
 * Thread pools: why `value` cannot be posted back to the host, if it cannot.
 *
 * @param {unknown} value
 */
function cloneProblem(value) {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    return typeof value === "symbol" ? "a symbol cannot be cloned" : undefined;
  }
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
