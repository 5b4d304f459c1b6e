const INTERNAL = /node_modules[\\/]|[\\/]packages[\\/]core[\\/]src[\\/]|node:internal|<anonymous>$/;

/** The first stack frame outside effection and quiesce: where the user spawned. */
export function userFrame(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split("\n").slice(1)) {
    const frame = line.trim().replace(/^at\s+/, "");
    if (frame && !INTERNAL.test(frame)) {
      const match = /\(([^)]+)\)$/.exec(frame);
      return match ? match[1] : frame;
    }
  }
  return undefined;
}

/**
 * Where `spawnTask` created a task: an `Error` made in `spawnTask` itself (an
 * `Error` keeps its frames in about half the memory of `captureStackTrace` on a
 * plain object, and is made faster), so its first frame is `spawnTask`'s own,
 * which {@link siteStack} drops.
 */
export class CreationSite extends Error {}

/** The stack of a creation site, as reports show it: from the caller of `spawnTask` on. */
export function siteStack(site: { stack?: string } | undefined): string | undefined {
  const stack = site?.stack;
  if (!(site instanceof CreationSite) || stack === undefined) return stack;
  const header = stack.indexOf("\n");
  if (header < 0) return stack;
  const own = stack.indexOf("\n", header + 1);
  return own < 0 ? stack.slice(0, header) : stack.slice(0, header) + stack.slice(own);
}
