import { createContext } from "effection";

/** A part of the program that wants to drain before it is cancelled (`useShutdown`). */
export interface Drainer {
  /** Aborted, with the shutdown's `CancelReason`, when shutdown begins. */
  readonly signal: AbortSignal;
  /** Tells `main()` this part has drained. Idempotent. */
  drained(): void;
}

/**
 * The one interface of a running `main()`: every part of it (signal and error
 * listeners, the root task, the seam) and the operations that work below it
 * (`exit()`, `useShutdown()`) tell it what happened through these methods, and
 * it alone decides when the tree is cancelled and how the process ends.
 */
export interface MainControl {
  /** A signal that `main()` owns arrived (a repeat within the window is filtered out before). */
  signal(signal: NodeJS.Signals): void;
  /** A failure from anywhere (a stray error, a task failure nobody retrieved…). */
  fail(error: unknown, label?: string): void;
  /** The reader of stdout or stderr went away (EPIPE). */
  outputClosed(stream: "stdout" | "stderr"): void;
  /**
   * Asks for the program to end with `status` after cleanup. Returns false when
   * teardown was already under way: the status was only recorded (if no signal or
   * earlier `exit` decided it) and the caller should go on with its cleanup.
   */
  requestExit(status: number, message: string | undefined): boolean;
  /** Registers a part that drains on shutdown. */
  addDrainer(): Drainer;
  /** The root task's body threw, or a child raised an error into it: teardown has begun. */
  rootFailing(error: unknown): void;
  /** The root task's body returned. */
  bodyReturned(): void;
  /** The tree under the root, rendered for a report. */
  tree(): string;
}

/** Set by `main()` on its scope; everything below it sees the running main. */
export const MainControlContext = createContext<MainControl | undefined>(
  "@quiesce/main-control",
  undefined,
);
