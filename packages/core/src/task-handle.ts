import { action, type Effect, type Operation, type Scope, type Task } from "effection";
import { type CancelReason, toCancelReason } from "./cancel-reason.ts";
import { CancelledError, InvalidStateError } from "./errors.ts";
import { type Report, ReporterContext } from "./reporter.ts";
import type { ScopeWithEnsure } from "./scope-hooks-internal.ts";
import { expectFunction } from "./validate.ts";

/**
 * Where a task is in its life: `pending` until its body first runs, `running`,
 * then one of the three settled states, which never change again.
 *
 * @example
 * ```ts
 * import type { TaskState } from "@quiesce/core";
 *
 * if (task.state === "failed") console.error(task.error());
 * ```
 */
export type TaskState = "pending" | "running" | "done" | "failed" | "cancelled";

/**
 * Something to `yield*` (inside an operation) or `await` (outside one) that
 * completes when a task has settled and all of its cleanup has run.
 *
 * @example
 * ```ts
 * import type { Settlement } from "@quiesce/core";
 *
 * yield* task.cancel(); // inside an operation
 * await task.cancel(); // outside one
 * ```
 */
export interface Settlement extends Operation<void>, PromiseLike<void> {}

/**
 * A handle on a task started by {@link spawnTask}: asyncio's `Task`, on effection.
 *
 * @example
 * ```ts
 * import { spawnTask } from "@quiesce/core";
 * import { sleep } from "effection";
 *
 * const task = yield* spawnTask(function* () {
 *   yield* sleep(10);
 *   return 42;
 * }, { name: "answer" });
 * task.onDone((t) => console.log(t.name, t.state)); // "answer done"
 * console.log(yield* task); // 42
 * ```
 *
 * Cancellation: `cancel(reason)` halts the task and everything below it; its
 * `finally` blocks and `ensure()` callbacks run, and `yield* task.cancel()` returns
 * once they have. `yield* task` then throws a `CancelledError` carrying the reason.
 */
export interface TaskHandle<T> extends Operation<T> {
  /** Process-wide id, counting up from 1. */
  readonly id: number;
  /** The name given at spawn, or the function's name, or `Task-<id>`. */
  readonly name: string;
  /** Current {@link TaskState}. */
  readonly state: TaskState;
  /** The quiesce task this one was spawned under, if any. */
  readonly parent: TaskHandle<unknown> | undefined;
  /** True once the task is `done`, `failed` or `cancelled`. */
  readonly settled: boolean;
  /**
   * The value, once `done`. Throws the task's error if it `failed`, a
   * `CancelledError` if it was `cancelled`, and `InvalidStateError` before it settles.
   */
  result(): T;
  /**
   * The failure, once settled: the error for `failed`, a `CancelledError` for
   * `cancelled`, `undefined` for `done`. Throws `InvalidStateError` before it settles.
   */
  error(): unknown;
  /**
   * Why the task was (or is being) cancelled, or `undefined` if nobody asked.
   * Includes a reason inherited from a cancelled ancestor.
   */
  cancelReason(): CancelReason | undefined;
  /**
   * Asks the task to stop. Idempotent: the first reason wins. The returned
   * {@link Settlement} completes after the task's cleanup has finished.
   * A string becomes `{ kind: "explicit", message }`.
   */
  cancel(reason?: CancelReason | string): Settlement;
  /**
   * Adds a callback that runs exactly once, after the task settles, whatever the
   * outcome; callbacks run in the order they were added. Added to a settled task,
   * it runs on the next microtask. Returns a function that removes it.
   */
  onDone(callback: (task: TaskHandle<T>) => void): () => void;
  /** Completes when the task has settled, without throwing its error. */
  settlement(): Settlement;
}

type Outcome = { exists: boolean; value?: { ok: boolean; value?: unknown; error?: unknown } };
type SettleFn = (outcome: Outcome, next: (outcome: Outcome) => void) => void;
type Listener = () => void;

const UNSETTLED = 0;
const OK: Outcome = { exists: true, value: { ok: true } };
const noop = () => {};
/** Stands in for the effection task when a halt is asked before it exists. */
const HALT_ASKED = {} as Task<unknown>;

/**
 * The one object behind a {@link TaskHandle}: the handle, its node in the task
 * tree, and the bookkeeping that settles it. Kept small: one is made per task.
 */
export class TaskNode<T> implements TaskHandle<T> {
  /** Live tasks with no quiesce task above them; read through the task registry. */
  static readonly roots: Set<TaskNode<unknown>> = new Set();

  state: TaskState = "pending";
  /** `performance.now()` at creation and at settlement (0 until settled). */
  readonly createdAt = performance.now();
  settledAt = UNSETTLED;
  /** When cancel was first asked of this node itself. */
  cancelAskedAt = UNSETTLED;
  ownReason: CancelReason | undefined = undefined;
  /** An ancestor's reason, remembered by `cancelReason()`. */
  inheritedReason: CancelReason | undefined = undefined;
  children: Set<TaskNode<unknown>> | undefined = undefined;
  /** What the task is blocked on, for reports; set by quiesce's own waits. */
  waitingOn: string | undefined = undefined;
  /** Someone waited for it or read its outcome. */
  observed = false;
  value: T | undefined = undefined;
  failure: unknown = undefined;
  /** The effection task running the body, once `startTask` has it (see {@link attach}). */
  private task: Task<unknown> | undefined = undefined;
  private listeners: Listener[] | undefined = undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly parent: TaskNode<unknown> | undefined,
    /** The scope that spawned the task: unretrieved failures are checked when it ends. */
    readonly spawner: Scope,
    /** Where the task was created: a captured, not yet formatted, stack. */
    readonly site: { stack?: string } | undefined,
  ) {
    if (parent) {
      if (parent.children) parent.children.add(this);
      else parent.children = new Set([this]);
    } else {
      TaskNode.roots.add(this);
    }
  }

  get settled(): boolean {
    return this.settledAt !== UNSETTLED;
  }

  result(): T {
    this.expectSettled("result");
    this.observed = true;
    if (this.state === "done") return this.value as T;
    throw this.error();
  }

  error(): unknown {
    this.expectSettled("error");
    this.observed = true;
    if (this.state === "failed") return this.failure;
    if (this.state === "cancelled") {
      if (!(this.failure instanceof CancelledError)) {
        this.failure = new CancelledError(this.cancelReason() ?? { kind: "scope-exit" }, this.name);
      }
      return this.failure;
    }
    return undefined;
  }

  cancelReason(): CancelReason | undefined {
    let found: CancelReason | undefined;
    let node: TaskNode<unknown> | undefined = this;
    for (; node; node = node.parent) {
      found = node.ownReason ?? node.inheritedReason;
      if (found) break;
    }
    // A reason never changes once asked (the first wins), so the nodes walked can
    // keep it: a deep chain settling bottom-up then costs O(N), not O(N²).
    if (found) {
      for (let at: TaskNode<unknown> | undefined = this; at !== node; at = at?.parent) {
        if (at) at.inheritedReason = found;
      }
    }
    return found;
  }

  cancel(reason: CancelReason | string = { kind: "explicit" }): Settlement {
    const checked = toCancelReason(reason);
    if (!this.settled && this.ownReason === undefined) {
      this.ownReason = checked;
      this.cancelAskedAt = performance.now();
      this.halt();
    }
    return this.settlement();
  }

  /**
   * Halts the effection task without touching the cancel reason. A body runs
   * synchronously inside `scope.run` when no effection step is under way (the
   * root of `main()`), so it can be halted before its task exists: the halt is
   * then kept for {@link attach}, not lost.
   */
  halt(): void {
    const task = this.task;
    if (task === undefined) this.task = HALT_ASKED;
    else if (task !== HALT_ASKED) task.halt().then(noop, noop);
  }

  /** Gives the node its effection task, and halts it if that was asked already. */
  attach(task: Task<unknown>): void {
    const asked = this.task === HALT_ASKED;
    this.task = task;
    if (asked && !this.settled) task.halt().then(noop, noop);
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
    if (this.settled) queueMicrotask(run);
    else this.listen(run);
    return () => {
      active = false;
    };
  }

  settlement(): Settlement {
    return new NodeSettlement(this);
  }

  *[Symbol.iterator](): Iterator<Effect<unknown>, T, unknown> {
    if (!this.settled) {
      this.observed = true;
      yield* this.untilSettled();
    }
    return this.result();
  }

  /** Runs `listener` once when the task settles (synchronously, in order). */
  listen(listener: Listener): () => void {
    if (this.listeners) this.listeners.push(listener);
    else this.listeners = [listener];
    return () => {
      const index = this.listeners?.indexOf(listener) ?? -1;
      if (index >= 0) this.listeners?.splice(index, 1);
    };
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

  /**
   * Wraps effection's settle function of the task's routine. Effection calls it
   * once, after the body and every child and cleanup have finished, whether the
   * body returned, threw, or was halted before it ever ran. A failure is kept in
   * the handle and not passed on, so it does not fail the spawner.
   */
  wrapSettle(original: SettleFn): SettleFn {
    return (outcome, next) => {
      const result = outcome.exists ? outcome.value : undefined;
      if (result && !result.ok) {
        original(OK, (final) => {
          this.settle("failed", undefined, result.error);
          next(final);
        });
        return;
      }
      // Effection turns the outcome of a halted task into "nothing", also when a
      // `finally` that yielded let the body run on (the lost-halt hazard).
      original(outcome, (final) => {
        if (final.exists) this.settle("done", final.value?.value as T, undefined);
        else this.settle("cancelled", undefined, undefined);
        next(final);
      });
    };
  }

  private settle(
    state: "done" | "failed" | "cancelled",
    value: T | undefined,
    failure: unknown,
  ): void {
    this.state = state;
    this.settledAt = performance.now();
    if (state === "done") this.value = value;
    else if (state === "failed") this.failure = failure;
    else if (
      state === "cancelled" &&
      this.ownReason === undefined &&
      this.cancelReason() === undefined
    ) {
      // Nobody asked: the scope that owned the task ended first.
      this.ownReason = { kind: "scope-exit" };
      if (!this.observed) {
        this.report({
          kind: "destroyed-pending",
          message: "Task was destroyed but it is pending!",
        });
      }
    }
    if (this.parent) this.parent.children?.delete(this);
    else TaskNode.roots.delete(this);
    if (state === "failed" && !this.observed) {
      (this.spawner as ScopeWithEnsure).ensure(() => this.checkRetrieved());
    }
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  private *checkRetrieved(): Operation<void> {
    if (!this.observed) {
      this.report({
        kind: "unretrieved-failure",
        message: "Task exception was never retrieved",
        error: this.failure,
      });
    }
  }

  private report(report: Omit<Report, "task" | "site">): void {
    const reporter = this.spawner.get(ReporterContext);
    reporter?.({ ...report, task: { id: this.id, name: this.name }, site: this.site?.stack });
  }

  private expectSettled(method: string): void {
    if (!this.settled) {
      throw new InvalidStateError(
        `cannot call ${method}() on task "${this.name}" while it is ${this.state}`,
        this.state,
      );
    }
  }
}

class NodeSettlement implements Settlement {
  constructor(private readonly node: TaskNode<unknown>) {}

  [Symbol.iterator](): Iterator<Effect<unknown>, void, unknown> {
    return this.node.untilSettled()[Symbol.iterator]();
  }

  // biome-ignore lint/suspicious/noThenProperty: a Settlement is awaitable on purpose.
  then<R1 = undefined, R2 = never>(
    onfulfilled?: ((value: undefined) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    const node = this.node;
    const promise = node.settled
      ? Promise.resolve(undefined)
      : new Promise<undefined>((resolve) => node.listen(() => resolve(undefined)));
    return promise.then(onfulfilled, onrejected);
  }
}
