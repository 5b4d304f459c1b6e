import type { Effect, Operation, Scope } from "effection";
import {
  CURRENT_SCOPE,
  type Destructor,
  enteredIn,
  haltChildTasks,
  hasChildTasks,
  NO_STEPS,
  takeChildFailures,
} from "./effection-seam-internal.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { CurrentTask, createTaskNode, whileStarting } from "./task-registry-internal.ts";

type Step = IteratorResult<Effect<unknown>, unknown>;

const DONE: Step = Object.freeze({ done: true, value: undefined });

// Phases of a TaskRun, in order.
/** `spawnTask`'s operation, iterated by the spawner: it has not asked for the scope yet. */
const SPAWNING = 0;
/** It asked for the spawner's scope (CURRENT_SCOPE) and waits for it. */
const ASKED = 1;
/** The task is started; effection has not run its first step yet. */
const STARTED = 2;
/** The body runs. */
const BODY = 3;
/** The body is over; the task's children are being halted. */
const CHILDREN = 4;
/** Nothing of the runner is left to do. */
const OVER = 5;

// How a step is passed on to the halting of the children.
const NEXT = 0;
const THROW = 1;
const RETURN = 2;

/**
 * Runs one quiesce task: one object, no generator and no closure per step. It is
 * first the iterator of `spawnTask`'s operation in the spawner (it asks effection
 * for the spawner's scope, then starts the task and returns its node), and then
 * the operation of the task's own effection task: the body runs directly in that
 * task's scope, as the body of an effection `spawn` does, so it is scheduled the
 * same way. Its outcome is kept, not thrown: whatever ends the body (a return, a
 * throw, a failing child, a halt), the task's children are halted next, and no
 * failure passes on to the spawner. The node settles at the effection task's very
 * end, in a destructor of the task's scope (so a settled task has nothing left
 * running, not even effection's own teardown).
 *
 * It is what a generator with `try`/`catch`/`finally` around `yield* body` and a
 * `yield* haltChildTasks(scope)` in the `finally` would be, written out: one
 * object per task instead of a generator, a body wrapper and the closures.
 */
export class TaskRun<T>
  implements
    Iterable<Effect<unknown>, unknown, unknown>,
    Iterator<Effect<unknown>, unknown, unknown>
{
  private phase = SPAWNING;
  private node: TaskNode<T> | undefined = undefined;
  private body: Iterator<Effect<unknown>, T, unknown> | undefined = undefined;
  /** The task's scope, once the body has entered its first effect. */
  private scope: Scope | undefined = undefined;
  private halting: Iterator<Effect<unknown>, void, unknown> | undefined = undefined;

  constructor(
    private readonly factory: () => Operation<T>,
    private name: string | undefined,
    private site: { stack?: string } | undefined,
  ) {}

  /**
   * Starts the task in `scope` and returns its node: creates the node and the
   * effection task (whose body may run inside this call when no effection step is
   * under way, as for `main()`'s root).
   */
  start(scope: Scope): TaskNode<T> {
    const factory = this.factory;
    const node = createTaskNode<T>(
      this.name ?? (factory.name && factory.name !== "anonymous" ? factory.name : undefined),
      scope.get(CurrentTask),
      scope,
      this.site,
    );
    this.node = node;
    this.name = this.site = undefined;
    this.phase = STARTED;
    const settle: Destructor = () => {
      node.finish();
      return NO_STEPS;
    };
    const operation = () => this as unknown as Operation<void>;
    node.attach(whileStarting(node as TaskNode<unknown>, scope, operation, settle));
    return node;
  }

  /** Effection enters the task's operation: the body starts (unless a halt came first). */
  [Symbol.iterator](): this {
    if (this.phase !== STARTED) return this;
    const node = this.node!;
    if (!node.begin()) {
      this.phase = OVER;
      return this;
    }
    this.phase = BODY;
    try {
      this.body = this.factory()[Symbol.iterator]();
    } catch (error) {
      node.bodyThrew(error);
      this.phase = OVER;
    }
    return this;
  }

  next(input?: unknown): Step {
    switch (this.phase) {
      case BODY: {
        let step: Step;
        try {
          step = this.body!.next(input);
        } catch (error) {
          this.node!.bodyThrew(error);
          return this.haltChildren();
        }
        return this.bodyStep(step);
      }
      case CHILDREN:
        return this.childrenStep(NEXT, input);
      case SPAWNING:
        this.phase = ASKED;
        return { done: false, value: CURRENT_SCOPE };
      case ASKED:
        return { done: true, value: this.start(input as Scope) };
      default:
        return DONE;
    }
  }

  throw(error: unknown): Step {
    switch (this.phase) {
      case BODY: {
        const body = this.body!;
        let step: Step;
        try {
          if (!body.throw) throw error;
          step = body.throw(error);
        } catch (thrown) {
          this.node!.bodyThrew(thrown);
          return this.haltChildren();
        }
        return this.bodyStep(step);
      }
      case CHILDREN:
        return this.childrenStep(THROW, error);
      default:
        throw error;
    }
  }

  /** A halt: the body (or the halting of the children) is unwound. */
  return(value?: unknown): Step {
    switch (this.phase) {
      case BODY: {
        const body = this.body!;
        let step: Step;
        try {
          step = body.return ? body.return(undefined as T) : DONE;
        } catch (error) {
          this.node!.bodyThrew(error);
          return this.haltChildren();
        }
        // Its `finally` waits on something: it goes on, as in a generator.
        if (!step.done) return this.entering(step);
        this.node!.bodyUnwound();
        return this.haltChildren();
      }
      case CHILDREN:
        // A halt while the children are halted ends that early (as a `return` into a
        // generator's `finally` does): the node settles once the scope is torn down.
        return this.childrenStep(RETURN, undefined);
      default:
        this.phase = OVER;
        return { done: true, value };
    }
  }

  /** A step of the body: its value is the task's when it is done. */
  private bodyStep(step: Step): Step {
    if (!step.done) return this.entering(step);
    this.node!.bodyReturned(step.value as T);
    return this.haltChildren();
  }

  /** The body's first effect learns the task's scope as it is entered. */
  private entering(step: Step): Step {
    if (this.scope !== undefined) return step;
    return { done: false, value: enteredIn(step.value as Effect<unknown>, this) };
  }

  /** The body is over: its children are halted next (none to halt, most often). */
  private haltChildren(): Step {
    const scope = this.scope;
    if (scope === undefined || !hasChildTasks(scope)) {
      this.phase = OVER;
      return DONE;
    }
    this.phase = CHILDREN;
    this.halting = haltChildTasks(scope)[Symbol.iterator]();
    return this.childrenStep(NEXT, undefined);
  }

  /** Passes a step (`next`, `throw` or `return`) on to the halting of the children. */
  private childrenStep(how: typeof NEXT | typeof THROW | typeof RETURN, input: unknown): Step {
    const halting = this.halting!;
    let result: Step;
    try {
      if (how === NEXT) result = halting.next(input);
      else if (how === THROW) {
        if (!halting.throw) throw input;
        result = halting.throw(input);
      } else result = halting.return ? halting.return() : DONE;
    } catch (error) {
      this.node!.teardownFailed(error);
      this.phase = OVER;
      return DONE;
    }
    if (!result.done) return result;
    this.phase = OVER;
    return DONE;
  }

  /** The body entered its first effect, in the task's scope. */
  takeScope(scope: Scope): void {
    this.scope = scope;
    scope.set(CurrentTask, this.node as TaskNode<unknown>);
    takeChildFailures(scope, this);
  }

  /** A child failed (the task's error boundary). */
  raise(error: unknown): void {
    this.node!.childFailed(error);
  }
}
