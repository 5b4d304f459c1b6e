// The worker side of @quiesce/executor. Tinypool loads this file in every worker thread
// and child process; it imports the user's module, calls the named function with a job
// context as its last argument, and returns an envelope that the host turns back into
// a value or a real Error. It must stay plain JavaScript and must not import
// @quiesce/core (under the `development` condition that resolves to TypeScript).
import { serialize } from "node:v8";
import { isMainThread, threadId, Worker, workerData } from "node:worker_threads";
import {
  CANCEL,
  DONE,
  PARENT_PID_ENV,
  REASON_LENGTH,
  REASON_OFFSET,
  RUNNING,
  SLOT_BYTES,
  STATE,
  TAG,
  WORKER_ID,
} from "./protocol.mjs";

const inChild = isMainThread && typeof process.send === "function";
const workerId = inChild ? process.pid : threadId;
const shared =
  !inChild && Array.isArray(workerData) && workerData[1] instanceof SharedArrayBuffer
    ? workerData[1]
    : null;
const slots = shared === null ? null : new Int32Array(shared);
const SLOT_INTS = SLOT_BYTES / 4;

/**
 * Child processes: the jobs running here, by job id (see {@link JobCancel}).
 * @type {Map<number, JobCancel>}
 */
const childJobs = new Map();
/** Child processes: cancels that arrived before their job (same IPC pipe, sent first). */
const earlyCancels = new Map();
/** Module namespaces by URL: `import()` costs tens of µs even when cached by Node. */
const modules = new Map();

if (inChild) setUpChild();

/**
 * One job's cancellation as the worker sees it. The `AbortController` (and, in thread
 * pools, the `Atomics.waitAsync` waiter that aborts it) are made only when the job
 * reads `ctx.signal`; `cancelled()` is one `Atomics.load` (threads) or a field read
 * (processes).
 */
class JobCancel {
  /** Processes: set by the host's cancel message. */
  cancelled = false;
  /** Processes: the reason that came with it. */
  reason = /** @type {unknown} */ (undefined);
  /** @type {AbortController | undefined} */
  controller = undefined;
  /** @type {Error | undefined} */
  error = undefined;
  /** The job has returned or thrown: a late wake-up must not abort its signal. */
  over = false;

  /** @param {number} slot the cancel slot (threads), or -1 */
  constructor(slot) {
    this.slot = slot;
    this.base = slot * SLOT_INTS;
    this.isCancelled =
      slots !== null
        ? () => Atomics.load(slots, this.base + STATE) === CANCEL
        : () => this.cancelled;
  }

  /** The job's CancelledError, made once so `signal.reason` and throws agree. */
  cancelError() {
    this.error ??= cancelledError(slots !== null ? readSlotReason(this.slot) : this.reason);
    return this.error;
  }

  abort() {
    const controller = this.controller;
    if (controller !== undefined && !controller.signal.aborted && !this.over) {
      controller.abort(this.cancelError());
    }
  }

  /** `ctx.signal`: made on first read; already aborted if the cancel came first. */
  signal() {
    if (this.controller !== undefined) return this.controller.signal;
    const controller = new AbortController();
    this.controller = controller;
    if (this.isCancelled()) this.abort();
    else if (slots !== null) {
      const waiter = Atomics.waitAsync(slots, this.base + STATE, RUNNING);
      if (waiter.async) {
        waiter.value.then(() => {
          if (this.isCancelled()) this.abort();
        });
      } else if (this.isCancelled()) this.abort();
    }
    return controller.signal;
  }
}

/** Where `ctx.signal`'s getter finds the job's {@link JobCancel}. */
const CANCEL_STATE = Symbol("quiesce.jobCancel");
/**
 * `ctx.signal`: one getter shared by every context (a getter made per job, as in an object
 * literal, costs V8 a new object shape each time, over a microsecond per job).
 */
const SIGNAL_PROPERTY = {
  /** @this {{ [CANCEL_STATE]: JobCancel }} */
  get() {
    return this[CANCEL_STATE].signal();
  },
  enumerable: true,
};

/**
 * Runs one job. Called by tinypool with the task the host built.
 *
 * @param {{ job: number, module: string, fn: string, args: unknown[], slot: number }} task
 */
export async function run(task) {
  const { job, module, fn, args, slot } = task;
  const cancel = new JobCancel(slots !== null ? slot : -1);
  if (slots !== null) {
    // Before the check below: the host reads the worker id only after it set the flag.
    Atomics.store(slots, cancel.base + WORKER_ID, threadId);
  } else {
    if (earlyCancels.has(job)) {
      cancel.cancelled = true;
      cancel.reason = earlyCancels.get(job);
      earlyCancels.delete(job);
    }
    childJobs.set(job, cancel);
  }
  if (cancel.isCancelled()) {
    if (slots === null) childJobs.delete(job);
    return { ok: false, kind: "not-started", workerId };
  }

  const isCancelled = cancel.isCancelled;
  const ctx = {
    jobId: job,
    workerId,
    cancelled: isCancelled,
    throwIfCancelled() {
      if (isCancelled()) {
        cancel.abort();
        throw cancel.cancelError();
      }
    },
    [CANCEL_STATE]: cancel,
  };
  Object.defineProperty(ctx, "signal", SIGNAL_PROPERTY);
  Object.freeze(ctx);

  try {
    let mod = modules.get(module);
    if (mod === undefined) {
      try {
        mod = await import(module);
      } catch (error) {
        return { ok: false, kind: "load", error: serializeError(error), workerId };
      }
      modules.set(module, mod);
    }
    const f = mod[fn];
    if (typeof f !== "function") {
      return { ok: false, kind: "unknown-function", available: functionNames(mod), workerId };
    }
    const value = await f(...args, ctx);
    const problem = cloneProblem(value);
    if (problem !== undefined) {
      const error = new TypeError(
        `the result of "${fn}" cannot be sent back from the worker: ${problem}`,
      );
      return { ok: false, kind: "threw", error: serializeError(error), workerId };
    }
    return { ok: true, value, workerId };
  } catch (error) {
    return { ok: false, kind: "threw", error: serializeError(error), workerId };
  } finally {
    cancel.over = true;
    if (slots !== null) {
      if (Atomics.compareExchange(slots, cancel.base + STATE, RUNNING, DONE) === RUNNING) {
        // Wakes this job's waiter, if it made one (nobody else waits on the slot).
        if (cancel.controller !== undefined) Atomics.notify(slots, cancel.base + STATE);
      }
    } else {
      childJobs.delete(job);
    }
  }
}

/**
 * Loads the module and lists its exported functions (the pool's start-up probe).
 *
 * @param {{ module: string }} task
 */
export async function describe(task) {
  try {
    let mod = modules.get(task.module);
    if (mod === undefined) {
      mod = await import(task.module);
      modules.set(task.module, mod);
    }
    return { ok: true, functions: functionNames(mod), workerId };
  } catch (error) {
    return { ok: false, kind: "load", error: serializeError(error), workerId };
  }
}

/** @param {Record<string, unknown>} mod */
function functionNames(mod) {
  return Object.keys(mod).filter((key) => typeof mod[key] === "function");
}

/** @param {unknown} value */
function cloneProblem(value) {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    return typeof value === "symbol" ? "a symbol cannot be cloned" : undefined;
  }
  try {
    if (inChild) serialize(value);
    else structuredClone(value);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** @param {number} slot */
function readSlotReason(slot) {
  if (shared === null || slots === null) return undefined;
  const length = Atomics.load(slots, slot * SLOT_INTS + REASON_LENGTH);
  if (length <= 0) return undefined;
  // TextDecoder refuses views on shared memory, so copy the bytes out first.
  const bytes = new Uint8Array(shared, slot * SLOT_BYTES + REASON_OFFSET, length).slice();
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/**
 * The error a job's AbortSignal is aborted with: named like @quiesce/core's
 * CancelledError and carrying the same `reason`.
 *
 * @param {unknown} reason
 */
function cancelledError(reason) {
  const kind =
    reason !== null && typeof reason === "object" && "kind" in reason
      ? String(reason.kind)
      : "explicit";
  const error = new Error(`job cancelled (${kind})`);
  error.name = "CancelledError";
  Object.defineProperty(error, "reason", {
    value: reason ?? { kind: "explicit" },
    enumerable: true,
  });
  return error;
}

/**
 * `{ name, message, stack, cause }` plus own primitive fields (`code`, `errno`...),
 * so the host can rebuild a real Error; structured clone would drop the class.
 *
 * @param {unknown} error
 * @param {number} [depth]
 * @returns {Record<string, unknown>}
 */
function serializeError(error, depth = 0) {
  if (error === null || typeof error !== "object") {
    return { name: "Error", message: `non-error value thrown: ${String(error)}` };
  }
  const e = /** @type {Record<string, unknown>} */ (error);
  /** @type {Record<string, unknown>} */
  const out = {
    name: typeof e.name === "string" ? e.name : "Error",
    message: typeof e.message === "string" ? e.message : String(error),
    stack: typeof e.stack === "string" ? e.stack : undefined,
  };
  /** @type {Record<string, unknown>} */
  const fields = {};
  for (const key of Object.keys(e)) {
    const value = e[key];
    if (key === "cause" || key === "name" || key === "message" || key === "stack") continue;
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) {
      fields[key] = value;
    }
  }
  out.fields = fields;
  if ("cause" in e && e.cause !== undefined && depth < 8) {
    out.cause = serializeError(e.cause, depth + 1);
  }
  return out;
}

function setUpChild() {
  // A terminal's Ctrl+C reaches the whole foreground process group; the parent
  // decides what its children do, so the child only notes the signal.
  process.on("SIGINT", () => {});
  // Orphaned: the parent is gone (its IPC pipe closed). Nothing can use our result.
  process.on("disconnect", () => process.kill(process.pid, "SIGKILL"));
  process.on("message", (message) => {
    if (message === null || typeof message !== "object" || message[TAG] !== "cancel") return;
    const entry = childJobs.get(message.job);
    if (entry === undefined) {
      earlyCancels.set(message.job, message.reason);
      if (earlyCancels.size > 1000) earlyCancels.delete(earlyCancels.keys().next().value);
      return;
    }
    entry.cancelled = true;
    entry.reason = message.reason;
    entry.abort();
  });
  // The main thread may be stuck in a CPU loop when the parent dies (even by SIGKILL):
  // a watchdog thread notices the new parent PID and kills this process.
  const parentPid = Number(process.env[PARENT_PID_ENV]) || process.ppid;
  const watchdog = new Worker(new URL("./child-watchdog.mjs", import.meta.url), {
    workerData: { parentPid, intervalMs: 100 },
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  watchdog.unref();
}
