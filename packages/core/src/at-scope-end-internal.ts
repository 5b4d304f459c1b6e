import { createScope, type Scope, suspend } from "effection";

/**
 * Runs `fn` once when `scope` ends, with the tasks it spawned: a task in a scope of
 * its own below `scope`, made only for the rare failure that nobody retrieved. A
 * task halted before its first step never runs its `finally`, so the end of the
 * task itself is a second trigger.
 */
export function atScopeEnd(scope: Scope, fn: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    fn();
  };
  const [watcher] = createScope(scope);
  watcher
    .run(function* () {
      try {
        yield* suspend();
      } finally {
        once();
      }
    })
    .then(once, once);
}
