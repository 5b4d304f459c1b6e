const INTERNAL =
  /node_modules[\\/]|[\\/]packages[\\/](core|executor)[\\/](src|dist)[\\/]|node:internal|<anonymous>$/;

/** What a report says in place of a creation site, outside debug mode. */
export const SITE_HINT = "(set QUIESCE_DEBUG=1 to see where tasks are created)";

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
 * Where `spawnTask` created a task (debug mode): an `Error` made by `spawnTask`'s
 * helper (an `Error` keeps its frames in about half the memory of
 * `captureStackTrace` on a plain object, and is made faster), so its first two
 * frames are quiesce's own, which {@link siteStack} drops.
 */
export class CreationSite extends Error {}

/** Frames of quiesce's own on top of a {@link CreationSite}: the helper's and `spawnTask`'s. */
const OWN_FRAMES = 2;

/** The stack of a creation site, as reports show it: from the caller of `spawnTask` on. */
export function siteStack(site: { stack?: string } | undefined): string | undefined {
  const stack = site?.stack;
  if (!(site instanceof CreationSite) || stack === undefined) return stack;
  const header = stack.indexOf("\n");
  if (header < 0) return stack;
  let end = header;
  for (let i = 0; i < OWN_FRAMES && end >= 0; i++) end = stack.indexOf("\n", end + 1);
  return end < 0 ? stack.slice(0, header) : stack.slice(0, header) + stack.slice(end);
}
