/**
 * @module test/limits/tool-filters.test
 * Tool allow/deny lists, against a real upstream: the operator's per server (`filtered` offers `echo` and `get-*`
 * but `get-env`; `open` is the same host unfiltered) and the session's own at bind (REST and Connect). A tool
 * either filter denies is not listed, and executing it is `tool_not_found` without the upstream being called.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ErrorBody,
  fieldDetails,
  indexBy,
  okBody,
  restBind,
  restExecute,
  restListServers,
  restListTools,
  restRequest,
  restUnbind,
} from "../api";
import { rpcClient } from "../rpc-client";
import { sessionObject } from "../session-object";
import { upstream } from "../upstreams/control";

const toolNames = async (sessionId: string) => okBody(await restListTools(sessionId)).tools.map((t) => t.name);
const upstreamCalls = async () => (await upstream("stable").stats()).methods["tools/call"] ?? 0;

/** Executes `tool` and checks it was refused as unknown without any call reaching the upstream. */
async function expectNotFoundUncalled(sessionId: string, tool: string): Promise<void> {
  const before = await upstreamCalls();
  const res = await restExecute(sessionId, tool, { message: "hi" });
  expect(res.status).toBe(404);
  expect((res.body as ErrorBody).error.code).toBe("tool_not_found");
  expect(await upstreamCalls()).toBe(before);
}

afterEach(async () => {
  // The project caps tenants at 3 sessions.
  for (const id of ["server-filter", "session-filter", "rpc-filter", "legacy"]) await restUnbind(id);
});

describe("a server's tool filter in the operator's config", () => {
  it("lists only the tools it allows, by the server's names, and counts only those", async () => {
    await restBind("server-filter");
    const { tools, sources } = okBody(await restListTools("server-filter"));
    const filtered = tools.filter((t) => t.server === "filtered").map((t) => t.original_name);
    expect(filtered).toContain("echo");
    expect(filtered).toContain("get-sum");
    expect(filtered).not.toContain("get-env");
    expect(filtered.every((name) => name === "echo" || name.startsWith("get-"))).toBe(true);
    expect(indexBy(sources, "source").filtered?.tool_count).toBe(filtered.length);
    // GET /servers counts the same tools as the listing.
    const { servers } = okBody(await restListServers("server-filter"));
    expect(indexBy(servers, "name").filtered?.tool_count).toBe(filtered.length);
    // The same tools from the unfiltered server are all there.
    expect(tools.some((t) => t.server === "open" && t.original_name === "get-env")).toBe(true);
  }, 20_000); // the first listing connects to both servers

  it("answers tool_not_found for a denied tool, never calling the server, and calls an allowed one", async () => {
    await restBind("server-filter");
    await expectNotFoundUncalled("server-filter", "mcp_filtered_get-env");
    await expectNotFoundUncalled("server-filter", "mcp_filtered_trigger-long-running-operation");
    const echo = await restExecute("server-filter", "mcp_filtered_echo", { message: "hi" });
    expect(echo.body).toMatchObject({ success: true, result: "Echo: hi" });
  });
});

describe("a session's tool filter at bind", () => {
  const tools = { allow: ["local_*", "mcp_open_*"], deny: ["local_exit", "mcp_open_get-env"] };

  it("lists only what it allows and answers tool_not_found, uncalled, for the rest", async () => {
    await restBind("session-filter", { tools });
    const names = await toolNames("session-filter");
    expect(names).toContain("local_get_time");
    expect(names).toContain("mcp_open_echo");
    expect(names).not.toContain("local_exit");
    expect(names).not.toContain("mcp_open_get-env");
    expect(names.some((name) => name.startsWith("mcp_filtered_"))).toBe(false);

    await expectNotFoundUncalled("session-filter", "mcp_open_get-env");
    await expectNotFoundUncalled("session-filter", "mcp_filtered_echo");
    const exit = await restExecute("session-filter", "local_exit", { say_goodbye: "bye" });
    expect(exit.status).toBe(404);
    expect((await restExecute("session-filter", "mcp_open_echo", { message: "hi" })).body.success).toBe(true);
  });

  it("applies to a compatibility alias as to the tool it stands for", async () => {
    await restBind("session-filter", { tools: { deny: ["local_play_music"] } });
    const res = await restExecute("session-filter", "mcp_handler_play_music", { song: "稻香" });
    expect(res.status).toBe(404);
    expect((res.body as ErrorBody).error.code).toBe("tool_not_found");
  });

  it("is replaced by the next bind: binding again without one offers every tool", async () => {
    await restBind("session-filter", { tools });
    expect(await toolNames("session-filter")).not.toContain("local_exit");
    await restBind("session-filter");
    expect(await toolNames("session-filter")).toContain("local_exit");
  });

  it("is validated: an empty allow list or a pattern with other characters is a 400 naming the field", async () => {
    for (const [filter, field] of [
      [{ allow: [] }, "tools.allow"],
      [{ deny: ["get env"] }, "tools.deny[0]"],
      [{ only: ["x"] }, "tools.only"],
    ] as const) {
      const res = await restRequest<ErrorBody>("/api/v1/mcp/sessions/session-filter/bind", {
        body: { device_id: "AA:BB:CC:DD:EE:FF", client_id: "client-1", tools: filter },
      });
      expect(res.status).toBe(400);
      expect(fieldDetails(res.body).map((d) => d.field)).toContain(field);
    }
  });

  it("is taken over Connect too", async () => {
    const client = rpcClient("connect-json");
    await client.bindSession({
      sessionId: "rpc-filter",
      deviceId: "AA:BB:CC:DD:EE:FF",
      clientId: "client-1",
      tools: { allow: ["local_get_time"], deny: [] },
    });
    const listed = await client.getTools({ sessionId: "rpc-filter" });
    expect(listed.tools.map((t) => t.name)).toEqual(["local_get_time"]);
  });

  it("is stored beside a binding written before filters existed (schema version 3), which still reads", async () => {
    await restBind("legacy");
    const stub = sessionObject("legacy");
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("ALTER TABLE session_binding DROP COLUMN tool_filter");
      state.storage.sql.exec("UPDATE session_meta SET value = '3' WHERE key = 'schema_version'");
    });
    await evictDurableObject(stub);
    expect(await toolNames("legacy")).toContain("local_exit");
    await restBind("legacy", { tools: { deny: ["local_exit"] } });
    expect(await toolNames("legacy")).not.toContain("local_exit");
  });
});
