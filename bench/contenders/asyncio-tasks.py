"""CPython asyncio reference columns of the bench (see bench/lib/python.ts).

Run as `python3 -u asyncio-tasks.py`; speaks the protocol of
bench/lib/contender-host.ts (open a contender by factory name, measure it, close it;
one reply line per request). One event loop per process; each measure is one
`run_until_complete`, as each Node measure is one `run()`.
"""
import asyncio
import concurrent.futures
import gc
import json
import os
import sys
import threading
import time
import traceback

now = time.perf_counter


def reply(message):
    sys.stdout.write("@@bench " + json.dumps(message) + "\n")
    sys.stdout.flush()


async def spawn(n):
    """n tasks that count themselves and return; the last opens the gate awaited."""
    gate = asyncio.Event()
    left = n

    async def one(i):
        nonlocal left
        left -= 1
        if left == 0:
            gate.set()
        return i

    last = None
    for i in range(n):
        last = asyncio.create_task(one(i))
    await gate.wait()
    await last


class Counter:
    def __init__(self, n):
        self.n, self.started, self.cleaned = n, 0, 0
        self.ready = asyncio.Event()

    def start(self):
        self.started += 1
        if self.started == self.n:
            self.ready.set()


async def leaf(c):
    try:
        c.start()
        await asyncio.get_running_loop().create_future()
    finally:
        c.cleaned += 1


async def tree(shape, depth, c):
    """Wide: one TaskGroup with n suspended children. Deep: a chain of n TaskGroups."""
    async with asyncio.TaskGroup() as group:
        if shape == "wide":
            for _ in range(c.n):
                group.create_task(leaf(c))
            await asyncio.get_running_loop().create_future()
        else:
            if depth > 1:
                group.create_task(tree(shape, depth - 1, c))
            await leaf(c)


async def cancel_tree(shape, n):
    c = Counter(n)
    root = asyncio.create_task(tree(shape, n, c))
    await c.ready.wait()
    t0 = now()
    root.cancel()
    t1 = now()
    try:
        await root
    except asyncio.CancelledError:
        pass
    t2 = now()
    if c.cleaned != n:
        raise RuntimeError("%d of %d cleanups ran" % (c.cleaned, n))
    return {"cancel": (t1 - t0) * 1000, "cleanup": (t2 - t0) * 1000}


def blocks(seconds):
    """The seed's job: block this worker (time.sleep), return who ran it."""
    time.sleep(seconds)
    return threading.get_ident() if threading.current_thread().name != "MainThread" else os.getpid()


def open_executor(runtime, workers):
    if runtime == "threads":
        return concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers)


async def run_seed(executor, jobs, seconds):
    """Seed 000/003: `run_in_executor` jobs collected with `asyncio.wait`."""
    loop = asyncio.get_running_loop()
    tasks = [loop.run_in_executor(executor, blocks, seconds) for _ in range(jobs)]
    done, _ = await asyncio.wait(tasks)
    return [t.result() for t in done]


class Seed:
    """The seed program on a warm executor (workers up) or a cold one (made per call)."""

    def __init__(self, loop, setup):
        self.loop, self.runtime, self.warm = loop, setup["runtime"], setup["warm"]
        self.workers = setup["workers"]
        self.executor = None
        if self.warm:
            self.executor = open_executor(self.runtime, self.workers)
            seen = set()
            for _ in range(100):
                seen.update(loop.run_until_complete(run_seed(self.executor, self.workers, 0.02)))
                if len(seen) >= self.workers:
                    break

    def measure(self, args):
        t0 = now()
        executor = self.executor or open_executor(self.runtime, self.workers)
        self.loop.run_until_complete(run_seed(executor, args["jobs"], args["ms"] / 1000))
        elapsed = (now() - t0) * 1000
        if executor is not self.executor:
            executor.shutdown(wait=True)
        return {"ms": elapsed}

    def close(self):
        if self.executor:
            self.executor.shutdown(wait=True)


class Simple:
    def __init__(self, loop, kind):
        self.loop, self.kind = loop, kind

    def measure(self, args):
        if self.kind == "spawn":
            t0 = now()
            self.loop.run_until_complete(spawn(args["n"]))
            return {"ms": (now() - t0) * 1000}
        return self.loop.run_until_complete(cancel_tree(args["shape"], args["n"]))

    def close(self):
        pass


def answer(loop, contenders, request):
    op, id = request["op"], request["id"]
    if op == "open":
        factory = request["factory"]
        if factory == "seed":
            contenders[id] = Seed(loop, request["setup"])
        elif factory in ("spawn", "cancel_tree"):
            contenders[id] = Simple(loop, factory)
        else:
            raise ValueError("no factory " + factory)
        return {"id": id}
    if op == "measure":
        gc.collect()
        return {"id": id, "metrics": contenders[id].measure(request.get("args"))}
    contenders.pop(id).close()
    return {"id": id}


def main():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    contenders = {}
    reply({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply(answer(loop, contenders, request))
        except Exception:
            reply({"id": request.get("id"), "error": traceback.format_exc()})
    for contender in contenders.values():
        contender.close()
    loop.close()


if __name__ == "__main__":
    main()
