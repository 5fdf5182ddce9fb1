/**
 * @module test/invalid-server.test
 * A server entry naming a variable that is not set (a deleted secret: `secret_deleted` in the test Worker's
 * `MCP_SERVERS`) leaves that server out and reports it, and everything else keeps working. How the config is
 * loaded is tested in external-config.test.ts.
 */
import { describe, expect, it } from "vitest";
import { indexBy, okBody, restBind, restExecute, restListServers, restListTools, restRequest } from "./api";
import { stringContaining } from "./matchers";
import { rpcClient } from "./rpc-client";

describe("a server whose entry names a deleted secret", () => {
  it("is shown as invalid, with why, over REST and RPC", async () => {
    await restBind("invalid-server");
    const servers = indexBy(okBody(await restListServers("invalid-server")).servers, "name");
    expect(servers.secret_deleted).toEqual({
      name: "secret_deleted",
      status: "invalid",
      transport: null,
      transport_in_use: null,
      url: null,
      tool_count: null,
      tools_fetched_at: null,
      last_error: stringContaining("${DELETED_SECRET}, which is not set"),
      last_latency_ms: null,
      breaker: null,
    });
    const rpc = await rpcClient("connect-json").listServers({ sessionId: "invalid-server" });
    expect(rpc.servers.find((s) => s.name === "secret_deleted")).toMatchObject({
      status: "invalid",
      lastError: stringContaining("DELETED_SECRET"),
    });
  });

  it("leaves local tools, the other servers and the API working; /health says the config is partial", async () => {
    await restBind("invalid-server-rest");
    expect((await restExecute("invalid-server-rest", "local_get_time")).body.success).toBe(true);
    const echo = await restExecute("invalid-server-rest", "mcp_everything_echo", { message: "still here" });
    expect(echo.body).toMatchObject({ success: true, result: "Echo: still here" });
    const { sources } = okBody(await restListTools("invalid-server-rest"));
    expect(indexBy(sources, "source").everything).toMatchObject({ status: "ok" });

    const health = await restRequest<{ status: string; config: string }>("/health", { key: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: "degraded", config: "partial" });
  });
});
