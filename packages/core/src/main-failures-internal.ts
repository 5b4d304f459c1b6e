import { formatError } from "./reporter.ts";

/** One failure of a run, with the line that says where it came from. */
interface Failure {
  readonly error: unknown;
  readonly label: string | undefined;
}

/**
 * The failures of a `main()` run (contract 7): each error kept once, however
 * many ways it arrived (the root's error, a boundary, a stray event), and printed
 * together at the end.
 */
export class MainFailures {
  private readonly list: Failure[] = [];
  private readonly seen = new Set<unknown>();

  /** Keeps `error` unless it is already kept. */
  add(error: unknown, label?: string): void {
    if (this.seen.has(error)) return;
    this.seen.add(error);
    this.list.push({ error, label });
  }

  /** The errors, in the order they arrived. */
  get errors(): unknown[] {
    return this.list.map((failure) => failure.error);
  }

  /** Every failure with its stack and causes, or `undefined` if there are none. */
  format(): string | undefined {
    const { list } = this;
    if (list.length === 0) return undefined;
    const texts = list.map((f) => `${f.label ? `${f.label}\n` : ""}${formatError(f.error)}`);
    const header = list.length > 1 ? `quiesce: ${list.length} failures:\n` : "";
    return `${header}${texts.join("\n\n")}\n`;
  }
}
