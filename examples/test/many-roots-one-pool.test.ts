import { describe, expect, it } from "vitest";
import { lines, runExample } from "./run-example.ts";

describe("many-roots-one-pool", () => {
  it("five roots share one pool: five 1 s jobs overlap, about 1 s in all", async () => {
    const run = await runExample("many-roots-one-pool");
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    const at = (kind: string) =>
      out
        .map((l) => l.match(new RegExp(`^(\\d) ${kind}: (\\d+\\.\\d{3})$`)))
        .filter((m): m is RegExpMatchArray => m !== null)
        .map((m) => ({ index: Number(m[1]), t: Number(m[2]) }));
    const before = at("before");
    const after = at("after");
    expect(before.map((b) => b.index).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(after.map((a) => a.index).sort()).toEqual([0, 1, 2, 3, 4]);
    // All five started before any ended: they overlapped.
    expect(Math.max(...before.map((b) => b.t))).toBeLessThan(Math.min(...after.map((a) => a.t)));
    for (let i = 0; i < 5; i++) {
      const got = out.indexOf(`Root ${i} got result ${i}`);
      expect(got).toBeGreaterThan(out.findIndex((l) => l.startsWith(`${i} after:`)));
    }
    const time = Number(out.find((l) => l.startsWith("TIME "))?.slice(5));
    expect(time).toBeGreaterThanOrEqual(0.99);
    expect(time).toBeLessThan(3); // one after another they would take 5
    expect(out.at(-1)).toMatch(/^meanwhile the main thread's event loop ran \d+ timer callbacks$/);
  });
});
