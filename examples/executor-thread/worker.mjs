// The worker side of executor-thread: plain JavaScript, loaded by the pool in each
// worker thread. `blocks(n)` is seed 000's blocking function: it logs, blocks its
// thread for 100 ms (no event loop involved), logs again and returns n².
import { writeSync } from "node:fs";
import { threadId } from "node:worker_threads";

const threadName = `Thread-${threadId}`;

/** Python's `'%(threadName)10s %(name)18s: %(message)s'`, written straight to stderr. */
function log(name, message) {
  writeSync(2, `${threadName.padStart(10)} ${name.padStart(18)}: ${message}\n`);
}

/** `time.sleep(ms / 1000)`: blocks this thread, not just a promise. */
function block(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function blocks(n) {
  const name = `blocks(${n})`;
  log(name, "running");
  block(100);
  log(name, "done");
  return n ** 2;
}
