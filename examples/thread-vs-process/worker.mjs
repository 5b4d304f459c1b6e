// The worker side of thread-vs-process: tiny functions whose cost is almost all
// pool overhead (hand-off, structured clone, wake-up).
export function noop() {
  return 0;
}

/** Returns its argument, so it is cloned twice: to the worker and back. */
export function echo(value) {
  return value;
}
