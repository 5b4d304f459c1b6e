/** Node fires a timer of more than 2³¹−1 ms at once; such delays mean "practically never". */
export function timerDelay(ms: number): number {
  return Math.min(ms, 2 ** 31 - 1);
}

/** Waits for `promise` or `ms`, whichever comes first, and leaves no timer behind. */
export function raceTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timerDelay(ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
