// Shared by the host (TypeScript) and the worker bootstrap (plain JavaScript, because
// a Node 20 worker thread cannot load TypeScript). Keep it dependency-free.

/** Marks quiesce's own IPC messages between a process pool and its children. */
export const TAG = "__quiesce_executor__";

/** Bytes of the shared cancel buffer given to each running job (one slot per worker). */
export const SLOT_BYTES = 1024;
/** Int32 index, inside a slot, of the job state. */
export const STATE = 0;
/** Int32 index, inside a slot, of the id of the thread running the job. */
export const WORKER_ID = 1;
/** Int32 index, inside a slot, of the byte length of the JSON cancel reason. */
export const REASON_LENGTH = 2;
/** Byte offset, inside a slot, of the JSON cancel reason. */
export const REASON_OFFSET = 16;

/** Slot state: the job may run. */
export const RUNNING = 0;
/** Slot state: the host asked the job to stop; the reason is in the slot. */
export const CANCEL = 1;
/** Slot state: the job's function has returned or thrown. */
export const DONE = 2;

/** Environment variable that tells a child process its parent's PID. */
export const PARENT_PID_ENV = "QUIESCE_PARENT_PID";
