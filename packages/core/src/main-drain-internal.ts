import type { CancelReason } from "./cancel-reason.ts";
import { CancelledError } from "./errors.ts";
import type { Drainer } from "./main-control-internal.ts";

/**
 * The parts of a program that drain before the tree is cancelled (contract 10):
 * they hear that shutdown began, and `onDrained` runs when the last one is done.
 */
export class MainDrain {
  private readonly parts = new Set<Drainer>();
  private readonly news = new AbortController();
  private open = true;

  constructor(
    private readonly name: string,
    private readonly onDrained: () => void,
  ) {}

  /** How many parts have not drained yet. */
  get pending(): number {
    return this.parts.size;
  }

  /** Registers a part; once the drain is over, it still hears the news but is not waited for. */
  add(): Drainer {
    let done = false;
    const drainer: Drainer = {
      signal: this.news.signal,
      drained: () => {
        if (done) return;
        done = true;
        this.parts.delete(drainer);
        if (this.open && this.news.signal.aborted && this.parts.size === 0) this.onDrained();
      },
    };
    if (this.open) this.parts.add(drainer);
    return drainer;
  }

  /** Tells every part that shutdown began, and why. Once. */
  announce(reason: CancelReason): void {
    if (!this.news.signal.aborted) this.news.abort(new CancelledError(reason, this.name));
  }

  /** The drain is over (all drained, its budget ran out, or the tree is going down). */
  close(): void {
    this.open = false;
  }
}
