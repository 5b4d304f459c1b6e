import { global, type Operation, type Scope } from "effection";
import { api } from "effection/experimental";

/*
 * Only spawnTask's settle hook (spawn-task.ts) still uses this file: main() no
 * longer does (its reaches are in effection-seam-internal.ts, on its own scope).
 * The task rewrite that settles tasks without effection's settle function
 * removes the last use; this file goes with it.
 */

/**
 * Replaces the value an effection scope is about to store under a context name.
 * Effection stores its own machinery in contexts (a task's settle function, a
 * task's child group), so this is how quiesce observes and extends that machinery
 * without patching effection. Pinned to effection ~4.1.1; the tests guard it.
 */
export type ContextSetHook = (scope: Scope, value: unknown) => unknown;

const hooks = new Map<string, ContextSetHook>();
let installed = false;

/**
 * Registers `hook` for every `scope.set(context, value)` of the context named
 * `name`, in every scope. The middleware is installed on effection's global scope
 * the first time a hook is registered, so importing quiesce changes nothing.
 */
export function hookContextSet(name: string, hook: ContextSetHook): void {
  hooks.set(name, hook);
  if (installed) return;
  installed = true;
  global.around(
    api.Scope,
    {
      set(args, next) {
        const hook = hooks.get(args[1].name);
        if (hook === undefined) return next(...args);
        return next(args[0], args[1], hook(args[0], args[2]) as never);
      },
    },
    { at: "min" },
  );
}

/** Effection's scopes have `ensure()` at run time; its public type leaves it out. */
export type ScopeWithEnsure = Scope & { ensure(op: () => Operation<void>): () => void };
