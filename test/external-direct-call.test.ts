/**
 * @module test/external-direct-call.test
 * A tool call on a 2025-era Streamable HTTP session, sent and read by tools/external/direct-call.ts rather than the
 * SDK client, keeps everything the SDK path did: answers read from JSON as well as event streams, the call's
 * progress, a request the server sends the client in the middle of the call (answered by the SDK client's own
 * handlers), and a result that breaks the protocol refused as a tool error while the connection carries on.
 * Runs against the `stable` host's quirks endpoint (`/mcp-quirks`, see test/upstreams/host.ts).
 */
import { describe, expect, inject, it } from "vitest";
import type { JobProgress } from "../src/contract/jobs";
import { newExternalSource } from "./external-source";
import { anyNumber, stringContaining, stringMatching } from "./matchers";
import { CONTRACT_SESSION } from "./tool-sources/contract";

const call = { session: CONTRACT_SESSION };

/** A source of one server, `quirks`, on the stable host's quirks endpoint; `json` for JSON answers. */
function quirksSource(json: boolean) {
  const url = `${inject("upstreams").urls.stable}/mcp-quirks${json ? "?json" : ""}`;
  return newExternalSource({ quirks: { url, transport: "streamable-http" } });
}

async function listed(source: ReturnType<typeof quirksSource>["source"], name: string) {
  expect((await source.listTools())[0]).toMatchObject({ status: "ok" });
  const tool = source.resolveAlias(name);
  if (!tool) throw new Error(`${name} is not listed`);
  return tool;
}

describe("direct tool calls", { timeout: 30_000 }, () => {
  for (const json of [false, true]) {
    it(`reads the answer ${json ? "from a JSON body" : "from an event stream"}`, async () => {
      const { source, close } = quirksSource(json);
      try {
        const echo = await listed(source, "mcp_echo");
        expect(await source.callTool(echo, { message: "你好" }, call)).toMatchObject({ success: true, result: "Echo: 你好" });
        const sum = await listed(source, "mcp_get-sum");
        expect(await source.callTool(sum, { a: 2, b: 3 }, call)).toMatchObject({ success: true, result: stringContaining("5") });
      } finally {
        await close();
      }
    });
  }

  it("hands the call's progress to the caller as it comes", async () => {
    const { source, close } = quirksSource(false);
    try {
      const slow = await listed(source, "mcp_trigger-long-running-operation");
      const steps: JobProgress[] = [];
      const result = await source.callTool(slow, { duration: 0.6, steps: 3 }, { ...call, onProgress: (p) => steps.push(p) });
      expect(result).toMatchObject({ success: true });
      expect(steps.length).toBeGreaterThanOrEqual(2);
      expect(steps[0]).toMatchObject({ progress: anyNumber, total: 3 });
    } finally {
      await close();
    }
  });

  it("answers a request the server sends in the middle of the call, and then gets the call's answer", async () => {
    const { source, close } = quirksSource(false);
    try {
      const ping = await listed(source, "mcp_ping_client");
      // The request id says the call went the direct way (the SDK client's ids are numbers).
      expect(await source.callTool(ping, {}, call)).toMatchObject({
        success: true,
        result: stringMatching(/^the client answered the ping \(request call-[0-9a-f]{8}-\d+\)$/),
      });
    } finally {
      await close();
    }
  });

  it("resumes a stream the server closed before answering (Last-Event-ID), and gets the answer", async () => {
    const { source, close } = quirksSource(false);
    try {
      const polled = await listed(source, "mcp_polled_echo");
      expect(await source.callTool(polled, {}, call)).toMatchObject({
        success: true,
        result: "answered after the stream closed",
      });
      expect(source.status()[0]).toMatchObject({ status: "ready" });
    } finally {
      await close();
    }
  });

  for (const json of [false, true]) {
    it(`refuses a result with an unknown content block as a tool error, and the next call works (${json ? "JSON" : "stream"})`, async () => {
      const { source, close } = quirksSource(json);
      try {
        const malformed = await listed(source, "mcp_malformed_result");
        expect(await source.callTool(malformed, {}, call)).toMatchObject({
          success: false,
          error: { code: "tool_error", message: stringContaining("content that is not a list of content blocks") },
        });
        expect(source.status()[0]).toMatchObject({ status: "ready" });
        const echo = await listed(source, "mcp_echo");
        expect(await source.callTool(echo, { message: "still here" }, call)).toMatchObject({ success: true });
      } finally {
        await close();
      }
    });
  }
});
