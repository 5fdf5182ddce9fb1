/**
 * @module test/external-answer-watch.test
 * The watch on Streamable HTTP answer streams (unit test of src/tools/external/answer-watch.ts): a stream that
 * ends without the answer to the request it carried reports that request, whatever ended it. The killed-server
 * case end to end is in external-faults.test.ts; a clean end without the answer is made here, by a fetch double.
 */
import type { RequestId } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { watchAnswers } from "../src/tools/external/answer-watch";

const request = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo" } });
const progress = `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: "notifications/progress", params: {} })}\n\n`;
const answer = `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: 7, result: { content: [] } })}\n\n`;

/** Fetches `body` as the answer to `request` through the watch; resolves to what it reported once the stream is read. */
async function watched(body: string, options: { contentType?: string; signal?: AbortSignal } = {}) {
  const lost: Array<{ ids: readonly RequestId[]; reason: string }> = [];
  const fetchDouble = async () =>
    new Response(body, { headers: { "Content-Type": options.contentType ?? "text/event-stream; charset=utf-8" } });
  const fetch = watchAnswers((ids, reason) => lost.push({ ids, reason }), fetchDouble);
  const response = await fetch("http://upstream.test/mcp", { method: "POST", body: request, signal: options.signal });
  // What the SDK reads is the whole stream, untouched.
  expect(await response.text()).toBe(body);
  await scheduler.wait(20);
  return lost;
}

describe("answer streams", () => {
  it("a stream that ends without the answer reports the request it carried", async () => {
    expect(await watched(progress)).toEqual([{ ids: [7], reason: "the server ended the answer stream without answering" }]);
  });

  it("a stream that ends cleanly after an event id reports nothing: the SDK resumes it (polling)", async () => {
    expect(await watched(`id: 1\nretry: 50\ndata: \n\n${progress}`)).toEqual([]);
  });

  it("a stream that carried the answer reports nothing", async () => {
    expect(await watched(progress + answer)).toEqual([]);
  });

  it("a stream its caller aborted reports nothing", async () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(await watched(progress, { signal: aborted.signal })).toEqual([]);
  });

  it("a stream that fails reports the request it carried, and its reader still sees the failure", async () => {
    const lost: Array<{ ids: readonly RequestId[]; reason: string }> = [];
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(progress));
        controller.error(new Error("connection reset"));
      },
    });
    const fetchDouble = async () => new Response(failing, { headers: { "Content-Type": "text/event-stream" } });
    const fetch = watchAnswers((ids, reason) => lost.push({ ids, reason }), fetchDouble);
    const response = await fetch("http://upstream.test/mcp", { method: "POST", body: request });
    await expect(response.text()).rejects.toThrow("connection reset");
    expect(lost).toEqual([{ ids: [7], reason: "the connection dropped before the answer: connection reset" }]);
  });

  it("an answer split across chunks is still seen", async () => {
    const lost: Array<{ ids: readonly RequestId[]; reason: string }> = [];
    const bytes = new TextEncoder().encode(progress + answer);
    const split = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 7) controller.enqueue(bytes.slice(at, at + 7));
        controller.close();
      },
    });
    const fetchDouble = async () => new Response(split, { headers: { "Content-Type": "text/event-stream" } });
    const fetch = watchAnswers((ids, reason) => lost.push({ ids, reason }), fetchDouble);
    const response = await fetch("http://upstream.test/mcp", { method: "POST", body: request });
    expect(await response.text()).toBe(progress + answer);
    expect(lost).toEqual([]);
  });

  it("a JSON answer is not watched", async () => {
    expect(await watched("{}", { contentType: "application/json" })).toEqual([]);
  });
});
