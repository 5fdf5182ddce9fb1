/**
 * @module test/observability-log.test
 * The structured log, read from the console as the runtime gets it: one `request` line per request with its
 * route, status, tenant, session, tool, source and request id; one line per failure the gateway does not see in
 * an HTTP status (a failed execution, a device timeout, an upstream that went down and came back, the relay's
 * life, an expired session), carrying the request's id where a request caused it; background failures (an
 * upstream refusing connects, a dropped device frame, an unusable input schema) as JSON lines with their event;
 * the id in error bodies; no key, token or argument value in any line; and the configured level.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type ErrorBody, restBind, restExecute, restRequest } from "./api";
import { openRelay, untilDeviceReady } from "./device-gateway";
import { DeviceSimulator, type SimTool } from "./device-simulator";
import { TENANT_A_KEY } from "./keys";
import { pollUntil } from "./poll";
import { sessionObject } from "./session-object";
import { upstream } from "./upstreams/control";
import { Logger } from "../src/observability/log";

type Line = Record<string, unknown> & { level: string; event: string };

/** Every JSON line written to the console since {@link beforeEach}, parsed. */
let lines: Line[] = [];

beforeEach(() => {
  lines = [];
  for (const method of ["debug", "log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      if (args.length !== 1 || typeof args[0] !== "string" || !args[0].startsWith("{")) return;
      lines.push(JSON.parse(args[0]) as Line);
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

const withEvent = (event: string) => lines.filter((line) => line.event === event);
const requestLines = (requestId: string) => lines.filter((line) => line.request_id === requestId);

describe("the request line", () => {
  it("names the route, status, tenant, session, tool and source of an execute, under the caller's request id", async () => {
    await restBind("log-exec");
    const res = await restRequest("/api/v1/mcp/tools/local_get_time/execute", {
      body: { session_id: "log-exec" },
      headers: { "X-Request-Id": "gw-log-1" },
    });
    expect(res.status).toBe(200);
    expect(requestLines("gw-log-1")).toEqual([
      {
        level: "info",
        event: "request",
        request_id: "gw-log-1",
        method: "POST",
        route: "/api/v1/mcp/tools/:toolName/execute",
        status: 200,
        duration_ms: expect.any(Number) as number,
        tenant: "tenant-a",
        session: "log-exec",
        tool: "local_get_time",
        source: "local",
      },
    ]);
  });

  it("is written for refusals and unknown routes too, and for rpcs by their path", async () => {
    await restRequest("/api/v1/mcp/tools?session_id=x", { key: null, headers: { "X-Request-Id": "gw-log-401" } });
    await restRequest("/nowhere", { key: null, headers: { "X-Request-Id": "gw-log-404" } });
    await restRequest("/mcp.MCPService/GetTools", { body: { sessionId: "nobody" }, headers: { "X-Request-Id": "gw-log-rpc" } });
    expect(requestLines("gw-log-401")).toMatchObject([{ status: 401, tenant: null, route: "/api/v1/mcp/tools" }]);
    expect(requestLines("gw-log-404")).toMatchObject([{ status: 404, route: null, method: "GET" }]);
    expect(requestLines("gw-log-rpc")).toMatchObject([
      { status: 404, route: "/mcp.MCPService/GetTools", tenant: "tenant-a", session: "nobody" },
    ]);
  });
});

describe("request ids", () => {
  it("are in error bodies, the same as X-Request-Id", async () => {
    const given = await restRequest<ErrorBody>("/api/v1/mcp/sessions/nobody", { headers: { "X-Request-Id": "gw-err-1" } });
    expect(given.body.error).toMatchObject({ code: "session_not_found", request_id: "gw-err-1" });
    const generated = await restRequest<ErrorBody>("/api/v1/mcp/sessions/nobody");
    expect(generated.body.error?.request_id).toBe(generated.headers.get("X-Request-Id"));
    const relay = await restRequest<ErrorBody>("/api/v1/mcp/sessions/nobody/relay", {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" },
    });
    expect([relay.status, relay.body.error?.request_id]).toEqual([404, relay.headers.get("X-Request-Id")]);
  });

  it("are Cloudflare's cf-ray when the caller sent none", async () => {
    const res = await restRequest<ErrorBody>("/api/v1/mcp/sessions/nobody", { headers: { "cf-ray": "8f1c2a3b4d5e6f70-HKG" } });
    expect(res.headers.get("X-Request-Id")).toBe("8f1c2a3b4d5e6f70-HKG");
    expect(res.body.error?.request_id).toBe("8f1c2a3b4d5e6f70-HKG");
    const own = await restRequest("/health", {
      key: null,
      headers: { "cf-ray": "8f1c2a3b4d5e6f71-HKG", "X-Request-Id": "gw-own" },
    });
    expect(own.headers.get("X-Request-Id")).toBe("gw-own");
  });
});

describe("failures the gateway does not see in the HTTP status", () => {
  it("a failed execution: its code, and for refused arguments each field and rule, with the request's id", async () => {
    await restBind("log-fail");
    await restRequest("/api/v1/mcp/tools/local_exit/execute", {
      body: { session_id: "log-fail", arguments: {} },
      headers: { "X-Request-Id": "gw-fail-1" },
    });
    expect(requestLines("gw-fail-1")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: "warn",
          event: "execution_failed",
          tenant: "tenant-a",
          session: "log-fail",
          tool: "local_exit",
          source: "local",
          code: "invalid_arguments",
          fields: [{ field: "arguments.say_goodbye", rule: "invalid_type" }],
        }),
        expect.objectContaining({ event: "request", status: 200 }),
      ]),
    );
  });

  it("a tool's own error by its code only: the upstream's answer quotes the arguments it refused", async () => {
    await restBind("log-tool-error");
    const res = await restRequest("/api/v1/mcp/tools/mcp_everything_get-resource-reference/execute", {
      body: { session_id: "log-tool-error", arguments: { resourceId: 0 } },
      headers: { "X-Request-Id": "gw-tool-error" },
    });
    expect(JSON.stringify(res.body)).toContain("Invalid resourceId: 0");
    const [failed] = requestLines("gw-tool-error").filter((line) => line.event === "execution_failed");
    expect(failed).toMatchObject({ code: "tool_error", source: "external", tool: "mcp_everything_get-resource-reference" });
    expect(JSON.stringify(failed)).not.toContain("resourceId");
  });

  it("a device that did not answer in time, and the relay opening, being replaced and closing", async () => {
    await restBind("log-device");
    const first = await openRelay("log-device", new DeviceSimulator());
    const device = new DeviceSimulator();
    const second = await openRelay("log-device", device);
    expect((await first.closed).code).toBe(4000);
    await untilDeviceReady("log-device");
    device.holdCalls = true;
    await restRequest("/api/v1/mcp/tools/self_get_device_status/execute", {
      body: { session_id: "log-device", timeout_ms: 100 },
      headers: { "X-Request-Id": "gw-timeout-1" },
    });
    expect(requestLines("gw-timeout-1")).toContainEqual(
      expect.objectContaining({
        event: "execution_failed",
        code: "device_timeout",
        source: "device",
        message: expect.stringContaining("100 ms") as string,
      }),
    );
    second.ws.close(1000, "device left");
    await pollUntil(
      () => withEvent("relay_closed"),
      (found) => found.length > 0,
      "the relay's close to be logged",
    );
    const [opened, replaced, reopened, closed] = [
      withEvent("relay_opened"),
      withEvent("relay_replaced"),
      withEvent("relay_opened")[1],
      withEvent("relay_closed"),
    ];
    expect(opened).toHaveLength(2);
    expect(replaced).toEqual([expect.objectContaining({ session: "log-device", relay: opened[0]!.relay, by: reopened!.relay })]);
    expect(closed).toEqual([
      expect.objectContaining({ relay: reopened!.relay, reason: expect.stringContaining("device left") as string }),
    ]);
  });

  it("an upstream that went down and came back, once each however many calls saw it", async () => {
    const flaky = upstream("flaky");
    await restBind("log-upstream");
    await restExecute("log-upstream", "mcp_restartable_echo", { message: "up" });
    await flaky.stop();
    try {
      for (let i = 0; i < 3; i++) {
        const failed = await restExecute("log-upstream", "mcp_restartable_echo", { message: "down" });
        expect(failed.body.error?.code).toBe("upstream_unavailable");
      }
    } finally {
      await flaky.start();
    }
    const back = await pollUntil(
      () => restExecute("log-upstream", "mcp_restartable_echo", { message: "back" }),
      (res) => res.body.success,
      "the upstream to answer again",
    );
    expect(back.body.result).toBe("Echo: back");
    // A call may find the stopping host still accepting connections: ready again, then failed. Each change is
    // one line; a failure while down is none.
    const changes = lines.filter((line) => line.session === "log-upstream" && line.event.startsWith("upstream_"));
    expect(changes[0]).toMatchObject({
      level: "warn",
      event: "upstream_down",
      server: "restartable",
      reason: expect.any(String) as string,
    });
    expect(changes.at(-1)).toMatchObject({ level: "info", event: "upstream_up", server: "restartable" });
    changes.forEach((line, i) => expect(line.event).toBe(i % 2 === 0 ? "upstream_down" : "upstream_up"));
  }, 30_000);

  it("an expired session", async () => {
    await restBind("log-expire");
    const stub = sessionObject("log-expire");
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", Date.now() - 25 * 3600 * 1000);
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(withEvent("session_expired")).toEqual([
      expect.objectContaining({ tenant: "tenant-a", session: "log-expire", idle_seconds: expect.any(Number) as number }),
    ]);
  });
});

describe("background failures, each one JSON line with its event", () => {
  it("an upstream that refuses connects: upstream_connect_failed with the server, the reason and the session", async () => {
    const flaky = upstream("flaky");
    await restBind("log-refused");
    await flaky.stop();
    try {
      const failed = await restExecute("log-refused", "mcp_restartable_echo", { message: "down" });
      expect(failed.body.error?.code).toBe("upstream_unavailable");
    } finally {
      await flaky.start();
    }
    expect(withEvent("upstream_connect_failed").filter((line) => line.session === "log-refused")).toContainEqual({
      level: "warn",
      event: "upstream_connect_failed",
      tenant: "tenant-a",
      session: "log-refused",
      server: "restartable",
      reason: expect.stringContaining("cannot connect to restartable") as string,
    });
  }, 30_000);

  it("a device frame dropped: device_frame_dropped with the drop's kind and reason", async () => {
    await restBind("log-drop");
    const relay = await openRelay("log-drop", new DeviceSimulator());
    await untilDeviceReady("log-drop");
    relay.ws.send("not json");
    const dropped = await pollUntil(
      () => withEvent("device_frame_dropped").filter((line) => line.session === "log-drop"),
      (found) => found.length > 0,
      "the drop to be logged",
    );
    expect(dropped).toEqual([
      {
        level: "warn",
        event: "device_frame_dropped",
        tenant: "tenant-a",
        session: "log-drop",
        drop: "not_json",
        reason: expect.any(String) as string,
      },
    ]);
    relay.ws.close(1000, "done");
  });

  it("a tool whose input schema is not valid JSON Schema: tool_schema_invalid once, with the request's id", async () => {
    await restBind("log-schema");
    const broken: SimTool = {
      name: "self.broken_schema",
      description: "a tool whose schema names an unknown type",
      declared: { inputSchema: { type: "object", properties: { a: { type: "strin" } } } },
      run: () => "ran",
    };
    await openRelay("log-schema", new DeviceSimulator({ boardTools: [broken] }));
    await untilDeviceReady("log-schema");
    for (const id of ["gw-schema-1", "gw-schema-2"]) {
      const res = await restRequest<{ success: boolean }>("/api/v1/mcp/tools/self_broken_schema/execute", {
        body: { session_id: "log-schema", arguments: { a: 1 } },
        headers: { "X-Request-Id": id },
      });
      expect(res.body.success).toBe(true);
    }
    expect(withEvent("tool_schema_invalid")).toEqual([
      {
        level: "warn",
        event: "tool_schema_invalid",
        tenant: "tenant-a",
        session: "log-schema",
        request_id: "gw-schema-1",
        tool: "self_broken_schema",
        source: "device",
        problem: expect.stringContaining("strin") as string,
      },
    ]);
  });
});

describe("what never reaches the log", () => {
  it("API keys, the bound token and argument values", async () => {
    await restBind("log-secrets", { token: "bound-secret-token-77" });
    await restExecute("log-secrets", "local_play_music", { song_name: "secret-song-name-42" });
    await restExecute("log-secrets", "local_exit", { say_goodbye: { text: "secret-goodbye-55" } });
    await restExecute("log-secrets", "mcp_everything_echo", { message: "secret-echo-text-99" });
    // An external tool's schema check quotes the value it refuses: the log keeps the field and rule only.
    await restExecute("log-secrets", "mcp_everything_sse_get-sum", { a: "secret-sum-66", b: 1 });
    const failed = withEvent("execution_failed");
    expect(failed.map((line) => line.code)).toEqual(["invalid_arguments", "invalid_arguments"]);
    expect(failed[1]).toMatchObject({ fields: [{ field: "arguments.a", rule: "type" }] });
    const text = JSON.stringify(lines);
    for (const secret of [
      TENANT_A_KEY,
      "bound-secret-token-77",
      "secret-song-name-42",
      "secret-goodbye-55",
      "secret-echo-text-99",
      "secret-sum-66",
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("fields named for credentials or arguments, whoever passes them", () => {
    new Logger("info").warn("probe", { authorization: "Bearer k", token: "t", arguments: { a: 1 }, headers: { x: "y" }, ok: 1 });
    expect(withEvent("probe")).toEqual([
      {
        level: "warn",
        event: "probe",
        authorization: "[redacted]",
        token: "[redacted]",
        arguments: "[redacted]",
        headers: "[redacted]",
        ok: 1,
      },
    ]);
  });
});

describe("the level", () => {
  it("leaves out the lines below it", () => {
    const logger = new Logger("warn");
    logger.info("quiet");
    logger.debug("quieter");
    logger.warn("loud");
    logger.error("louder");
    expect(lines.map((line) => line.event)).toEqual(["loud", "louder"]);
  });
});
