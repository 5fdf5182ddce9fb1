/**
 * @module test/batch.test
 * `POST /api/v1/mcp/tools/batch` and BatchExecuteTools against real server-everything upstreams: results in the
 * calls' order, the calls run concurrently (bounded), each fails on its own, the limits, and tenant isolation.
 */
import { describe, expect, it } from "vitest";
import { fieldDetails, okBody, restBatch, restBind, restExecute, resultText } from "./api";
import { TENANT_B_KEY } from "./keys";
import { Code } from "@connectrpc/connect";
import { rpcClient, rpcError } from "./rpc-client";

const LONG = "mcp_everything_trigger-long-running-operation";
/** One second of upstream work, in two steps. */
const oneSecond = { tool_name: LONG, arguments: { duration: 1, steps: 2 } };

describe("batch execution", () => {
  it("answers one result per call, in the calls' order, whatever the order they finish in", async () => {
    await restBind("batch-order");
    const body = okBody(
      await restBatch("batch-order", [
        { tool_name: LONG, arguments: { duration: 0.6, steps: 1 } },
        { tool_name: "mcp_everything_echo", arguments: { message: "second" } },
        { tool_name: "local_play_music", arguments: { song_name: "稻香" } },
        { tool_name: "mcp_everything_get-sum", arguments: { a: "2", b: 3 } },
      ]),
    );
    expect(body.results).toHaveLength(4);
    expect(resultText(body.results[0]!)).toMatch(/Long running operation completed/);
    expect(resultText(body.results[1]!)).toBe("Echo: second");
    expect(body.results[2]).toMatchObject({ action: "call_handler", result: { func_name: "mcp_handler_play_music" } });
    // Arguments are brought to the schema's types as in execute: "2" became 2.
    expect(resultText(body.results[3]!)).toMatch(/5/);
  }, 20_000);

  it("runs the calls concurrently: three one-second calls end before three seconds, one at a time they cannot", async () => {
    await restBind("batch-concurrent");
    // Connected first, so that the connection's setup is not part of what is compared.
    okBody(await restExecute("batch-concurrent", "mcp_everything_echo", { message: "warm" }));
    const concurrent = Date.now();
    const together = okBody(await restBatch("batch-concurrent", [oneSecond, oneSecond, oneSecond]));
    const concurrentMs = Date.now() - concurrent;
    expect(together.results.every((r) => r.success)).toBe(true);
    expect(concurrentMs).toBeLessThan(3_000);

    const sequential = Date.now();
    const oneByOne = okBody(await restBatch("batch-concurrent", [oneSecond, oneSecond, oneSecond], { maxConcurrency: 1 }));
    expect(oneByOne.results.every((r) => r.success)).toBe(true);
    expect(Date.now() - sequential).toBeGreaterThanOrEqual(3_000);
  }, 30_000);

  it("fails an unknown tool, refused arguments and a timeout each in its own result, the rest succeeding", async () => {
    await restBind("batch-failures");
    const body = okBody(
      await restBatch("batch-failures", [
        { tool_name: "mcp_nothing_here" },
        { tool_name: "mcp_everything_echo", arguments: {} },
        { tool_name: LONG, arguments: { duration: 2, steps: 1 }, timeout_ms: 300 },
        { tool_name: "mcp_everything_echo", arguments: { message: "fine" } },
      ]),
    );
    expect(body.results[0]).toMatchObject({
      success: false,
      action: "error",
      error: { code: "tool_not_found", message: 'no tool named "mcp_nothing_here" in this session' },
    });
    expect(body.results[1]?.error).toMatchObject({ code: "invalid_arguments" });
    expect(body.results[2]?.error).toMatchObject({ code: "upstream_timeout" });
    expect(resultText(body.results[3]!)).toBe("Echo: fine");
  }, 20_000);

  it("refuses more calls than the limit, an empty batch and a concurrency out of bounds, naming the field", async () => {
    await restBind("batch-limits");
    const call = { tool_name: "local_get_time" };
    const tooMany = await restBatch(
      "batch-limits",
      Array.from({ length: 17 }, () => call),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error?.code).toBe("invalid_request");
    expect(fieldDetails(tooMany.body)[0]).toMatchObject({ field: "calls" });
    expect(tooMany.body.error?.message).toMatch(/at most 16 calls \(MAX_BATCH_CALLS\)/);

    const empty = await restBatch("batch-limits", []);
    expect(empty.status).toBe(400);
    expect(fieldDetails(empty.body)[0]).toMatchObject({ field: "calls" });

    const wide = await restBatch("batch-limits", [call], { maxConcurrency: 9 });
    expect(wide.status).toBe(400);
    expect(fieldDetails(wide.body)[0]).toMatchObject({ field: "max_concurrency" });

    const unknownField = await restBatch("batch-limits", [{ ...call, mode: "async" }]);
    expect(unknownField.status).toBe(400);

    expect(
      okBody(
        await restBatch(
          "batch-limits",
          Array.from({ length: 16 }, () => call),
        ),
      ).results,
    ).toHaveLength(16);
  });

  it("answers session_not_found for an unknown session and for another tenant's", async () => {
    await restBind("batch-tenant");
    const unknown = await restBatch("batch-nobody", [{ tool_name: "local_get_time" }]);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe("session_not_found");
    const other = await restBatch("batch-tenant", [{ tool_name: "local_get_time" }], { key: TENANT_B_KEY });
    expect(other.status).toBe(404);
    expect(other.body.error?.code).toBe("session_not_found");
  });

  it("is served over RPC too, with the same per-call results", async () => {
    await restBind("batch-rpc");
    const client = rpcClient("connect-json");
    const answer = await client.batchExecuteTools({
      sessionId: "batch-rpc",
      calls: [{ toolName: "mcp_everything_echo", argumentsJson: { message: "rpc" } }, { toolName: "mcp_nothing_here" }],
    });
    expect(answer.results.map((r) => r.success)).toEqual([true, false]);
    expect(answer.results[0]?.result).toBe("Echo: rpc");
    expect(answer.results[1]?.error?.code).toBe("tool_not_found");
    const both = await rpcError(
      client.batchExecuteTools({ sessionId: "batch-rpc", calls: [{ toolName: "x", arguments: { a: "1" }, argumentsJson: {} }] }),
      Code.InvalidArgument,
      "invalid_request",
    );
    expect(both.rawMessage).toMatch(/set calls\[0\]\.arguments or calls\[0\]\.arguments_json, not both/);
  });
});
