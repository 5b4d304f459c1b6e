import type { MainControl } from "./main-control-internal.ts";
import type { MainSettings } from "./main-options-internal.ts";
import type { Watchdog } from "./watchdog.ts";

/**
 * Listens to the signals `main()` owns while it runs (contract 1), and to the
 * opt-in signal that prints the tree (contract 18). A repeat of the same signal
 * within `sameSignalWindowMs` of the one taken is the same event (contract 3):
 * one Ctrl+C under `node --watch` reaches the program twice, from the terminal's
 * process group and from the watcher. Returns the removal of every listener.
 */
export function listenToSignals(
  settings: MainSettings,
  watchdog: Watchdog,
  control: MainControl,
): () => void {
  const { host, signals, printTreeOn, sameSignalWindowMs } = settings;
  const takenAt = new Map<NodeJS.Signals, number>();
  const undo = signals.map((signal) =>
    host.onSignal(signal, () => {
      watchdog.took(signal);
      const now = host.now();
      const last = takenAt.get(signal);
      if (last !== undefined && now - last < sameSignalWindowMs) return;
      takenAt.set(signal, now);
      control.signal(signal);
    }),
  );
  if (printTreeOn !== undefined) {
    undo.push(host.onSignal(printTreeOn, () => host.stderr(control.tree())));
  }
  return () => {
    for (const remove of undo) remove();
  };
}

/**
 * Listens to errors that escaped every task (contract 8) and to errors of stdout
 * and stderr: EPIPE there means the reader went away (contract 9a), which is not
 * a failure of the program. Returns the removal of every listener.
 */
export function listenToErrors(settings: MainSettings, control: MainControl): () => void {
  const { host } = settings;
  const closed = new Set<string>();
  const stray = host.onStrayError((error, kind) =>
    control.fail(
      error,
      kind === "uncaughtException" ? "Uncaught exception:" : "Unhandled rejection:",
    ),
  );
  const output = host.onOutputError((stream, error) => {
    if (closed.has(stream) || (error as { code?: unknown } | null)?.code === "EPIPE") {
      // Later writes to a closed stream fail too (ERR_STREAM_DESTROYED): same event.
      closed.add(stream);
      control.outputClosed(stream);
    } else {
      control.fail(error, `Error on ${stream}:`);
    }
  });
  return () => {
    stray();
    output();
  };
}
