import type { Operation } from "effection";
import type { CancelReason } from "./cancel-reason.ts";
import { debugMode } from "./debug.ts";
import { CancelledError } from "./errors.ts";
import { startShutdownClock } from "./main-clock-internal.ts";
import type { Drainer, MainControl } from "./main-control-internal.ts";
import { MainDrain } from "./main-drain-internal.ts";
import { endProcess, type MainExit } from "./main-exit-status-internal.ts";
import { MainFailures } from "./main-failures-internal.ts";
import type { MainSettings } from "./main-options-internal.ts";
import { MainRoot } from "./main-root-internal.ts";
import { listenToErrors, listenToSignals } from "./main-signals-internal.ts";
import { SITE_HINT } from "./stack-internal.ts";
import type { Watchdog } from "./watchdog.ts";

/**
 * Where a run is: `running`; `draining` after the first signal while parts that
 * called `useShutdown()` drain; `cancelling` once the root is being torn down;
 * `ended` once the process is (or, with a fake host, would be) gone.
 */
type Phase = "running" | "draining" | "cancelling" | "ended";

/** Runs `body` as `main()` does, and settles with how the run ended. */
export function runMain(
  settings: MainSettings,
  body: (args: string[]) => Operation<unknown>,
  site: { stack?: string },
): Promise<MainExit> {
  return new MainRun(settings, body, site).ended;
}

/**
 * One run of `main()`: the phases, and what each event does in each of them.
 * Everything else (the root and its scope, the listeners, the clock, the exit
 * status) is a part that talks to it through {@link MainControl}.
 */
class MainRun implements MainControl {
  private phase: Phase = "running";
  /** The first signal received: it decides the status whatever else happens. */
  private firstSignal: NodeJS.Signals | undefined = undefined;
  private exitRequest: { status: number; message: string | undefined } | undefined = undefined;
  private outputWasClosed = false;
  private readonly failures = new MainFailures();
  private readonly drain: MainDrain;
  /** Listener removals, timers and the like, undone when the run ends. */
  private readonly undo: (() => void)[] = [];
  private stopClock: (() => void) | undefined = undefined;
  private cancelDrain: (() => void) | undefined = undefined;
  private readonly root: MainRoot;
  private readonly watchdog: Watchdog;
  private resolveEnd: (exit: MainExit) => void = () => {};
  readonly ended = new Promise<MainExit>((resolve) => {
    this.resolveEnd = resolve;
  });

  constructor(
    private readonly settings: MainSettings,
    body: (args: string[]) => Operation<unknown>,
    site: { stack?: string },
  ) {
    const { host, signals, graceMs, sameSignalWindowMs } = settings;
    this.drain = new MainDrain(settings.name, () => this.cancelRoot(this.signalReason()));
    this.root = new MainRoot(this, host);
    // Started with main(), not at the first signal: the loop may already be blocked then.
    this.watchdog = host.startWatchdog({
      signals,
      graceMs,
      sameSignalWindowMs,
      describe: () => this.tree(),
    });
    this.undo.push(
      () => this.watchdog.stop(),
      listenToSignals(settings, this.watchdog, this),
      listenToErrors(settings, this),
      host.keepAlive(),
    );
    this.root.start(settings.name, body, [...host.argv], site).then(() => this.finish());
  }

  // --- events ---

  signal(signal: NodeJS.Signals): void {
    if (this.phase === "ended") return;
    if (this.phase !== "running") {
      if (this.firstSignal !== undefined) {
        this.forceEnd(`quiesce: ${signal} received during shutdown`);
        return;
      }
      // The first signal, while cleanup runs for another reason (the body returned
      // or failed, exit(), a closed pipe): cleanup goes on under the grace clock
      // already running, and the program ends by this signal. Only a second one
      // escalates (contract 2–3).
      this.firstSignal = signal;
      return;
    }
    this.firstSignal = signal;
    const reason: CancelReason = { kind: "signal", signal };
    if (this.drain.pending === 0) {
      this.cancelRoot(reason);
      return;
    }
    this.phase = "draining";
    const since = this.startClock(reason);
    const { host, drainMs } = this.settings;
    this.cancelDrain = host.setTimeout(() => this.cancelRoot(reason), Math.max(0, drainMs - since));
  }

  fail(error: unknown, label?: string): void {
    if (this.phase === "ended") return;
    this.failures.add(error, label);
    if (this.phase === "running" || this.phase === "draining") {
      this.cancelRoot({ kind: "error", error });
    }
  }

  outputClosed(stream: "stdout" | "stderr"): void {
    // Only as what starts the shutdown: a signal, an error or exit() has its own status.
    if (this.phase !== "running") return;
    this.outputWasClosed = true;
    this.cancelRoot({ kind: "shutdown", message: `${stream} closed (EPIPE)` });
  }

  requestExit(status: number, message: string | undefined): boolean {
    if (this.firstSignal === undefined && this.exitRequest === undefined) {
      this.exitRequest = { status, message };
    }
    // While draining, exit() still ends the program now: the drain stops.
    if (this.phase !== "running" && this.phase !== "draining") return false;
    this.cancelRoot({ kind: "shutdown", message: `exit(${status})` });
    return true;
  }

  addDrainer(): Drainer {
    return this.drain.add();
  }

  rootFailing(error: unknown): void {
    if (this.phase === "ended") return;
    // An awaited task that was cancelled: the root is cancelled too, not failed (#10).
    const cancelled = error instanceof CancelledError;
    if (!cancelled) this.failures.add(error);
    if (this.phase === "cancelling") return;
    this.cancelDrain?.();
    this.mark(cancelled ? error.reason : { kind: "error", error });
  }

  bodyReturned(): void {
    if (this.phase === "running") this.mark({ kind: "main-done" });
    else if (this.phase === "draining") {
      // The body drained and returned: the rest goes down for the signal.
      this.cancelDrain?.();
      this.mark(this.signalReason());
    }
  }

  tree(): string {
    return this.root.tree();
  }

  // --- teardown ---

  /** Records why the root stops while effection is already stopping it. */
  private mark(reason: CancelReason): void {
    this.root.markCancelled(reason);
    this.phase = "cancelling";
    this.drain.close();
    this.startClock(reason);
  }

  private cancelRoot(reason: CancelReason): void {
    if (this.phase === "ended" || this.phase === "cancelling") return;
    this.cancelDrain?.();
    // Reason and clock first: cleanup may start, and block, inside the halt.
    this.mark(reason);
    this.root.halt(reason);
  }

  /** The clock and the news for `useShutdown()`, once; returns how long ago shutdown began. */
  private startClock(reason: CancelReason): number {
    const since = this.firstSignal ? (this.watchdog.sinceFirstSignal() ?? 0) : 0;
    if (this.stopClock !== undefined) return since;
    this.drain.announce(reason);
    const { host, graceMs } = this.settings;
    this.stopClock = startShutdownClock({
      host,
      graceMs,
      watchdog: this.watchdog,
      sinceMs: since,
      tree: () => this.tree(),
      onGraceOut: () =>
        this.forceEnd(`quiesce: grace period of ${graceMs} ms ran out during shutdown`),
    });
    return since;
  }

  private signalReason(): CancelReason {
    return this.firstSignal ? { kind: "signal", signal: this.firstSignal } : { kind: "main-done" };
  }

  /** The root has settled: every cleanup has run. */
  private async finish(): Promise<void> {
    if (this.phase === "ended") return;
    const error = this.root.failure();
    if (error !== undefined) this.failures.add(error);
    try {
      await this.root.destroy();
    } catch (error) {
      this.failures.add(error);
    }
    // A second signal or the grace timer may have ended the run meanwhile.
    if ((this.phase as Phase) !== "ended") this.end(false, undefined);
  }

  /** Second signal or grace expiry: report now, end now, run no more user code. */
  private forceEnd(header: string): void {
    if (this.phase !== "ended") this.end(true, header);
  }

  private end(forced: boolean, header: string | undefined): void {
    this.phase = "ended";
    this.stopClock?.();
    this.cancelDrain?.();
    for (const undo of this.undo.splice(0).reverse()) undo();
    const report =
      header === undefined
        ? undefined
        : `${header}; tasks still alive:\n${this.tree()}${debugMode.on ? "" : `${SITE_HINT}\n`}`;
    endProcess(this.settings, this.resolveEnd, {
      signal: this.firstSignal,
      exitStatus: this.exitRequest?.status,
      exitMessage: this.exitRequest?.message,
      outputClosed: this.outputWasClosed,
      failures: this.failures.errors,
      failureReport: this.failures.format(),
      report,
      forced,
    });
  }
}
