import { describe, expect, it } from "vitest";
import { fromV8Payload, isJsonExact, isV8Payload, toV8Payload } from "../src/wire.mjs";

describe("process pools' wire (wire.mjs)", () => {
  it("sends as JSON only what JSON gives back exactly (#13)", () => {
    const exact = [
      null,
      true,
      "text \ud800 with a lone surrogate",
      0,
      1.5,
      -7,
      [],
      [1, "two", [3], { four: 4 }],
      { a: 1, b: { c: [null, false] } },
      Object.assign(Object.create(null), { bare: 1 }),
    ];
    for (const [i, value] of exact.entries()) expect(isJsonExact(value), `exact[${i}]`).toBe(true);
    const holes = [1, 2, 3];
    delete holes[1];
    const shared = { s: 1 };
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const hiddenToJson = Object.defineProperty({}, "toJSON", { value: () => "surprise" });
    const getter = Object.defineProperty({}, "lazy", { get: () => 1, enumerable: true });
    const named = Object.assign([1, 2], { extra: true });
    const inexact = [
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -0,
      10n,
      Symbol("s"),
      () => 1,
      new Date(0),
      new Map([[1, 2]]),
      new Set([1]),
      new Uint8Array([1, 2]),
      /re/,
      new Error("e"),
      holes,
      named,
      [undefined],
      { a: undefined },
      { nested: { deeper: [Number.NaN] } },
      new (class Point {
        x = 1;
      })(),
      Array.from({ length: 300 }, (_, i) => i),
      [shared, shared],
      { a: shared, b: [shared] },
      cycle,
      hiddenToJson,
      getter,
    ];
    for (const [i, value] of inexact.entries()) {
      expect(isJsonExact(value), `inexact[${i}]`).toBe(false);
    }
  });

  it("carries what JSON cannot in V8's serialization, and tells the two apart (#13)", () => {
    const value = [new Map([["k", new Date(5)]]), undefined, -0, 10n, new Uint8Array([7])];
    const payload = toV8Payload(value);
    expect(isV8Payload(payload)).toBe(true);
    expect(isV8Payload({ ok: true, value: { v8: 1 } })).toBe(false);
    expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
    expect(fromV8Payload(payload)).toEqual(value);
    expect(Object.is((fromV8Payload(payload) as unknown[])[2], -0)).toBe(true);
    expect(() => toV8Payload(() => 1)).toThrow();
  });
});
