import { createContext } from "effection";
import { debugMode } from "./debug.ts";
import { SITE_HINT, userFrame } from "./stack-internal.ts";

/**
 * A problem that quiesce noticed but that has nowhere else to go: a failure that
 * nobody retrieved, a task destroyed while pending, a done callback that threw.
 *
 * @example
 * ```ts
 * import type { Report } from "@quiesce/core";
 *
 * yield* ReporterContext.set((report: Report) => log.warn(report.kind, report.task.name));
 * ```
 */
export interface Report {
  /** `"unretrieved-failure"`, `"destroyed-pending"` or `"callback-error"`. */
  readonly kind: "unretrieved-failure" | "destroyed-pending" | "callback-error";
  /** One line for humans, in asyncio's words where asyncio has them. */
  readonly message: string;
  /** The error involved, if any. */
  readonly error?: unknown;
  /** Id and name of the task involved. */
  readonly task: { readonly id: number; readonly name: string };
  /** Id and name of the quiesce task that spawned it, if one did. */
  readonly parent?: { readonly id: number; readonly name: string };
  /** Where the task was created (a stack trace): recorded in debug mode (`setDebug`). */
  readonly site?: string;
}

/**
 * Receives {@link Report}s. `main()` installs one that fails the program on errors.
 *
 * @example
 * ```ts
 * import type { Reporter } from "@quiesce/core";
 *
 * const reporter: Reporter = (report) => log.warn(report.message);
 * yield* ReporterContext.set(reporter);
 * ```
 */
export type Reporter = (report: Report) => void;

/**
 * Writes a report to stderr, asyncio style.
 *
 * @example
 * ```ts
 * import { defaultReporter } from "@quiesce/core";
 *
 * yield* ReporterContext.set((report) => {
 *   metrics.count(report.kind);
 *   defaultReporter(report);
 * });
 * ```
 */
export const defaultReporter: Reporter = (report) => {
  const lines = [describeReport(report)];
  if (report.error !== undefined) lines.push(formatError(report.error));
  process.stderr.write(`${lines.join("\n")}\n`);
};

/**
 * The head of a report, without its error: the message, the task, the task that
 * spawned it and where it was created (in debug mode, else how to see it).
 * `main()` prints reports in this shape too.
 *
 * @example
 * ```ts
 * import { describeReport } from "@quiesce/core";
 *
 * describeReport(report);
 * // Task was destroyed but it is pending!: task "poller" (T7), spawned by "main" (T1)
 * //   created at /app/src/poll.ts:12:18
 * ```
 */
export function describeReport(report: Report): string {
  const { task, parent } = report;
  const site = userFrame(report.site);
  let head = `${report.message}: task "${task.name}" (T${task.id})`;
  if (parent) head += `, spawned by "${parent.name}" (T${parent.id})`;
  if (site) return `${head}\n  created at ${site}`;
  // In debug mode a task without a site was started by quiesce itself (gather...).
  return debugMode.on ? head : `${head}\n  ${SITE_HINT}`;
}

/**
 * Where reports go in the current scope and below. Set it to collect them:
 *
 * @example
 * ```ts
 * import { ReporterContext, type Report } from "@quiesce/core";
 *
 * const seen: Report[] = [];
 * yield* ReporterContext.set((report) => seen.push(report));
 * ```
 */
export const ReporterContext = createContext<Reporter>("@quiesce/reporter", defaultReporter);

/**
 * Formats an error with its stack and causes, for reports.
 *
 * @example
 * ```ts
 * import { formatError } from "@quiesce/core";
 *
 * process.stderr.write(`${formatError(error)}\n`);
 * ```
 */
export function formatError(error: unknown): string {
  if (error instanceof Error) {
    let text = error.stack ?? `${error.name}: ${error.message}`;
    if (error.cause !== undefined) text += `\nCaused by: ${formatError(error.cause)}`;
    return text;
  }
  return String(error);
}
