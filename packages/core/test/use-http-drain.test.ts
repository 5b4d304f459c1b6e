import { createServer, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { action, type Operation, run, spawn, suspend } from "effection";
import { describe, expect, it } from "vitest";
import {
  type HttpDrain,
  type HttpDrainOptions,
  type HttpDrainPhase,
  type MainOptions,
  main,
  useHttpDrain,
} from "../src/index.ts";
import { createFakeHost } from "./fixtures/fake-host.ts";
import { rawClient } from "./fixtures/raw-http-client.ts";
import { deferred } from "./helpers.ts";

/**
 * A server under test. `/fast` answers at once; `/hold/<key>` waits until the test
 * calls `release(key)`; `/stream` sends its headers and part of a body, then
 * waits forever; `/readyz` answers 200 or 503 from `http.ready`.
 */
function createApp() {
  const holds = new Map<string, ReturnType<typeof deferred<ServerResponse>>>();
  const hold = (key: string) => {
    let entry = holds.get(key);
    if (entry === undefined) {
      entry = deferred<ServerResponse>();
      holds.set(key, entry);
    }
    return entry;
  };
  let http: HttpDrain | undefined;
  const handled: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    handled.push(url);
    if (url === "/readyz") res.writeHead(http?.ready ? 200 : 503).end();
    else if (url.startsWith("/hold/")) hold(url.slice(6)).resolve(res);
    else if (url === "/stream") res.writeHead(200).write("part");
    else res.end("fast\n");
  });
  return {
    server,
    handled,
    setHttp: (h: HttpDrain) => {
      http = h;
    },
    /** Resolves once the request `/hold/<key>` has reached the handler. */
    held: (key: string) => hold(key).promise,
    release: async (key: string) => (await hold(key).promise).end("held\n"),
  };
}

function listen(server: ReturnType<typeof createServer>): Operation<number> {
  return action<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
    return () => server.off("error", reject);
  });
}

/** Runs the app under `main()` on a fake host; phases are recorded as they come. */
function start(drain: HttpDrainOptions = {}, options: Omit<MainOptions, "host"> = {}) {
  const fake = createFakeHost();
  const app = createApp();
  const phases: HttpDrainPhase[] = [];
  const reached = new Map<HttpDrainPhase, ReturnType<typeof deferred>>();
  const phase = (p: HttpDrainPhase) => {
    if (!reached.has(p)) reached.set(p, deferred());
    return reached.get(p)!;
  };
  const started = deferred<{ port: number; http: HttpDrain }>();
  const ended = main(
    function* () {
      const http = yield* useHttpDrain(app.server, {
        ...drain,
        onPhase: (p) => {
          phases.push(p);
          phase(p).resolve(undefined);
        },
      });
      app.setHttp(http);
      const port = yield* listen(app.server);
      started.resolve({ port, http });
      yield* suspend();
    },
    { ...options, host: fake.host },
  );
  return {
    fake,
    app,
    phases,
    ended,
    started: started.promise,
    phase: (p: HttpDrainPhase) => phase(p).promise,
  };
}

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

describe("useHttpDrain()", () => {
  it("goes not ready at once while still serving, then stops accepting, closes idle and answered connections with a FIN, and lets main() end (#11)", async () => {
    const { fake, app, phases, ended, started, phase } = start({ notReadyMs: 1000 });
    const { port, http } = await started;
    const busy = await rawClient(port);
    const idle = await rawClient(port);
    expect((await idle.get("/readyz")).status).toBe(200);
    const held = busy.get("/hold/a");
    await app.held("a");

    fake.signal("SIGTERM");
    await phase("not-ready");
    expect(http.ready).toBe(false);
    expect((await idle.get("/readyz")).status).toBe(503);
    const served = await idle.get("/fast");
    expect(served).toMatchObject({ status: 200, body: "fast\n" });
    expect(served.headers.connection).toBe("keep-alive");

    await phase("draining");
    expect(await refused(port)).toBe("ECONNREFUSED");
    expect(await idle.closed).toEqual({ ended: true, error: undefined });
    await app.release("a");
    expect(await held).toMatchObject({ status: 200, body: "held\n" });
    expect((await held).headers.connection).toBe("close");
    expect(await busy.closed).toEqual({ ended: true, error: undefined });

    expect(await ended).toMatchObject({ status: 143, signal: "SIGTERM", forced: false });
    expect(phases).toEqual(["not-ready", "draining", "cancelling", "closed"]);
    expect(http.stats()).toEqual({
      accepted: 4,
      answered: 4,
      cancelled: 0,
      aborted: 0,
      dropped: 0,
      inFlight: 0,
      connections: 0,
    });
    expect(app.server.listening).toBe(false);
    expect(app.server.listenerCount("request")).toBe(1);
  });

  it("answers what is still open when main()'s drain budget runs out with 503 and Connection: close", async () => {
    const { fake, app, ended, started, phase } = start({}, { drainMs: 1000 });
    const { port, http } = await started;
    const client = await rawClient(port);
    const held = client.get("/hold/b");
    await app.held("b");
    fake.signal("SIGINT");
    await phase("draining");
    fake.advance(1000);
    const response = await held;
    expect(response).toMatchObject({
      status: 503,
      body: "503 Service Unavailable: shutting down\n",
    });
    expect(response.headers.connection).toBe("close");
    expect(await client.closed).toEqual({ ended: true, error: undefined });
    expect(await ended).toMatchObject({ status: 130, signal: "SIGINT" });
    expect(http.stats()).toMatchObject({ accepted: 1, answered: 1, cancelled: 1, inFlight: 0 });
  });

  it("ends the drain after its own drainMs, and cuts a response whose headers went out", async () => {
    const { fake, app, ended, started } = start({ drainMs: 50 });
    const { port, http } = await started;
    const client = await rawClient(port);
    client.get("/stream");
    await new Promise<void>((resolve) => {
      const check = () => (app.handled.includes("/stream") ? resolve() : setImmediate(check));
      check();
    });
    fake.signal("SIGTERM");
    expect(await ended).toMatchObject({ status: 143, forced: false });
    // The body never got its last chunk: a client sees a response cut short.
    expect(await client.closed).toEqual({ ended: true, error: undefined });
    expect(http.stats()).toMatchObject({ accepted: 1, cancelled: 1, aborted: 1, inFlight: 0 });
  });

  it("keeps a request sent after a Connection: close response from the handler, and the client sees no reset (#11)", async () => {
    const { fake, app, ended, started, phase } = start();
    const { port, http } = await started;
    const client = await rawClient(port);
    // As load generators do: the next request goes out the moment a response is in.
    client.onResponse(() => {
      client.get("/fast");
    });
    const held = client.get("/hold/c");
    await app.held("c");
    fake.signal("SIGTERM");
    await phase("draining");
    await app.release("c");
    expect((await held).headers.connection).toBe("close");
    expect(await client.closed).toEqual({ ended: true, error: undefined });
    await ended;
    expect(app.handled).toEqual(["/hold/c"]);
    expect(http.stats()).toMatchObject({ accepted: 1, answered: 1, dropped: 1 });
  });

  it("answers requests pipelined on one connection, and closes it only after the last one", async () => {
    const { fake, app, ended, started, phase } = start();
    const { port, http } = await started;
    const client = await rawClient(port);
    const first = client.get("/hold/p1");
    const second = client.get("/hold/p2");
    await app.held("p2");
    fake.signal("SIGTERM");
    await phase("draining");
    await app.release("p1");
    await app.release("p2");
    expect((await first).headers.connection).toBe("keep-alive");
    expect(await second).toMatchObject({ status: 200, body: "held\n" });
    expect((await second).headers.connection).toBe("close");
    expect(await client.closed).toEqual({ ended: true, error: undefined });
    await ended;
    expect(http.stats()).toMatchObject({ accepted: 2, answered: 2, aborted: 0 });
  });

  it("outside main() serves until its scope ends, then answers what is open with 503", async () => {
    const app = createApp();
    const ready = deferred<number>();
    const task = run(function* () {
      yield* spawn(function* () {
        yield* useHttpDrain(app.server);
        ready.resolve(yield* listen(app.server));
        yield* suspend();
      });
      yield* suspend();
    });
    const port = await ready.promise;
    const client = await rawClient(port);
    expect((await client.get("/fast")).status).toBe(200);
    const held = client.get("/hold/d");
    await app.held("d");
    await task.halt();
    expect((await held).status).toBe(503);
    expect(await client.closed).toEqual({ ended: true, error: undefined });
    expect(app.server.listening).toBe(false);
  });

  it("checks its arguments at the call", () => {
    expect(() => useHttpDrain({} as never)).toThrow(
      "Expected `server` to be a node:http Server, got `{}` (object)",
    );
    const server = createServer();
    expect(() => useHttpDrain(server, { notReadyMs: -1 })).toThrow(
      "Expected `notReadyMs` to be a finite number ≥ 0, got `-1` (number)",
    );
    expect(() => useHttpDrain(server, { onPhase: 1 as never })).toThrow(
      "Expected `onPhase` to be a function, got `1` (number)",
    );
  });
});
