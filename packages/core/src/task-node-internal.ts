import { action, type Effect, type Operation, type Scope, type Task } from "effection";
import { type CancelReason, toCancelReason } from "./cancel-reason.ts";
import { CancelledError, InvalidStateError } from "./errors.ts";
import { type Report, ReporterContext } from "./reporter.ts";
import { NodeSettlement, type Settlement } from "./settlement.ts";
import { siteStack } from "./stack-internal.ts";
import type { TaskHandle, TaskState } from "./task-handle.ts";
import { forgetRetrieval, watchRetrieval } from "./unretrieved-failures-internal.ts";
import { expectFunction } from "./validate.ts";

/** A cancel that was asked: why, exactly what was passed, and when. */
interface CancelAsk {
  readonly reason: CancelReason;
  readonly value: unknown;
  readonly at: number;
}

type Listener = () => void;

const noop = () => {};
/** Stands in for the effection task when a halt is asked before it exists. */
const HALT_ASKED = {} as Task<unknown>;

// Bits of `TaskNode.flags`: one field for what would be six booleans (a node is
// made per task, and every field costs 8 bytes of each live task).
/** Someone waited for it or read its outcome. */
const OBSERVED = 1;
/** A halt was sent (or kept for `attach`). */
const HALTED = 2;
/** The body is over (returned, threw or was unwound): a halt no longer helps. */
const BODY_OVER = 4;
/** The body returned: `outcome` is its value (until settled). */
const RETURNED = 8;
/** The body, a child or a cleanup threw: `outcome` is the error (until settled). */
const THREW = 16;
/** Settled `cancelled`, and `outcome` is the `CancelledError` made for it. */
const CANCEL_MADE = 32;

/**
 * The live quiesce tasks that have no quiesce task above them. Each node keeps its
 * live children, so the whole forest is reachable from here and nothing else.
 * A node lists itself here while it is a live root.
 */
export const liveRoots = new Set<TaskNode<unknown>>();

/** A child failure watcher per node that has one (only `main()`'s root does). */
const childFailureWatchers = new WeakMap<TaskNode<unknown>, (error: unknown) => void>();

/**
 * The one object behind a {@link TaskHandle}: the handle, its node in the task
 * tree, and the bookkeeping that settles it. Kept small: one is made per task.
 *
 * Its state is private. Other files read it through getters and change it only
 * through {@link requestCancel} (the one way to ask for a cancel), a few
 * bookkeeping calls (`markRetrieved`, `setWaitingOn`), and the life-cycle calls
 * of the task's runner (`attach`, `begin`, `bodyReturned`, `bodyThrew`,
 * `bodyUnwound`, `childFailed`, `teardownFailed`, `finish`).
 */
export class TaskNode<T> implements TaskHandle<T> {
  /**
   * `performance.now()` at creation, in whole milliseconds: a small integer is kept
   * in the object itself, a fraction in a number box of 16 bytes more per task.
   */
  readonly createdAt = Math.floor(performance.now());
  private current: TaskState = "pending";
  private flags = 0;
  private ask: CancelAsk | undefined = undefined;
  /** An ancestor's ask, remembered by `cancelReason()`. */
  private inherited: CancelAsk | undefined = undefined;
  private kids: Set<TaskNode<unknown>> | undefined = undefined;
  private label: string | undefined = undefined;
  /**
   * Before settling: the body's value (RETURNED) or the error that ends the task
   * (THREW). Settled: the value (`done`), the error (`failed`), or for `cancelled`
   * the escaped `CancelledError` that caused it, then the one made for it
   * (CANCEL_MADE).
   */
  private outcome: unknown = undefined;
  /** The effection task running the body, once `startTask` has it (see {@link attach}). */
  private task: Task<unknown> | undefined = undefined;
  private listeners: Listener[] | Listener | undefined = undefined;

  constructor(
    readonly id: number,
    /** The name given (or the function's name); without one, `Task-<id>` is made when asked. */
    private readonly given: string | undefined,
    readonly parent: TaskNode<unknown> | undefined,
    /** The scope that spawned the task: unretrieved failures are checked when it ends. */
    readonly spawner: Scope,
    /** Where the task was created (debug mode): a captured, not yet formatted, stack. */
    readonly site: { stack?: string } | undefined,
  ) {
    if (parent) {
      if (parent.kids) parent.kids.add(this);
      else parent.kids = new Set([this]);
    } else {
      liveRoots.add(this);
    }
  }

  get name(): string {
    return this.given ?? `Task-${this.id}`;
  }

  get state(): TaskState {
    return this.current;
  }

  get settled(): boolean {
    const state = this.current;
    return state !== "pending" && state !== "running";
  }

  /** The live tasks spawned under this one, if any. */
  get children(): ReadonlySet<TaskNode<unknown>> | undefined {
    return this.kids;
  }

  /** The reason asked of this task itself (not inherited), if any. */
  get ownReason(): CancelReason | undefined {
    return this.ask?.reason;
  }

  /** `performance.now()` when a cancel was first asked of this task itself, else 0. */
  get cancelAskedAt(): number {
    return this.ask?.at ?? 0;
  }

  /** What the task is blocked on, for reports; set by quiesce's own waits. */
  get waitingOn(): string | undefined {
    return this.label;
  }

  result(): T {
    this.expectSettled("result");
    this.observe();
    if (this.current === "done") return this.outcome as T;
    throw this.error();
  }

  error(): unknown {
    this.expectSettled("error");
    this.observe();
    if (this.current === "failed") return this.outcome;
    if (this.current === "cancelled") {
      if (!(this.flags & CANCEL_MADE)) {
        // An escaped CancelledError (from a task this one awaited) is the cause.
        this.outcome = this.cancellationError(this.outcome);
        this.flags |= CANCEL_MADE;
      }
      return this.outcome;
    }
    return undefined;
  }

  cancelReason(): CancelReason | undefined {
    return this.cancelAsk()?.reason;
  }

  /**
   * A `CancelledError` for why this task stops (or would stop now): the reason
   * and the exact value asked, its own or an ancestor's, else `scope-exit`.
   */
  cancellationError(cause?: unknown): CancelledError {
    const ask = this.cancelAsk();
    return new CancelledError(ask?.reason ?? { kind: "scope-exit" }, this.name, {
      ...(ask ? { value: ask.value } : {}),
      ...(cause === undefined ? {} : { cause }),
    });
  }

  /** The ask this task stops for: its own, else the nearest ancestor's. */
  private cancelAsk(): CancelAsk | undefined {
    let found: CancelAsk | undefined;
    let node: TaskNode<unknown> | undefined = this;
    for (; node; node = node.parent) {
      found = node.ask ?? node.inherited;
      if (found) break;
    }
    // An ask never changes once made (the first wins), so the nodes walked can
    // keep it: a deep chain settling bottom-up then costs O(N), not O(N²).
    if (found) {
      for (let at: TaskNode<unknown> | undefined = this; at !== node; at = at?.parent) {
        if (at) at.inherited = found;
      }
    }
    return found;
  }

  cancel(reason?: unknown): Settlement {
    this.requestCancel(reason);
    return this.settlement();
  }

  /**
   * The one way to ask this task to stop. Records `reason` (any value, checked as
   * `cancel()` checks it; the first one asked wins) and halts the task, unless
   * `halt` is false: then only the reason is recorded, for a task that is already
   * stopping (its body returned or threw), so that what is torn down below it
   * sees why. A task whose body is over is never halted: its teardown is under way.
   */
  requestCancel(reason: unknown, halt = true): void {
    const checked = toCancelReason(reason);
    if (this.settled) return;
    this.ask ??= { reason: checked, value: reason, at: performance.now() };
    if (halt) this.halt();
  }

  private halt(): void {
    if (this.flags & (HALTED | BODY_OVER)) return;
    this.flags |= HALTED;
    const task = this.task;
    // A body runs synchronously inside `scope.run` when no effection step is under
    // way (the root of `main()`), so it can ask for a halt before its task exists:
    // the halt is then kept for `attach`, not lost.
    if (task === undefined) this.task = HALT_ASKED;
    else this.haltTask(task);
  }

  /**
   * Halts the effection task. A task halted before its first step runs none of
   * `startTask`'s code, so the node settles when the halt is over (a no-op for a
   * task whose body ran: it settled before its effection task ended).
   */
  private haltTask(task: Task<unknown>): void {
    const ended = () => this.finish();
    task.halt().then(ended, ended);
  }

  /** Marks the outcome as looked after, so no "never retrieved" report is made. */
  markRetrieved(): void {
    this.observe();
  }

  /** Sets what the task is blocked on (for reports) and returns the label it replaces. */
  setWaitingOn(label: string | undefined): string | undefined {
    const before = this.label;
    this.label = label;
    return before;
  }

  onDone(callback: (task: TaskHandle<T>) => void): () => void {
    expectFunction("callback", callback);
    let active = true;
    const run = () => {
      if (!active) return;
      active = false;
      try {
        callback(this);
      } catch (error) {
        this.report({ kind: "callback-error", message: "Exception in done callback", error });
      }
    };
    let unlisten = noop;
    if (this.settled) queueMicrotask(run);
    else unlisten = this.listen(run);
    return () => {
      active = false;
      unlisten();
    };
  }

  settlement(): Settlement {
    return new NodeSettlement(this);
  }

  *[Symbol.iterator](): Iterator<Effect<unknown>, T, unknown> {
    if (!this.settled) {
      this.observe();
      yield* this.untilSettled();
    }
    return this.result();
  }

  /** Runs `listener` once when the task settles (synchronously, in order). */
  listen(listener: Listener): () => void {
    const listeners = this.listeners;
    if (listeners === undefined) this.listeners = listener;
    else if (typeof listeners === "function") this.listeners = [listeners, listener];
    else listeners.push(listener);
    return () => this.unlisten(listener);
  }

  private unlisten(listener: Listener): void {
    const listeners = this.listeners;
    if (listeners === listener) this.listeners = undefined;
    else if (Array.isArray(listeners)) {
      const index = listeners.indexOf(listener);
      if (index >= 0) listeners.splice(index, 1);
    }
  }

  /** An operation that completes once the task has settled. */
  untilSettled(): Operation<void> {
    return action<void>((resolve) => {
      if (this.settled) {
        resolve();
        return noop;
      }
      return this.listen(resolve);
    });
  }

  // --- life cycle, driven by the task's runner (run-task-internal.ts) ---

  /**
   * Gives the node the effection task running it, and halts it if that was asked
   * already. A task halted before its first step never runs its body (nor any of
   * the runner's code): it is settled when its halt is over, or (halted by its
   * spawner's teardown) when the spawner's scope is torn down.
   */
  attach(task: Task<unknown>): void {
    const asked = this.task === HALT_ASKED;
    this.task = task;
    if (asked && !(this.flags & BODY_OVER)) this.haltTask(task);
  }

  /** The body is about to run; false if it must not (a halt came first). */
  begin(): boolean {
    if (this.flags & HALTED || this.settled) return false;
    this.current = "running";
    return true;
  }

  /** The body returned `value` (unless it was over already). Its children are halted next. */
  bodyReturned(value: T): void {
    if (this.flags & BODY_OVER) return;
    this.flags = (this.flags | BODY_OVER | RETURNED) & ~THREW;
    this.outcome = value;
  }

  /** The body threw (unless it was over already): its error wins over a failing child's. */
  bodyThrew(error: unknown): void {
    if (this.flags & BODY_OVER) return;
    this.flags = (this.flags | BODY_OVER | THREW) & ~RETURNED;
    this.outcome = error;
  }

  /** The body was halted (or never started): no value, no error of its own. */
  bodyUnwound(): void {
    this.flags |= BODY_OVER;
  }

  /**
   * A child failed: as in effection, it takes the task down with it, and what is
   * torn down below the task sees the reason `{ kind: "error", error }`. The first
   * failure is the task's, unless the body or a cleanup throws later.
   */
  childFailed(error: unknown): void {
    // Settled: `outcome` holds the task's result now (nothing fails after the end).
    if (this.settled) return;
    if (!(this.flags & THREW)) {
      this.flags = (this.flags | THREW) & ~RETURNED;
      this.outcome = error;
    }
    childFailureWatchers.get(this as TaskNode<unknown>)?.(error);
    this.requestCancel({ kind: "error", error });
  }

  /**
   * Tells `watcher` (one at a time: `main()` for its root) when a child of this
   * task fails and takes it down, before anything below it is torn down.
   */
  watchChildFailures(watcher: ((error: unknown) => void) | undefined): void {
    if (watcher) childFailureWatchers.set(this as TaskNode<unknown>, watcher);
    else childFailureWatchers.delete(this as TaskNode<unknown>);
  }

  /** Halting the children failed (a cleanup threw): that is the task's failure. */
  teardownFailed(error: unknown): void {
    if (this.settled) return;
    this.flags = (this.flags | THREW) & ~RETURNED;
    this.outcome = error;
  }

  /**
   * Settles the task, once its body and everything below it are over. A
   * `CancelledError` that escapes (the body awaited a cancelled task) makes the
   * task `cancelled` with that reason; a body that returned although it was halted
   * (the halt was lost in the body) counts as cancelled, as effection counts it.
   */
  finish(): void {
    if (this.settled) return;
    this.flags |= BODY_OVER;
    // Children halted before they ever ran settle first (their tasks are over).
    if (this.kids) for (const kid of this.kids) if (kid.current === "pending") kid.finish();
    const { flags, outcome } = this;
    if (flags & THREW && outcome instanceof CancelledError) {
      const { reason, value } = outcome;
      this.ask ??= { reason, value, at: performance.now() };
      this.settle("cancelled");
    } else if (flags & THREW) {
      this.settle("failed");
    } else if (flags & RETURNED && !(flags & HALTED)) {
      this.settle("done");
    } else {
      this.outcome = undefined;
      this.settle("cancelled");
    }
  }

  private settle(state: "done" | "failed" | "cancelled"): void {
    this.current = state;
    if (state === "cancelled" && this.cancelAsk() === undefined) {
      // Nobody asked: the scope that owned the task ended first.
      const reason: CancelReason = { kind: "scope-exit" };
      this.ask = { reason, value: reason, at: performance.now() };
      if (!(this.flags & OBSERVED)) {
        this.report({
          kind: "destroyed-pending",
          message: "Task was destroyed but it is pending!",
        });
      }
    }
    if (this.parent) this.parent.kids?.delete(this);
    else liveRoots.delete(this);
    if (state === "failed" && !(this.flags & OBSERVED)) watchRetrieval(this as TaskNode<unknown>);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (typeof listeners === "function") listeners();
    else if (listeners) for (const listener of listeners) listener();
  }

  /** Someone waited for the task or read its outcome: no "never retrieved" report. */
  private observe(): void {
    if (this.flags & OBSERVED) return;
    this.flags |= OBSERVED;
    if (this.current === "failed") forgetRetrieval(this as TaskNode<unknown>);
  }

  /** Reports the failure if nobody retrieved it (its spawning scope has ended). */
  checkRetrieved(): void {
    if (!(this.flags & OBSERVED)) {
      this.report({
        kind: "unretrieved-failure",
        message: "Task exception was never retrieved",
        error: this.outcome,
      });
    }
  }

  private report(report: Omit<Report, "task" | "site">): void {
    const reporter = this.spawner.get(ReporterContext);
    const { parent, site } = this;
    reporter?.({
      ...report,
      task: { id: this.id, name: this.name },
      ...(parent ? { parent: { id: parent.id, name: parent.name } } : {}),
      ...(site ? { site: siteStack(site) } : {}),
    });
  }

  private expectSettled(method: string): void {
    if (!this.settled) {
      throw new InvalidStateError(
        `cannot call ${method}() on task "${this.name}" while it is ${this.current}`,
        this.current,
      );
    }
  }
}
