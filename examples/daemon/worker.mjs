// The worker side of the daemon: CPU work that notices cancellation. `work(ms)`
// keeps a thread busy for `ms` milliseconds and checks, every few thousand steps,
// whether its job was cancelled (one Atomics.load): a cancelled job stops at once
// instead of being killed after the pool's grace period.
export function work(ms, ctx) {
  const until = performance.now() + ms;
  let x = 0;
  let steps = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 4096; i++) x = (x * 1103515245 + 12345) % 2147483648;
    steps += 4096;
    ctx.throwIfCancelled();
  }
  return { steps, checksum: x, worker: ctx.workerId };
}
