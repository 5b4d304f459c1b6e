import type { Effect, Operation } from "effection";

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

/** What a {@link NodeSettlement} needs of a task node. */
export interface Settles {
  readonly settled: boolean;
  listen(listener: () => void): () => void;
  untilSettled(): Operation<void>;
}

/** The {@link Settlement} of a task node: an operation and a promise-like at once. */
export class NodeSettlement implements Settlement {
  constructor(private readonly node: Settles) {}

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
