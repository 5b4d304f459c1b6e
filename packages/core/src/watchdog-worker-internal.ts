/** Extra time the watchdog gives the main thread's own grace timer. */
export const WATCHDOG_MARGIN_MS = 500;

/**
 * The watchdog thread's code (see `watchdog.ts`). Plain JavaScript evaluated as a
 * CommonJS script, so that it runs on every Node version without a TypeScript
 * loader. It writes with `fs.writeSync(2)`, because a worker's `process.stderr` is
 * relayed through the main thread, which is the thread that is stuck.
 *
 * Signals: a worker's `process.on("SIGINT")` receives nothing. The thread makes
 * its own libuv signal handles from Node's internal `signal_wrap` binding
 * (`internalBinding`, reachable with `--expose-internals`; `process.binding` on
 * Node 20), so it sees a signal even while the main thread is blocked.
 * `mechanism` says which one worked; "none" is the documented fallback.
 *
 * Ending a blocked process: the thread evaluates a probe on the main thread
 * through the inspector (`Session#connectToMainThread` and `Runtime.evaluate`,
 * which V8 runs as an interrupt on top of the stuck frame; never
 * `inspector.open()`, no port): it reads where the thread is stuck and the live
 * tree, and removes the main thread's listeners of the signal. The thread then
 * disconnects (a session still connected at exit makes Node print "Waiting for
 * the debugger to disconnect…") and re-raises the signal, so the parent sees
 * "killed by SIGINT". Without the inspector it falls back to SIGKILL.
 */
/**
 * The layout of the buffer the watchdog thread shares with the main thread: the
 * indexes of its Int32 slots, the values of its STATE slot, and where the Float64
 * time of the first signal sits. One definition for both sides.
 */
export const WATCHDOG_LAYOUT = {
  STATE: 0,
  SEEN: 1,
  TAKEN: 2,
  MECHANISM: 3,
  FIRST_TAKEN: 4,
  /** Int32 slots. */
  INTS: 5,
  /** Byte offset of the Float64 time of the first signal (after the Int32 slots, aligned). */
  FIRST_AT_BYTE: 24,
  /** Bytes in all. */
  BYTES: 32,
  // Values of STATE: 0 starting, then one of these.
  /** Stopped: no signal handle left. */
  STOPPED: 1,
  /** Stopped before it listened. */
  STOPPED_EARLY: 2,
  LISTENING: 3,
} as const;

export const WATCHDOG_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { constants } = require("node:os");
const { STATE, SEEN, TAKEN, MECHANISM, FIRST_TAKEN, STOPPED, LISTENING, INTS, FIRST_AT_BYTE } =
  ${JSON.stringify(WATCHDOG_LAYOUT)};
const state = new Int32Array(workerData.shared, 0, INTS);
const firstAt = new Float64Array(workerData.shared, FIRST_AT_BYTE, 1);
const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));
const MECHANISMS = ["", "internal-binding", "process-binding", "none"];
let report = workerData.report;
let reportAt = Date.now();
let deadline = Infinity;
let timer;
let first;
let ending = false;
const handles = [];

function signalWrap() {
  try {
    return [1, require("internal/test/binding").internalBinding("signal_wrap").Signal];
  } catch {}
  try {
    return [2, process.binding("signal_wrap").Signal];
  } catch {}
  return [3, undefined];
}

const [mechanism, Signal] = signalWrap();
// The main thread may have stopped this thread before it listened: then it must not.
const listening = Atomics.compareExchange(state, STATE, 0, LISTENING) === 0;
if (Signal && listening) {
  for (const name of workerData.signals) {
    const handle = new Signal();
    handle.onsignal = () => onSignal(name);
    if (handle.start(constants.signals[name]) === 0) handles.push(handle);
    else handle.close();
  }
}
Atomics.store(state, MECHANISM, mechanism);
parentPort.postMessage({ mechanism: MECHANISMS[mechanism] });
if (workerData.afterMs !== undefined) arm(Date.now() + workerData.afterMs);
if (!listening) stop();

parentPort.on("message", (message) => {
  if (message.stop) return stop();
  if (message.report !== undefined) {
    report = message.report;
    reportAt = Date.now();
  }
  if (message.afterMs !== undefined) arm(Date.now() + message.afterMs);
});

function stop() {
  clearTimeout(timer);
  for (const handle of handles.splice(0)) handle.close();
  Atomics.store(state, STATE, STOPPED);
  Atomics.notify(state, STATE);
  parentPort.close();
}

function arm(at) {
  if (at >= deadline) return;
  deadline = at;
  clearTimeout(timer);
  timer = setTimeout(() => end(lateReason()), Math.max(0, at - Date.now()));
}

function lateReason() {
  if (first && Atomics.load(state, TAKEN) === 0) {
    return first.signal + " arrived " + (Date.now() - first.at) +
      " ms ago while the event loop was blocked, and it still is";
  }
  return "the process did not end in time (event loop blocked?)";
}

function onSignal(signal) {
  const seen = Atomics.add(state, SEEN, 1) + 1;
  const now = Date.now();
  if (first === undefined) {
    first = { signal, at: now };
    firstAt[0] = now;
    arm(now + workerData.graceMs + workerData.marginMs);
    return;
  }
  if (signal === first.signal && now - first.at < workerData.sameSignalWindowMs) return;
  // A second signal: the main thread ends the process itself, unless it is blocked.
  setTimeout(() => {
    if (Atomics.load(state, TAKEN) < seen) {
      end(signal + " received while the main thread was blocked");
    }
  }, workerData.takeWithinMs);
}

async function end(why) {
  if (ending) return;
  ending = true;
  clearTimeout(timer);
  setInterval(() => {}, 1000);
  // The main thread may have taken the first signal before this thread listened.
  const signal = (first && first.signal) || signalNames.get(Atomics.load(state, FIRST_TAKEN));
  const inspected = await inspectMain(signal);
  for (const handle of handles.splice(0)) handle.close();
  const head = (signal ? "\\n" : "") + "quiesce watchdog: " + why;
  let text = head;
  if (inspected && inspected.stack) text += "; the main thread is stuck at:\\n" + inspected.stack;
  else text += " (the main thread did not answer the inspector)\\n";
  if (inspected && typeof inspected.tree === "string") text += "tasks still alive:\\n" + inspected.tree;
  else text += "last known task tree, from " + (Date.now() - reportAt) + " ms ago:\\n" + report;
  try {
    writeSync(2, text);
  } finally {
    if (signal && inspected && inspected.released) {
      process.kill(process.pid, signal);
      setTimeout(() => process.kill(process.pid, "SIGKILL"), workerData.reraiseWithinMs);
    } else {
      process.kill(process.pid, "SIGKILL");
    }
  }
}

function inspectMain(signal) {
  return new Promise((resolve) => {
    let session;
    const done = (value) => {
      clearTimeout(giveUp);
      try {
        if (session) session.disconnect();
      } catch {}
      resolve(value);
    };
    const giveUp = setTimeout(() => done(undefined), workerData.inspectWithinMs);
    const expression = "(" + probe.toString() + ")(" + JSON.stringify(signal ? workerData.signals : []) + ")";
    try {
      // Runtime.evaluate runs on the main thread as a V8 interrupt, on top of the
      // frame that is stuck: no pause and no Debugger domain needed.
      session = new (require("node:inspector").Session)();
      session.connectToMainThread();
      session.post("Runtime.evaluate", { expression, returnByValue: true, silent: true },
        (error, answer) => done(error ? undefined : answer.result.value));
    } catch {
      done(undefined);
    }
  });
}

// Evaluated on the main thread, on top of the frame where it is stuck.
function probe(signals) {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  const lines = (new Error().stack || "").split("\\n").slice(1);
  Error.stackTraceLimit = limit;
  const own = (line) =>
    !/node_modules|node:internal|\\(<anonymous>(:\\d+:\\d+)?\\)$|^\\s*at <anonymous>:\\d+:\\d+$/.test(line);
  const stack = lines.filter(own).slice(0, 6).join("\\n") + "\\n";
  let tree;
  try {
    const hook = globalThis[Symbol.for("@quiesce/core.watchdog")];
    tree = hook && hook.describe();
  } catch {}
  for (const signal of signals) process.removeAllListeners(signal);
  return { stack, tree, released: signals.length > 0 };
}
`;
