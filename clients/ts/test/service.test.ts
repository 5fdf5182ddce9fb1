/**
 * The client against the running service: bind, list, execute (each action), read, unbind; the service's error
 * codes with request ids; timeouts; retries only for idempotent calls; the breaker; fallback with the service
 * down.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClientCode, ServiceClient, ServiceError, type ExecutionResult, type FallbackHook } from "../src/index.ts";
import { SERVICE_KEY, SERVICE_URL, closedUrl, sessionId } from "./env.ts";

const client = new ServiceClient({ baseUrl: SERVICE_URL, apiKey: SERVICE_KEY });

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ServiceError, `a ServiceError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.requestId, "a request id");
    return err;
  }
  assert.fail(`expected ${code}`);
}

/** A fetch that counts the calls it passes on. */
function countingFetch(): { fetch: typeof fetch; count: () => number } {
  let n = 0;
  return {
    fetch: (input, init) => {
      n++;
      return fetch(input, init);
    },
    count: () => n,
  };
}

describe("the API", () => {
  it("binds, lists, executes, reads and unbinds a session", async () => {
    const sid = sessionId("life");
    const bound = await client.bindSession(sid, {
      deviceId: "AA:BB:CC:DD:EE:01",
      clientId: "client-1",
      visionUrl: "https://gw.example.com/api/vision",
      token: "server-secret",
    });
    assert.equal(bound.success, true);
    assert.equal(bound.created, true);
    assert.equal(bound.session.has_token, true);
    assert.equal((await client.bindSession(sid, { deviceId: "AA:BB:CC:DD:EE:01", clientId: "client-1" })).created, false);

    const tools = await client.getTools(sid);
    assert.equal(tools.via, "service");
    const names = tools.tools.map((t) => t.name);
    for (const name of ["local_get_time", "local_play_music", "local_exit"]) assert.ok(names.includes(name), name);
    assert.ok(tools.sources.some((s) => s.source === "local" && s.status === "ok"));
    assert.ok(tools.sources.some((s) => s.source === "device" && s.status === "unavailable"));

    const time = await client.executeTool(sid, "local_get_time");
    assert.equal(time.via, "service");
    assert.equal(time.action, "req_llm");
    assert.equal(typeof time.result, "string");
    assert.match(time.request_id ?? "", /^gw-/);

    const music = await client.executeTool(sid, "local_play_music", { song_name: "稻香" });
    assert.equal(music.action, "call_handler");
    assert.deepEqual(music.result, { func_name: "mcp_handler_play_music", args: "稻香" });

    const view = await client.getSession(sid);
    assert.equal(view.device_id, "AA:BB:CC:DD:EE:01");
    assert.equal(view.device.relay, "closed");
    assert.ok((view.tools?.count ?? 0) >= 6);

    assert.equal(await client.unbind(sid), true);
    assert.equal(await client.unbind(sid), false, "unbinding again says it was not bound");
    await rejectsWith(client.getSession(sid), "session_not_found");
  });

  it("answers failed executions as results, and rejected requests as errors with the service's code", async () => {
    const sid = sessionId("errors");
    await client.bindSession(sid, { deviceId: "AA:BB:CC:DD:EE:02", clientId: "client-2" });

    const bad = await client.executeTool(sid, "local_exit", {});
    assert.equal(bad.success, false);
    assert.equal(bad.action, "error");
    assert.equal(bad.error?.code, "invalid_arguments");

    const noTool = await rejectsWith(client.executeTool(sid, "no_such_tool"), "tool_not_found");
    assert.equal(noTool.status, 404);
    assert.equal(noTool.attempts, 1);
    const noSession = await rejectsWith(client.getTools(sessionId("never-bound")), "session_not_found");
    assert.equal(noSession.attempts, 1, "a 404 is not retried");
    assert.equal(noSession.isServiceFailure, false);
    await rejectsWith(client.getTools("bad id"), "invalid_request");
    await rejectsWith(client.executeTool(sid, "local_get_time", {}, { deviceId: "11:22:33:44:55:66" }), "device_mismatch");
    const wrongKey = new ServiceClient({ baseUrl: SERVICE_URL, apiKey: "wrong-key-1234", retryAttempts: 1 });
    const unauthorized = await rejectsWith(wrongKey.getTools(sid), "unauthorized");
    assert.equal(unauthorized.status, 401);
    await client.unbind(sid);
  });
});

describe("timeouts", () => {
  it("gives up after a tiny client timeout (service_timeout), and does not retry an execution", async () => {
    const sid = sessionId("timeout");
    await client.bindSession(sid, { deviceId: "AA:BB:CC:DD:EE:03", clientId: "c" });
    const counting = countingFetch();
    const hasty = new ServiceClient({
      baseUrl: SERVICE_URL,
      apiKey: SERVICE_KEY,
      callTimeoutMs: 1,
      executeTimeoutMs: 100,
      executeSlackMs: -99, // the execute's HTTP wait: 100 − 99 = 1 ms
      retryBaseDelayMs: 1,
      breakerThreshold: 0,
      fetch: counting.fetch,
    });
    const listing = await rejectsWith(hasty.getTools(sid), ClientCode.timeout);
    assert.equal(listing.attempts, 3, "an idempotent call is retried");
    assert.equal(counting.count(), 3);
    const execution = await rejectsWith(hasty.executeTool(sid, "local_get_time"), ClientCode.timeout);
    assert.equal(execution.attempts, 1, "an execution never is");
    assert.equal(counting.count(), 4);
    assert.equal(execution.isServiceFailure, true);
    await client.unbind(sid);
  });

  it("passes timeout_ms through to the service", async () => {
    const sid = sessionId("timeout-ms");
    await client.bindSession(sid, { deviceId: "AA:BB:CC:DD:EE:04", clientId: "c" });
    const sent: unknown[] = [];
    const spy = new ServiceClient({
      baseUrl: SERVICE_URL,
      apiKey: SERVICE_KEY,
      fetch: (input, init) => {
        sent.push(JSON.parse(init?.body as string));
        return fetch(input, init);
      },
    });
    await spy.executeTool(sid, "local_get_time", {}, { timeoutMs: 1234 });
    await spy.executeTool(sid, "local_get_time");
    assert.deepEqual(
      sent.map((b) => (b as { timeout_ms: number }).timeout_ms),
      [1234, 30_000],
    );
    const outOfBounds = await rejectsWith(client.executeTool(sid, "local_get_time", {}, { timeoutMs: 5 }), "invalid_request");
    assert.equal(outOfBounds.status, 400);
    await client.unbind(sid);
  });
});

describe("the service down", () => {
  const gatewayAnswer: ExecutionResult = { success: true, action: "req_llm", result: "the gateway's own answer", response: null };
  const seen: Array<{ tool: string; code: string | undefined }> = [];
  const hook: FallbackHook = {
    executeTool: async (tool, _args, _sid, error) => {
      seen.push({ tool, code: error?.code });
      return gatewayAnswer;
    },
    getTools: async () => [
      {
        name: "gateway_tool",
        description: "the gateway's own",
        input_schema: { type: "object" },
        source: "local",
        original_name: "gateway_tool",
      },
    ],
  };

  it("falls back to the gateway's hook, says so, and logs it", async () => {
    const logs: string[] = [];
    const down = new ServiceClient({
      baseUrl: await closedUrl(),
      apiKey: SERVICE_KEY,
      fallbackHook: hook,
      retryBaseDelayMs: 1,
      logger: (level, message) => logs.push(`${level} ${message}`),
    });
    const result = await down.executeTool("s-down", "local_get_time", {}, { deviceId: "AA:BB:CC:DD:EE:05" });
    assert.equal(result.via, "fallback");
    assert.equal(result.result, "the gateway's own answer");
    assert.equal(result.fallback_error?.code, ClientCode.unavailable);
    assert.match(result.fallback_error?.requestId ?? "", /^gw-/);
    assert.deepEqual(seen.at(-1), { tool: "local_get_time", code: ClientCode.unavailable });
    const tools = await down.getTools("s-down");
    assert.equal(tools.via, "fallback");
    assert.deepEqual(
      tools.tools.map((t) => t.name),
      ["gateway_tool"],
    );
    assert.ok(
      logs.some((l) => l.startsWith("warn executeTool: the service failed (service_unavailable)")),
      logs.join("\n"),
    );
  });

  it("throws the failure when fallback is off; binding is retried, then the circuit opens and calls fail fast", async () => {
    const counting = countingFetch();
    const down = new ServiceClient({
      baseUrl: await closedUrl(),
      apiKey: SERVICE_KEY,
      fallback: false,
      fallbackHook: hook,
      retryBaseDelayMs: 1,
      breakerThreshold: 4,
      breakerCooldownMs: 60_000,
      fetch: counting.fetch,
    });
    const failed = await rejectsWith(down.executeTool("s-down", "local_get_time"), ClientCode.unavailable);
    assert.equal(failed.status, 0);
    const bind = await rejectsWith(down.bindSession("s-down", { deviceId: "d", clientId: "c" }), ClientCode.unavailable);
    assert.equal(bind.attempts, 3);
    assert.equal(counting.count(), 4);
    assert.equal(down.breakerState, "open");
    const fast = await rejectsWith(down.getTools("s-down"), ClientCode.circuitOpen);
    assert.equal(fast.isServiceFailure, true);
    assert.equal(counting.count(), 4, "nothing sent while the circuit is open");
  });

  it("does not fall back on an answer about the request (an unknown tool)", async () => {
    const withHook = new ServiceClient({ baseUrl: SERVICE_URL, apiKey: SERVICE_KEY, fallbackHook: hook });
    const sid = sessionId("no-fallback");
    await withHook.bindSession(sid, { deviceId: "AA:BB:CC:DD:EE:06", clientId: "c" });
    await rejectsWith(withHook.executeTool(sid, "no_such_tool"), "tool_not_found");
    await withHook.unbind(sid);
  });
});
