// The wire protocol between the host (TypeScript) and the worker side (plain JavaScript,
// because a Node 20 worker thread cannot load TypeScript): the one definition of what
// crosses, read by both sides and type-checked with them (`checkJs`). Keep it
// dependency-free.

/** Marks quiesce's own IPC messages between a process pool and its children. */
export const TAG = /** @type {const} */ ("__quiesce_executor__");

/** Environment variable that tells a child process its parent's PID. */
export const PARENT_PID_ENV = "QUIESCE_PARENT_PID";

/**
 * What the host asks tinypool to call in the worker bootstrap: `run` a job, or
 * `describe` the module (the pool's start-up probe).
 *
 * @typedef {"run" | "describe"} Entry
 */

/** Environment variable that tells a child process the URL of the pool's worker module. */
export const MODULE_ENV = "QUIESCE_WORKER_MODULE";

/**
 * What a thread pool gives every thread (as tinypool's `workerData`): the pool's worker
 * module and the shared buffer of cancel slots (see cancel-slot.mjs). A child process
 * gets the module in {@link MODULE_ENV} and makes its own buffer.
 *
 * @typedef {object} ThreadWorkerData
 * @property {string} module URL of the worker module
 * @property {SharedArrayBuffer} cancelBuffer
 */

/**
 * One job, as the host hands it to tinypool: `[job, slot, fn, how, ...args]`. A flat
 * array clones markedly faster than an object (about 1 µs a job, each way's share).
 * `job` is the job's id in its pool, counting up from 1; `slot` its cancel slot in a
 * thread pool's buffer (a child process has one slot of its own, and reads here
 * {@link CANCELLED_AT_HAND_OVER} instead); `fn` the exported function; `how` says how
 * the arguments follow: {@link ARGS_AS_IS} (the rest of the array; always, in thread
 * pools) or {@link ARGS_AS_V8} (one `V8Payload` of the arguments array, for what JSON
 * cannot carry to a child process: see wire.mjs). The job context is added in the
 * worker.
 *
 * @typedef {[job: number, slot: number, fn: string, how: number, ...args: unknown[]]} RunTask
 */

/** {@link RunTask}: the arguments are the rest of the array. */
export const ARGS_AS_IS = 0;
/** {@link RunTask}: the arguments array is the one `V8Payload` that follows. */
export const ARGS_AS_V8 = 1;

/**
 * Child processes: the `slot` of a {@link RunTask} whose job was cancelled before the
 * task reached the child. The host writes it as tinypool hands the task over, so the
 * child answers "not-started" without running the job, as a thread does when it finds
 * the cancel flag already set.
 */
export const CANCELLED_AT_HAND_OVER = -1;

/**
 * The answer to a job that returned: its value, in an array of one (`[]` for
 * `undefined`, which a JSON array would carry as `null`). The shortest answer, for the
 * commonest one: a job's worker is known to the host without being named here.
 *
 * @typedef {[] | [value: unknown]} Done
 */

/**
 * The worker's answer to any task that is not {@link Done}: the start-up probe's, or why
 * a job has no value. A child process sends either as a `V8Payload` (wire.mjs) when
 * JSON cannot carry it exactly.
 *
 * @typedef {{ ok: true, value: unknown, functions?: string[], workerId: number }
 *   | { ok: false, kind: "not-started", workerId: number }
 *   | { ok: false, kind: "load" | "threw", error: SerializedError, workerId: number }
 *   | { ok: false, kind: "unknown-function", available: string[], workerId: number }} Envelope
 */

/**
 * An error as it crosses to the host, which rebuilds a real `Error` from it: structured
 * clone would drop its class and own fields such as `code`.
 *
 * @typedef {object} SerializedError
 * @property {string} name
 * @property {string} message
 * @property {string} [stack]
 * @property {Record<string, string | number | boolean | null>} [fields] own primitive fields
 * @property {SerializedError} [cause]
 */

/**
 * Child processes: an exception that escaped a job (a timer, an event handler), sent to
 * the parent over IPC just before the child exits, so the job fails with it as `cause`.
 *
 * @typedef {{ [TAG]: "uncaught", error: SerializedError }} UncaughtMessage
 */

/**
 * Child processes: a cancel, written by the host to the child's stdin as one line
 * `<job> <reason as JSON>\n`, where a watcher thread reads it even while the child's
 * main thread is stuck in a CPU loop.
 *
 * @param {number} job
 * @param {string} reasonJson
 */
export function cancelLine(job, reasonJson) {
  return `${job} ${reasonJson.replace(/\n/g, " ")}\n`;
}

/**
 * The job and reason of one line written by {@link cancelLine} (without its newline).
 *
 * @param {string} line
 * @returns {{ job: number, reasonJson: string } | undefined}
 */
export function parseCancelLine(line) {
  const space = line.indexOf(" ");
  const job = Number(line.slice(0, space));
  if (space < 0 || !Number.isInteger(job) || job <= 0) return undefined;
  return { job, reasonJson: line.slice(space + 1) };
}
