import { setMaxListeners } from "node:events";
import { abortReason } from "./abort-reason-internal.ts";
import type { AsyncScope } from "./async-scope.ts";
import { type CancelReason, toCancelReason } from "./cancel-reason.ts";
import { CancelledError, ScopeClosedError } from "./errors.ts";
import { checkTaskName, type SpawnTaskOptions } from "./spawn-task.ts";
import { argumentError, expectFunction } from "./validate.ts";

type Phase = "open" | "cancelling" | "cleaning" | "closed";

const noop = () => {};

/**
 * True if `error` is the cancel of `signal` coming back: its reason, any
 * `CancelledError`, or an `AbortError` (what `fetch`, timers and streams throw).
 */
export function isCancellation(error: unknown, signal: AbortSignal): boolean {
  if (error === signal.reason || error instanceof CancelledError) return true;
  return typeof error === "object" && error !== null && (error as Error).name === "AbortError";
}

/** The {@link AsyncScope} made by `createAsyncScope()` and given to `mainAsync()`'s body. */
export class AsyncScopeImpl implements AsyncScope {
  readonly #controller = new AbortController();
  /** One promise per running task that never rejects, with the task's name. */
  readonly #running = new Map<Promise<void>, string>();
  readonly #cleanups: (() => unknown)[] = [];
  #phase: Phase = "open";
  #unlinkParent: () => void = noop;
  #count = 0;
  /** Settles with the cleanup failures once everything has finished. */
  readonly #closed: Promise<unknown[]>;
  #resolveClosed: (failures: unknown[]) => void = noop;

  constructor(
    readonly name: string,
    parent: AbortSignal | undefined,
  ) {
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    // One signal serves every task of the scope (and their pool jobs): not a leak.
    setMaxListeners(Number.POSITIVE_INFINITY, this.#controller.signal);
    if (parent === undefined) return;
    const onAbort = () => this.#begin(fromParent(parent.reason, name));
    if (parent.aborted) onAbort();
    else {
      parent.addEventListener("abort", onAbort, { once: true });
      this.#unlinkParent = () => parent.removeEventListener("abort", onAbort);
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  spawn<T>(
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options?: SpawnTaskOptions,
  ): Promise<T> {
    expectFunction("fn", fn);
    this.#count += 1;
    const name = checkTaskName(options) ?? (fn.name || `task-${this.#count}`);
    const signal = this.signal;
    if (signal.aborted) return handled(Promise.reject<T>(signal.reason));
    // Registered before `fn` runs: a cancel from inside `fn` already sees it.
    let settle = noop;
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.#running.set(done, name);
    done.then(() => this.#running.delete(done));
    let promise: Promise<T>;
    try {
      promise = Promise.resolve(fn(signal));
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(settle, settle);
    const result: Promise<T> = new Promise((resolve, reject) => {
      promise.then(resolve, (error: unknown) => {
        reject(error);
        // A task that ends by the cancel is not a failure nobody handled.
        if (signal.aborted && isCancellation(error, signal)) result.catch(noop);
      });
    });
    return result;
  }

  defer(cleanup: () => unknown): void {
    expectFunction("cleanup", cleanup);
    if (this.#phase === "closed") throw new ScopeClosedError(this.name, "defer");
    this.#cleanups.push(cleanup);
  }

  use<R extends AsyncDisposable | Disposable | null | undefined>(resource: R): R {
    if (resource === null || resource === undefined) return resource;
    const dispose =
      (resource as Partial<AsyncDisposable>)[Symbol.asyncDispose] ??
      (resource as Partial<Disposable>)[Symbol.dispose];
    if (typeof dispose !== "function") {
      throw argumentError("resource", "an AsyncDisposable or a Disposable", resource);
    }
    if (this.#phase === "closed") throw new ScopeClosedError(this.name, "use");
    this.#cleanups.push(() => dispose.call(resource));
    return resource;
  }

  cancel(reason?: unknown): Promise<void> {
    const checked = toCancelReason(reason);
    if (this.#phase === "open")
      this.#begin(new CancelledError(checked, this.name, { value: reason }));
    return this.#closed.then(throwFailures(this.name));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.cancel({ kind: "scope-exit" });
  }

  /** For `mainAsync()`: cancels with `reason` and resolves with the cleanup failures. */
  close(reason: CancelReason): Promise<unknown[]> {
    if (this.#phase === "open") this.#begin(new CancelledError(reason, this.name));
    return this.#closed;
  }

  /** Names of the tasks still running, for reports. */
  runningNames(): string[] {
    return [...this.#running.values()];
  }

  #begin(error: CancelledError): void {
    this.#phase = "cancelling";
    this.#unlinkParent();
    this.#controller.abort(error);
    this.#finish().then(this.#resolveClosed);
  }

  /** Tasks first, all told at once; then cleanups one by one, last registered first. */
  async #finish(): Promise<unknown[]> {
    while (this.#running.size > 0) await Promise.all(this.#running.keys());
    this.#phase = "cleaning";
    const failures: unknown[] = [];
    for (let cleanup = this.#cleanups.pop(); cleanup; cleanup = this.#cleanups.pop()) {
      try {
        await cleanup();
      } catch (error) {
        failures.push(error);
      }
    }
    this.#phase = "closed";
    return failures;
  }
}

/** A parent's abort reason as this scope's: a `CancelledError` stays as it is. */
function fromParent(reason: unknown, name: string): CancelledError {
  if (reason instanceof CancelledError) return reason;
  return new CancelledError(abortReason(reason), name, { value: reason });
}

function throwFailures(name: string): (failures: unknown[]) => void {
  return (failures) => {
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw cleanupFailures(name, failures);
  };
}

/** Several cleanup failures as one error that names each of them. */
export function cleanupFailures(name: string, failures: readonly unknown[]): AggregateError {
  const each = failures.map((f) => (f instanceof Error ? `${f.name}: ${f.message}` : String(f)));
  return new AggregateError(
    failures,
    `${failures.length} cleanups of scope "${name}" failed: ${each.join("; ")}`,
    { cause: failures[0] },
  );
}

function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}
