import type { Effect, Operation, Scope } from "effection";
import {
  addDestructor,
  CURRENT_SCOPE,
  haltChildTasks,
  hasChildTasks,
  isTornDown,
  NO_STEPS,
  type OwnScopeTaker,
  takeChildFailures,
} from "./effection-seam-internal.ts";
import type { TaskNode } from "./task-node-internal.ts";
import { CurrentTask, createTaskNode, whileStarting } from "./task-registry-internal.ts";

type Step = IteratorResult<Effect<unknown>, unknown>;

const DONE: Step = Object.freeze({ done: true, value: undefined });

/** What a task is made from: `spawnTask`'s operation, or `startTask`'s arguments. */
export interface TaskSource<T> {
  readonly factory: () => Operation<T>;
  /** The name given, if any (else the function's name, else `Task-<id>`). */
  readonly name: string | undefined;
  /** Where it was created (debug mode). */
  readonly site: { stack?: string } | undefined;
}

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
/** Bit set on top of the phase once the body has taken a step that waits (see `entered`). */
const ENTERED = 8;
/** Bit set on top of the phase once the body is being unwound (a halt) and still waits. */
const UNWINDING = 16;

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
 * `yield* haltChildTasks(scope)` in the `finally` would be, written out: per task,
 * this object and one closure, instead of a generator, a body wrapper, the effect
 * that learns the task's scope and their closures (a few hundred bytes of each
 * live task).
 */
export class TaskRun<T>
  implements
    Iterable<Effect<unknown>, unknown, unknown>,
    Iterator<Effect<unknown>, unknown, unknown>,
    OwnScopeTaker
{
  private phase = SPAWNING;
  private node: TaskNode<T> | undefined = undefined;
  /** The body's iterator (phase BODY), then the halting of the children's (CHILDREN). */
  private steps: Iterator<Effect<unknown>, unknown, unknown> | undefined = undefined;
  /** The task's own scope, from when effection creates it. */
  private scope: Scope | undefined = undefined;

  /** `source` is dropped once the body has started (so its closure can go). */
  constructor(private source: TaskSource<T> | undefined) {}

  /**
   * Starts the task in `scope` and returns its node: creates the node and the
   * effection task (whose body may run inside this call when no effection step is
   * under way, as for `main()`'s root).
   */
  start(scope: Scope): TaskNode<T> {
    const { factory, name, site } = this.source!;
    const node = createTaskNode<T>(
      name ?? (factory.name && factory.name !== "anonymous" ? factory.name : undefined),
      scope.get(CurrentTask),
      scope,
      site,
    );
    this.node = node;
    this.phase = STARTED;
    node.attach(whileStarting(node as TaskNode<unknown>, scope, this.call, this));
    return node;
  }

  /**
   * The one function effection is given, called twice: first as the task's
   * operation (effection enters the task: the body starts), then as a destructor
   * of the task's scope, the task's very end (the node settles). A task halted
   * before its first step is only torn down (with its spawner's scope): then the
   * first call is the destructor's, told apart by the teardown having begun. A bound
   * method: smaller than a closure and the context it would keep.
   */
  private readonly call: () => Operation<void> = this.called.bind(this);

  private called(): Operation<void> {
    if (this.phase === STARTED && !isTornDown(this.scope!, this.node!.spawner)) {
      this.begin();
      // Its steps end with `undefined`: effection reads no value from them.
      return this as Operation<unknown> as Operation<void>;
    }
    this.node!.finish();
    return NO_STEPS;
  }

  /**
   * The task's own scope, created: the node will settle when it is torn down, and
   * what runs in it (or below) sees the task as `CurrentTask`. Set now, before
   * effection sets its own contexts there: a context added after effection's task
   * group, which effection deletes at the task's end, would turn the scope's
   * contexts into a slow dictionary object then (about 1 µs a task).
   */
  scopeCreated(scope: Scope): void {
    this.scope = scope;
    addDestructor(scope, this.call);
    scope.set(CurrentTask, this.node as TaskNode<unknown>);
  }

  /** Effection enters the task's operation: the body starts (unless a halt came first). */
  private begin(): void {
    const node = this.node!;
    if (!node.begin()) {
      this.phase = OVER;
      return;
    }
    this.phase = BODY;
    const factory = this.source!.factory;
    this.source = undefined;
    try {
      this.steps = factory()[Symbol.iterator]();
    } catch (error) {
      node.bodyThrew(error);
      this.phase = OVER;
    }
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(input?: unknown): Step {
    switch (this.phase & ~(ENTERED | UNWINDING)) {
      case BODY: {
        let step: Step;
        try {
          step = this.steps!.next(input);
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
    switch (this.phase & ~(ENTERED | UNWINDING)) {
      case BODY: {
        const body = this.steps!;
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
    switch (this.phase & ~(ENTERED | UNWINDING)) {
      case BODY: {
        const body = this.steps!;
        let step: Step;
        try {
          step = body.return ? body.return(undefined) : DONE;
        } catch (error) {
          this.node!.bodyThrew(error);
          return this.haltChildren();
        }
        // Its `finally` waits on something: it goes on, as in a generator, and the
        // body counts as unwound, not returned, when it ends.
        if (!step.done) {
          this.phase |= UNWINDING;
          return this.entered(step);
        }
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
    if (!step.done) return this.entered(step);
    if (this.phase & UNWINDING) this.node!.bodyUnwound();
    else this.node!.bodyReturned(step.value as T);
    return this.haltChildren();
  }

  /**
   * The body waits for the first time: the task becomes its children's error
   * boundary. A body that never waits needs none: it can have no children.
   */
  private entered(step: Step): Step {
    if (this.phase & ENTERED) return step;
    this.phase |= ENTERED;
    takeChildFailures(this.scope!, this);
    return step;
  }

  /** The body is over: its children are halted next (none to halt, most often). */
  private haltChildren(): Step {
    this.steps = undefined;
    // A body that never waited spawned nothing.
    if (!(this.phase & ENTERED) || !hasChildTasks(this.scope!)) {
      this.phase = OVER;
      return DONE;
    }
    this.phase = CHILDREN;
    this.steps = haltChildTasks(this.scope!)[Symbol.iterator]();
    return this.childrenStep(NEXT, undefined);
  }

  /** Passes a step (`next`, `throw` or `return`) on to the halting of the children. */
  private childrenStep(how: typeof NEXT | typeof THROW | typeof RETURN, input: unknown): Step {
    const halting = this.steps!;
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
    this.steps = undefined;
    return DONE;
  }

  /** A child failed (the task's error boundary). */
  raise(error: unknown): void {
    this.node!.childFailed(error);
  }
}
