/** Bookkeeping of the cancel-tree row, shared by every contender (no library imported). */
export type Shape = "wide" | "deep";

/** Counts the tasks of a tree that started and the cleanups that ran. */
export class TreeCounter {
  started = 0;
  cleaned = 0;
  readonly ready: Promise<void>;
  #resolve!: () => void;
  constructor(readonly n: number) {
    this.ready = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }
  start(): void {
    if (++this.started === this.n) this.#resolve();
  }
  check(): void {
    if (this.cleaned !== this.n) throw new Error(`${this.cleaned} of ${this.n} cleanups ran`);
  }
}
