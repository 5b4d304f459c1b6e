import type { Effect, Result } from "effection";

/*
 * The effect that concurrent teardown waits on after starting a halt: it resolves
 * with the halt's outcome if that comes before a microtask has passed (the halt
 * finished in the same turn, as most do), else with `LEFT_WAITING`, and the halt
 * goes on while its siblings are started; `Waiting` takes its outcome later.
 */
type Resolve = (result: Result<unknown>) => void;
type Exit = (exited: (result: Result<void>) => void) => void;

export const LEFT_WAITING = Symbol("left waiting");

/**
 * Enters a halt's effect; resolves with its outcome if that comes before a
 * microtask has passed, else with LEFT_WAITING (the effect goes on: `Waiting` takes
 * its outcome later, and leaves it).
 */
export class Race implements Effect<unknown> {
  readonly description = "halt (concurrent teardown)";
  outcome: Result<unknown> | undefined = undefined;
  onOutcome: Resolve | undefined = undefined;
  exitInner: Exit | undefined = undefined;
  /** Resolves the race, until it has been resolved once. */
  private resolve: Resolve | undefined = undefined;

  constructor(
    private readonly inner: Effect<unknown>,
    private readonly ticker: Ticker,
  ) {}

  enter(resolve: Resolve, routine: unknown): Exit {
    this.resolve = resolve;
    const exit = (this.inner.enter as (r: Resolve, c: unknown) => Exit)((outcome) => {
      this.outcome = outcome;
      if (this.onOutcome) this.onOutcome(outcome);
      else this.end({ ok: true, value: outcome });
    }, routine);
    this.exitInner = exit;
    if (this.resolve !== undefined) this.ticker.wait(this);
    return (exited) => {
      // Once resolved with the outcome, the inner effect is done: leave it.
      if (this.outcome !== undefined) this.leave();
      exited({ ok: true, value: undefined });
    };
  }

  /** Resolves the race (once): with the halt's outcome, or LEFT_WAITING. */
  end(result: Result<unknown>): void {
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.(result);
  }

  leave(): void {
    const exit = this.exitInner;
    this.exitInner = undefined;
    exit?.(() => {});
  }
}

/**
 * One microtask for a whole batch, not one per halt: halts are raced one at a
 * time, and a microtask runs only after everything that could run at once has
 * (effection runs an unwinding task's steps synchronously), so when it runs, the
 * race still pending is left waiting, and the next one schedules another.
 */
export class Ticker {
  private pending: Race | undefined = undefined;
  private scheduled = false;
  private readonly tick = (): void => {
    this.scheduled = false;
    const race = this.pending;
    this.pending = undefined;
    race?.end({ ok: true, value: LEFT_WAITING });
  };

  wait(race: Race): void {
    this.pending = race;
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.tick);
  }
}

/** Waits for the outcome of a halt's effect that a `Race` left waiting. */
export class Waiting implements Effect<unknown> {
  readonly description = "halt (concurrent teardown)";

  constructor(private readonly race: Race) {}

  enter(resolve: Resolve): Exit {
    const race = this.race;
    if (race.outcome !== undefined) resolve(race.outcome);
    else race.onOutcome = resolve;
    return (exited) => {
      race.onOutcome = undefined;
      race.leave();
      exited({ ok: true, value: undefined });
    };
  }
}
