import { describe, expect, it } from "vitest";
import { descendants, lines, startExample, survivors } from "./run-example.ts";

async function startDaemon(drainMs: number) {
  const ex = startExample("daemon", ["--port", "0", "--drain-ms", String(drainMs)]);
  const ready = await ex.waitForLine(/^daemon: listening on http:\/\/127\.0\.0\.1:\d+ /);
  const base = ready.match(/(http:\/\/127\.0\.0\.1:\d+)/)![1]!;
  const get = async (path: string) => {
    const response = await fetch(base + path);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { ex, base, get };
}

describe.concurrent("daemon", () => {
  it("SIGUSR2 prints the tree; SIGTERM stops intake, drains, cancels the rest, shuts the pool and dies by SIGTERM", async () => {
    const { ex, get } = await startDaemon(2000);
    expect((await get("/healthz")).status).toBe(200);
    expect(await get("/readyz")).toEqual({ status: 200, body: { ready: true } });

    const short = get("/work?ms=800");
    const long = get("/work?ms=30000");
    await ex.waitForLines(/: accepted \(/, 2);
    ex.signal("SIGUSR2");
    await ex.waitForLine(/T\d+ GET \/work\?ms=30000 #\d \[running/);
    expect(ex.stderr()).toMatch(/└── T\d+ accept \[running/);
    const pids = descendants(ex.pid);

    ex.signal("SIGTERM");
    await ex.waitForLine(/^daemon: signal SIGTERM: intake stopped/);
    expect(await get("/readyz")).toEqual({
      status: 503,
      body: { ready: false, reason: "draining" },
    });
    expect((await get("/work?ms=1")).status).toBe(503);

    const s = await short;
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ ms: 800 });
    const l = await long;
    expect(l).toEqual({ status: 503, body: { error: "cancelled: budget of 2000 ms ran out" } });

    const run = await ex.finished;
    expect(run.signal).toBe("SIGTERM");
    const out = lines(run.stdout);
    expect(out).toContainEqual(
      expect.stringMatching(/^daemon: GET \/work\?ms=30000 #\d: cancelled after \d+ ms \(budget/),
    );
    expect(out).toContainEqual(expect.stringMatching(/^daemon: drain: [01] finished, 1 cancelled/));
    expect(out.at(-1)).toMatch(
      /^daemon: pool shut down: \d+ jobs completed, 1 cancelled, 0 killed$/,
    );
    expect(await survivors(pids)).toEqual([]);
  });

  it("a second SIGTERM during the drain prints what is stuck and ends at once", async () => {
    const { ex, get } = await startDaemon(20_000);
    const long = get("/work?ms=30000").catch((error: unknown) => error);
    await ex.waitForLine(/: accepted \(/);
    ex.signal("SIGTERM");
    await ex.waitForLine(/intake stopped/);
    // A repeat within 200 ms would be the same signal (node --watch forwards it).
    await new Promise((resolve) => setTimeout(resolve, 250));
    const second = performance.now();
    ex.signal("SIGTERM");
    const run = await ex.finished;
    expect(performance.now() - second).toBeLessThan(5_000); // not the 20 s drain budget
    expect(run.signal).toBe("SIGTERM");
    expect(run.stderr).toMatch(/SIGTERM received during shutdown/);
    expect(run.stderr).toMatch(/GET \/work\?ms=30000 #1 \[running/);
    await long; // the connection went down with the process
  });
});
