import { createContext } from "effection";

/** A part of the program that wants to drain before it is cancelled (`useShutdown`). */
export interface Drainer {
  /** Aborted, with the shutdown's `CancelReason`, when shutdown begins. */
  readonly signal: AbortSignal;
  /** Tells `main()` this part has drained. Idempotent. */
  drained(): void;
}

/** What `exit()` and `useShutdown()` need from the running `main()`. */
export interface MainControl {
  /**
   * Asks for the program to end with `status` after cleanup. Returns false when
   * teardown was already under way: the status was only recorded (if no signal or
   * earlier `exit` decided it) and the caller should go on with its cleanup.
   */
  requestExit(status: number, message: string | undefined): boolean;
  /** Registers a part that drains on shutdown. */
  addDrainer(): Drainer;
}

/** Set by `main()` on its scope; everything below it sees the running main. */
export const MainControlContext = createContext<MainControl | undefined>(
  "@quiesce/main-control",
  undefined,
);
