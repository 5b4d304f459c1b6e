import { createScope, type Operation, type Scope, useScope } from "effection";
import type { CancelReason } from "./cancel-reason.ts";
import { observeScopes } from "./effection-seam-internal.ts";
import { CancelledError } from "./errors.ts";
import type { Host } from "./host.ts";
import { createLiveTasks } from "./live-tasks-internal.ts";
import { type MainControl, MainControlContext } from "./main-control-internal.ts";
import { describeReport, formatError, ReporterContext } from "./reporter.ts";
import { startTask } from "./spawn-task.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { CurrentTask } from "./task-registry-internal.ts";
import { formatTaskTree } from "./task-tree.ts";

/**
 * Children shown per task in reports. A report is rendered at the first signal
 * and refreshed while shutdown lasts, so it must stay cheap with 10,000 tasks.
 */
const REPORT_MAX_CHILDREN = 25;

/**
 * The root of a `main()` run: the scope that `main()` creates, with the seam's
 * middleware on it, and the root task that runs the body. It tells the run what
 * happens to the root through {@link MainControl}.
 */
export class MainRoot {
  private readonly scope: Scope;
  private readonly destroyScope: () => Promise<void>;
  private readonly live = createLiveTasks();
  /** Set as soon as the body runs: it may run before `startTask` returns. */
  private node: TaskNode<unknown> | undefined = undefined;
  /** A halt asked before the body ran, kept for {@link attach}. */
  private haltAsked: CancelReason | undefined = undefined;
  private readonly checkBody: (bodyScope: Scope) => void;

  constructor(
    private readonly control: MainControl,
    host: Host,
  ) {
    const [scope, destroy] = createScope();
    this.scope = scope;
    this.destroyScope = destroy;
    this.checkBody = observeScopes(scope, {
      ...this.live,
      extraFailure: (error) => control.fail(error),
    });
    scope.set(MainControlContext, control);
    scope.set(ReporterContext, (report) => {
      if (report.kind === "unretrieved-failure") {
        control.fail(report.error, describeReport(report));
        return;
      }
      let text = `${describeReport(report)}\n`;
      if (report.error !== undefined) text += `${formatError(report.error)}\n`;
      host.stderr(text);
    });
  }

  /** Starts the root task; returns its settlement (after every cleanup has run). */
  start(
    name: string,
    body: (args: string[]) => Operation<unknown>,
    args: string[],
    site: { stack?: string },
  ): PromiseLike<void> {
    const root = this;
    const control = this.control;
    const node = startTask(
      this.scope,
      function* () {
        const bodyScope = yield* useScope();
        root.attach(bodyScope.get(CurrentTask)!);
        root.checkBody(bodyScope);
        let value: unknown;
        try {
          value = yield* body(args);
        } catch (error) {
          control.rootFailing(error);
          throw error;
        }
        control.bodyReturned();
        return value;
      },
      name,
      site,
    );
    this.attach(node);
    return node.settlement();
  }

  private attach(node: TaskNode<unknown>): void {
    if (this.node !== undefined) return;
    this.node = node;
    // A failing effection child of the root is known to the root's task first.
    node.watchChildFailures((error) => this.control.rootFailing(error));
    if (this.haltAsked !== undefined) node.requestCancel(this.haltAsked);
  }

  /** Records why the root stops (once), without halting it: effection may be stopping it. */
  markCancelled(reason: CancelReason): void {
    this.node?.requestCancel(reason, false);
  }

  /** Halts the root task (and so the whole tree) for `reason` (the first one asked wins). */
  halt(reason: CancelReason): void {
    if (this.node === undefined) this.haltAsked ??= reason;
    else this.node.requestCancel(reason);
  }

  /** The root's failure, once settled; an escaping `CancelledError` is a cancel, not one (#10). */
  failure(): unknown {
    const node = this.node;
    if (node?.state !== "failed") return undefined;
    const error = node.error();
    return error instanceof CancelledError ? undefined : error;
  }

  /** Destroys `main()`'s scope (what is left in it: nothing, normally). */
  destroy(): Promise<void> {
    return this.destroyScope();
  }

  /** Everything alive below `main()`, effection's own tasks and resources included. */
  tree(): string {
    return formatTaskTree(this.live.snapshot(REPORT_MAX_CHILDREN));
  }
}
