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
