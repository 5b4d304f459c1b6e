import { createScope, type Operation, type Scope, useScope } from "effection";
import type { CancelReason } from "./cancel-reason.ts";
import {
  ConcurrentTeardownContext,
  installConcurrentTeardown,
} from "./concurrent-teardown-internal.ts";
import { CancelledError } from "./errors.ts";
import { type Host, signalNumber } from "./host.ts";
import { type Drainer, type MainControl, MainControlContext } from "./main-control-internal.ts";
import { describeReport, formatError, type Report, ReporterContext } from "./reporter.ts";
import { hookContextSet } from "./scope-hooks-internal.ts";
import { startTask } from "./spawn-task.ts";
import type { TaskNode } from "./task-handle.ts";
import { CurrentTask } from "./task-registry-internal.ts";
import { formatTaskTree, taskTree } from "./task-tree.ts";

/** Options of a run, checked and with defaults filled in by `main()`. */
export interface MainSettings {
  readonly graceMs: number;
  readonly drainMs: number;
  readonly signals: readonly NodeJS.Signals[];
  readonly exitCode: "reraise" | "status";
  readonly printTreeOn: NodeJS.Signals | undefined;
  readonly name: string;
  readonly host: Host;
}

/** How a `main()` ended. With the real host the process is gone before anyone sees it. */
export interface MainExit {
  /** The status the parent sees; for a signal, `128 + n` as a shell shows it. */
  readonly status: number;
  /** Set when the process ended by this signal (re-raised, or `128 + n`). */
  readonly signal?: NodeJS.Signals;
  /** True when cleanup did not finish: a second signal, or the grace period ran out. */
  readonly forced: boolean;
  /** Every failure that was printed, each once. */
  readonly failures: readonly unknown[];
}

/**
 * Children shown per task in reports. A report is rendered at the first signal
 * and refreshed while shutdown lasts, so it must stay cheap with 10,000 tasks.
 */
const REPORT_MAX_CHILDREN = 25;

/** Extra time the watchdog gives the main thread's own grace timer. */
const WATCHDOG_MARGIN_MS = 500;
/** How often the watchdog's copy of the task tree is refreshed during teardown. */
const SNAPSHOT_EVERY_MS = 250;
const ERROR_BOUNDARY = "@effection/error-boundary";

type Phase = "running" | "draining" | "cancelling" | "ended";

interface Failure {
  readonly error: unknown;
  readonly label: string | undefined;
}

interface Boundary {
  raise(error: unknown): void;
}

let boundaryHookInstalled = false;

/**
 * One run of `main()`: owns the process signals and error hooks while it runs,
 * decides when and how the tree is cancelled, and how the process ends.
 */
export class MainRun implements MainControl {
  private phase: Phase = "running";
  /** The first signal received: it decides the status whatever else happens. */
  private signal: NodeJS.Signals | undefined = undefined;
  private exitRequest: { status: number; message: string | undefined } | undefined = undefined;
  private readonly failures: Failure[] = [];
  private readonly seen = new Set<unknown>();
  private readonly drainers = new Set<Drainer>();
  private readonly shutdown = new AbortController();
  /** Listener removals, timers and the like, undone when the run ends. */
  private readonly undo: (() => void)[] = [];
  private clockStarted = false;
  private cancelDrain: (() => void) | undefined = undefined;
  private readonly scope: Scope;
  private readonly destroy: () => Promise<void>;
  /** Set as soon as the root runs: its body may run before `startTask` returns. */
  private root!: TaskNode<unknown>;
  private resolveEnd: (exit: MainExit) => void = () => {};
  /** Settles once the run has ended the process (or, with a fake host, would have). */
  readonly ended: Promise<MainExit>;

  constructor(
    private readonly settings: MainSettings,
    body: (args: string[]) => Operation<unknown>,
    site: { stack?: string },
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnd = resolve;
    });
    installConcurrentTeardown();
    installBoundaryHook();
    const [scope, destroy] = createScope();
    this.scope = scope;
    this.destroy = destroy;
    scope.set(MainControlContext, this);
    scope.set(ReporterContext, (report) => this.onReport(report));
    scope.set(ConcurrentTeardownContext, (error) => this.addFailure(error, undefined));
    this.listen();
    const run = this;
    const args = [...settings.host.argv];
    this.root = startTask(
      scope,
      function* () {
        run.root = (yield* useScope()).get(CurrentTask)!;
        let value: unknown;
        try {
          value = yield* body(args);
        } catch (error) {
          run.rootFailing(error);
          throw error;
        }
        run.bodyReturned();
        return value;
      },
      settings.name,
      site,
    );
    // A failing effection child of the root is known to the root's task first.
    this.root.watchChildFailures((error) => this.rootFailing(error));
    this.root.settlement().then(() => this.finish());
  }

  // --- MainControl, for exit() and useShutdown() ---

  requestExit(status: number, message: string | undefined): boolean {
    if (this.signal === undefined && this.exitRequest === undefined) {
      this.exitRequest = { status, message };
    }
    // While draining, exit() still ends the program now: the drain stops.
    if (this.phase !== "running" && this.phase !== "draining") return false;
    this.cancelRoot({ kind: "shutdown", message: `exit(${status})` });
    return true;
  }

  addDrainer(): Drainer {
    const run = this;
    let done = false;
    const drainer: Drainer = {
      signal: this.shutdown.signal,
      drained() {
        if (done) return;
        done = true;
        run.drainers.delete(drainer);
        if (run.phase === "draining" && run.drainers.size === 0) run.cancelRoot(run.signalReason());
      },
    };
    if (this.phase === "running" || this.phase === "draining") this.drainers.add(drainer);
    return drainer;
  }

  // --- events ---

  private listen(): void {
    const { host, signals, printTreeOn } = this.settings;
    for (const signal of signals) {
      this.undo.push(host.onSignal(signal, () => this.onSignal(signal)));
    }
    if (printTreeOn !== undefined) {
      this.undo.push(host.onSignal(printTreeOn, () => host.stderr(this.tree())));
    }
    this.undo.push(
      host.onStrayError((error, kind) =>
        this.onFailure(
          error,
          kind === "uncaughtException" ? "Uncaught exception:" : "Unhandled rejection:",
        ),
      ),
    );
    this.undo.push(host.keepAlive());
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.phase === "ended") return;
    if (this.phase !== "running") {
      this.signal ??= signal;
      this.forceEnd(`quiesce: ${signal} received during shutdown`);
      return;
    }
    this.signal = signal;
    const reason: CancelReason = { kind: "signal", signal };
    if (this.drainers.size === 0) {
      this.cancelRoot(reason);
      return;
    }
    this.phase = "draining";
    this.startClock(reason);
    const { host, drainMs } = this.settings;
    this.cancelDrain = host.setTimeout(() => this.cancelRoot(reason), drainMs);
  }

  private onReport(report: Report): void {
    if (report.kind === "unretrieved-failure") {
      this.onFailure(report.error, describeReport(report));
      return;
    }
    let text = `${describeReport(report)}\n`;
    if (report.error !== undefined) text += `${formatError(report.error)}\n`;
    this.settings.host.stderr(text);
  }

  /** Any failure: the first one, while running or draining, cancels the tree. */
  private onFailure(error: unknown, label: string | undefined): void {
    if (this.phase === "ended") return;
    this.addFailure(error, label);
    if (this.phase === "running" || this.phase === "draining") {
      this.cancelRoot({ kind: "error", error });
    }
  }

  /** The error reached the root: effection is already tearing the tree down. */
  rootFailing(error: unknown): void {
    if (this.phase === "ended") return;
    // The body awaited a cancelled task and let its CancelledError escape: a
    // cancel, not a failure (#10).
    if (error instanceof CancelledError) {
      if (this.phase === "cancelling") return;
      this.cancelDrain?.();
      this.mark(error.reason);
      return;
    }
    this.addFailure(error, undefined);
    if (this.phase === "cancelling") return;
    this.cancelDrain?.();
    this.mark({ kind: "error", error });
  }

  private bodyReturned(): void {
    if (this.phase === "running") this.mark({ kind: "main-done" });
    else if (this.phase === "draining") {
      // The body drained and returned: the rest goes down for the signal.
      this.cancelDrain?.();
      this.mark(this.signalReason());
    }
  }

  // --- teardown ---

  /** Records why the root stops while effection is already stopping it. */
  private mark(reason: CancelReason): void {
    this.root.requestCancel(reason, false);
    this.phase = "cancelling";
    this.startClock(reason);
  }

  private cancelRoot(reason: CancelReason): void {
    if (this.phase === "ended" || this.phase === "cancelling") return;
    this.cancelDrain?.();
    // Reason and watchdog first: cleanup may start, and block, inside the halt.
    this.mark(reason);
    this.root.requestCancel(reason);
  }

  /** Grace timer, watchdog, and the news for `useShutdown()`: once, at the first trigger. */
  private startClock(reason: CancelReason): void {
    if (this.clockStarted) return;
    this.clockStarted = true;
    if (!this.shutdown.signal.aborted) {
      this.shutdown.abort(new CancelledError(reason, this.settings.name));
    }
    const { host, graceMs } = this.settings;
    this.undo.push(
      host.setTimeout(
        () => this.forceEnd(`quiesce: grace period of ${graceMs} ms ran out during shutdown`),
        graceMs,
      ),
    );
    const watchdog = host.startWatchdog({
      afterMs: graceMs + WATCHDOG_MARGIN_MS,
      report: this.tree(),
    });
    this.undo.push(() => watchdog.stop());
    const refresh = () => {
      watchdog.update(this.tree());
      cancelRefresh = host.setTimeout(refresh, SNAPSHOT_EVERY_MS);
    };
    let cancelRefresh = host.setTimeout(refresh, SNAPSHOT_EVERY_MS);
    this.undo.push(() => cancelRefresh());
  }

  private signalReason(): CancelReason {
    return this.signal ? { kind: "signal", signal: this.signal } : { kind: "main-done" };
  }

  /** The root has settled: every cleanup has run. */
  private async finish(): Promise<void> {
    if (this.phase === "ended") return;
    const root = this.root;
    if (root.state === "failed") this.addFailure(root.error(), undefined);
    try {
      await this.destroy();
    } catch (error) {
      this.addFailure(error, undefined);
    }
    // A second signal or the grace timer may have ended the run meanwhile.
    if ((this.phase as Phase) === "ended") return;
    this.end(false, undefined);
  }

  /** Second signal or grace expiry: report now, end now, run no more user code. */
  private forceEnd(header: string): void {
    if (this.phase === "ended") return;
    this.end(true, header);
  }

  private end(forced: boolean, header: string | undefined): void {
    this.phase = "ended";
    const { host, exitCode } = this.settings;
    for (const undo of this.undo.splice(0).reverse()) undo();
    this.cancelDrain?.();
    if (header !== undefined) host.stderr(`${header}; tasks still alive:\n${this.tree()}`);
    this.printFailures();
    const failures = this.failures.map((f) => f.error);
    const signal = this.signal;
    if (signal !== undefined) {
      const status = 128 + signalNumber(signal);
      this.resolveEnd({ status, signal, forced, failures });
      if (exitCode === "reraise" && host.platform !== "win32") host.kill(signal);
      else host.exit(status);
      return;
    }
    let status = 0;
    if (this.exitRequest !== undefined) {
      status = this.exitRequest.status;
      const { message } = this.exitRequest;
      if (message !== undefined) {
        if (status === 0) host.stdout(`${message}\n`);
        else host.stderr(`${message}\n`);
      }
    } else if (this.failures.length > 0) {
      status = errorStatus(this.failures[0]!.error);
    } else if (forced) {
      // Cleanup after a normal return was stuck: that is a failure too.
      status = 1;
    }
    this.resolveEnd({ status, forced, failures });
    host.exit(status);
  }

  private addFailure(error: unknown, label: string | undefined): void {
    if (this.seen.has(error)) return;
    this.seen.add(error);
    this.failures.push({ error, label });
  }

  private printFailures(): void {
    const { failures } = this;
    if (failures.length === 0) return;
    const texts = failures.map((f) => `${f.label ? `${f.label}\n` : ""}${formatError(f.error)}`);
    const header = failures.length > 1 ? `quiesce: ${failures.length} failures:\n` : "";
    this.settings.host.stderr(`${header}${texts.join("\n\n")}\n`);
  }

  /** The live tree under the root, rendered. */
  private tree(): string {
    const id = this.root?.id;
    const tree = taskTree(undefined, { maxChildren: REPORT_MAX_CHILDREN });
    return formatTaskTree(tree.filter((node) => node.id === id));
  }

  /** Wraps the root task's error boundary, to learn of an error before effection acts on it. */
  wrapBoundary(scope: Scope, boundary: Boundary): Boundary {
    const contexts = (scope as unknown as { contexts: object }).contexts;
    const mine = (this.scope as unknown as { contexts: object }).contexts;
    if (Object.getPrototypeOf(contexts) !== mine || Object.hasOwn(contexts, ERROR_BOUNDARY)) {
      return boundary;
    }
    const run = this;
    return Object.create(boundary, {
      raise: {
        value(error: unknown) {
          run.rootFailing(error);
          boundary.raise(error);
        },
      },
    }) as Boundary;
  }
}

/**
 * An error raised into the root task by a failing effection child reaches it as
 * a halt, not a throw: the hook marks the root as failing first, so that the
 * quiesce tasks torn down with it see the reason `{ kind: "error" }`.
 */
function installBoundaryHook(): void {
  if (boundaryHookInstalled) return;
  boundaryHookInstalled = true;
  hookContextSet(ERROR_BOUNDARY, (scope, boundary) => {
    const control = scope.get(MainControlContext);
    return control instanceof MainRun
      ? control.wrapBoundary(scope, boundary as Boundary)
      : boundary;
  });
}

/** An error's own `exitCode` if it is an integer from 1 to 125, else 1. */
export function errorStatus(error: unknown): number {
  const code =
    error !== null && typeof error === "object"
      ? (error as { exitCode?: unknown }).exitCode
      : undefined;
  return typeof code === "number" && Number.isInteger(code) && code >= 1 && code <= 125 ? code : 1;
}
