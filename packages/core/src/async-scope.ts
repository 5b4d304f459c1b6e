import { AsyncScopeImpl } from "./async-scope-internal.ts";
import { checkTaskName, type SpawnTaskOptions } from "./spawn-task.ts";
import { expectAbortSignal, expectOptions } from "./validate.ts";

/**
 * Options of {@link createAsyncScope}.
 *
 * @example
 * ```ts
 * import { type AsyncScopeOptions, createAsyncScope } from "@quiesce/core";
 *
 * const options: AsyncScopeOptions = { name: "downloads", signal };
 * await using scope = createAsyncScope(options);
 * ```
 */
export interface AsyncScopeOptions {
  /** Shown in cancel messages (`task "downloads" was cancelled (…)`). Default `"scope"`. */
  name?: string;
  /**
   * The parent's signal: when it aborts, the scope is cancelled with its reason (a
   * `CancelledError`, such as the `signal` of `mainAsync()`, is passed on as it is).
   */
  signal?: AbortSignal;
}

/**
 * What owns teardown in promise code: the async/await twin of an effection scope.
 * It runs tasks, each given the scope's `AbortSignal`, keeps cleanups, and when it
 * ends (`cancel()`, `await using`, `[Symbol.asyncDispose]()`) it cancels and awaits
 * everything: the signal aborts with a `CancelledError` carrying the reason, every
 * task is awaited (all told at once, so they stop together), then the cleanups run
 * one at a time, last registered first (as `AsyncDisposableStack` runs them).
 *
 * @example
 * ```ts
 * import { createAsyncScope } from "@quiesce/core";
 * import { setTimeout } from "node:timers/promises";
 *
 * {
 *   await using scope = createAsyncScope({ name: "pollers" });
 *   scope.defer(() => console.log("all pollers stopped"));
 *   for (const url of urls) {
 *     void scope.spawn(async (signal) => {
 *       for (;;) {
 *         await fetch(url, { signal });
 *         await setTimeout(1000, undefined, { signal });
 *       }
 *     }, { name: `poll ${url}` });
 *   }
 *   await setTimeout(5000);
 * } // cancels both pollers (their fetch or timer rejects), awaits them, then the cleanup
 * ```
 *
 * Cancellation: a task that fails does not cancel the others or the scope (its promise
 * rejects, as asyncio's `create_task` keeps a failure in its task); `Promise.all` and a
 * `cancel()` on failure give fail-fast. A task that ends by the cancel (it throws the
 * signal's reason, a `CancelledError` or an `AbortError`) still rejects its promise, but
 * is never reported as an unhandled rejection. Nothing can kill a promise: a task that
 * ignores the signal is waited for; bound it with `mainAsync()`'s grace period, or let a
 * pool's `cancelGraceMs` kill the worker under it.
 */
export interface AsyncScope extends AsyncDisposable {
  /** Shown in cancel messages. */
  readonly name: string;
  /** Aborts when the scope is cancelled or disposed; `reason` is a `CancelledError`. */
  readonly signal: AbortSignal;
  /**
   * Starts `fn(signal)` now, as a task of the scope, and returns its promise. Once the
   * scope is cancelled, `fn` never starts and the promise rejects with `signal.reason`.
   */
  spawn<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, options?: SpawnTaskOptions): Promise<T>;
  /**
   * Registers a cleanup (sync or async) to run when the scope ends, after its tasks.
   * Throws `ScopeClosedError` once the cleanups have run.
   */
  defer(cleanup: () => unknown): void;
  /** Registers `resource[Symbol.asyncDispose]` (or `[Symbol.dispose]`) as a cleanup; returns it. */
  use<R extends AsyncDisposable | Disposable | null | undefined>(resource: R): R;
  /**
   * Cancels the scope (the first reason wins; any value, as `AbortController.abort`)
   * and resolves once every task and cleanup has finished. Rejects with the failure of
   * a cleanup (an `AggregateError` for several). A task of this scope must not await
   * it (it would wait for itself): call it, then return or let the signal stop you.
   */
  cancel(reason?: unknown): Promise<void>;
  /** `cancel({ kind: "scope-exit" })`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates an {@link AsyncScope}: tasks, cleanups and one `AbortSignal` for promise
 * code, torn down with `await using` (Node 24, or TypeScript's downlevelled `using`
 * with `"target": "ES2023"` on Node 20) or `await scope[Symbol.asyncDispose]()`.
 *
 * @example
 * ```ts
 * import { createAsyncScope } from "@quiesce/core";
 *
 * async function crawl(urls: string[], signal: AbortSignal) {
 *   await using scope = createAsyncScope({ name: "crawl", signal });
 *   return await Promise.all(urls.map((url) =>
 *     scope.spawn((signal) => fetch(url, { signal }).then((r) => r.text()))));
 * } // a failing fetch: the others are cancelled here, and awaited, before crawl rejects
 * ```
 *
 * Cancellation: aborting `options.signal` cancels the scope with its reason; the
 * scope's own end never aborts the parent.
 */
export function createAsyncScope(options: AsyncScopeOptions = {}): AsyncScope {
  expectOptions("options", options);
  const name = checkTaskName(options) ?? "scope";
  const { signal } = options;
  expectAbortSignal("signal", signal);
  return new AsyncScopeImpl(name, signal);
}
