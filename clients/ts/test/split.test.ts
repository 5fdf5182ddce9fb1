/** The traffic split: the shared hash (golden values the Go and Python clients must match), determinism and
 * proportion, and the rollout's routing of a device (no service needed). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ServiceClient, inTrafficSplit, splitBucket } from "../src/index.ts";
import type { ExecutionResult } from "../src/index.ts";

describe("traffic split", () => {
  it("buckets by the first 8 bytes of SHA-256 of the UTF-8 id, big-endian, mod 10000 (shared golden values)", () => {
    assert.equal(splitBucket("AA:BB:CC:DD:EE:FF"), 717);
    assert.equal(splitBucket("device-1"), 4220);
    assert.equal(splitBucket("设备-42"), 6123);
    assert.equal(splitBucket(""), 1652);
  });

  it("is deterministic: one device never flips between paths", () => {
    for (let i = 0; i < 1000; i++) {
      const id = `dev-${i}`;
      const first = inTrafficSplit(id, 30);
      for (let k = 0; k < 3; k++) assert.equal(inTrafficSplit(id, 30), first);
    }
  });

  it("puts 30 % of 10,000 device ids on the service, within ±2 %", () => {
    let inside = 0;
    for (let i = 0; i < 10_000; i++) if (inTrafficSplit(`AA:BB:CC:${i.toString(16).padStart(6, "0")}`, 30)) inside++;
    assert.ok(Math.abs(inside / 10_000 - 0.3) <= 0.02, `${inside} of 10000 in the split`);
  });

  it("only adds devices when the percentage rises; 0 and 100 are none and all", () => {
    for (let i = 0; i < 2000; i++) {
      const id = `dev-${i}`;
      if (inTrafficSplit(id, 10)) assert.ok(inTrafficSplit(id, 50));
      assert.equal(inTrafficSplit(id, 0), false);
      assert.equal(inTrafficSplit(id, 100), true);
    }
  });

  it("sends a device outside the split, or every device with use_service off, to the gateway's own path", async () => {
    const calls: string[] = [];
    const answer: ExecutionResult = { success: true, action: "req_llm", result: "from the gateway", response: null };
    const fallbackHook = {
      executeTool: async (tool: string) => {
        calls.push(tool);
        return answer;
      },
    };
    // No service at all: the calls must not try it.
    const base = { baseUrl: "http://127.0.0.1:9", apiKey: "k", fallbackHook, fallback: false };
    const split = new ServiceClient({ ...base, trafficSplit: 30 });
    const outside = Array.from({ length: 50 }, (_, i) => `dev-${i}`).find((id) => !split.usesService(id))!;
    const result = await split.executeTool("s", "local_get_time", {}, { deviceId: outside });
    assert.equal(result.via, "gateway");
    assert.equal(result.result, "from the gateway");
    const off = new ServiceClient({ ...base, useService: false });
    assert.equal(off.usesService("AA:BB:CC:DD:EE:FF"), false);
    assert.equal((await off.executeTool("s", "x", {}, { deviceId: "AA:BB:CC:DD:EE:FF" })).via, "gateway");
    assert.deepEqual(calls, ["local_get_time", "x"]);
  });
});
