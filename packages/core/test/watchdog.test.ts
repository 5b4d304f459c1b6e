import { describe, expect, it } from "vitest";
import { startWatchdog } from "../src/index.ts";

// The watchdog thread sees signals while the main thread is blocked through
// Node's internal `signal_wrap` binding (contract 5). That is Node-internal: this
// test fails loudly the day a Node version removes it, so that the fallback
// (documented in the README) is a decision, not a surprise. The behaviour itself
// is tested end to end in main-e2e.test.ts ("… blocked before the signal …").
describe("startWatchdog", () => {
  it("sees signals from its own thread through Node's internal signal_wrap binding on this Node version (#11)", async () => {
    const watchdog = startWatchdog({ signals: ["SIGUSR2"] });
    try {
      expect(await watchdog.mechanism).toBe("internal-binding");
    } finally {
      watchdog.stop();
    }
  });

  it("is idle until armed and does not keep the process alive", async () => {
    const watchdog = startWatchdog({});
    expect(["internal-binding", "process-binding", "none"]).toContain(await watchdog.mechanism);
    expect(watchdog.sinceFirstSignal()).toBeUndefined();
    watchdog.stop();
    watchdog.stop();
  });
});
