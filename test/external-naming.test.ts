/**
 * External tool names, circuit breaker and result conversion: pure units, no upstream needed.
 */
import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../src/tools/external/breaker";
import { assignToolNames, toolKey } from "../src/tools/external/naming";
import { fromCallToolResult } from "../src/tools/result";

const LLM_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function names(prefix: string, catalogs: Record<string, string[]>): Record<string, string> {
  const assigned = assignToolNames(prefix, new Map(Object.entries(catalogs)));
  return Object.fromEntries([...assigned].map(([key, name]) => [JSON.parse(key).join("/"), name]));
}

describe("external tool names", () => {
  it("prefixes with mcp_ like xiaozhi-server-go when names do not clash", () => {
    expect(names("mcp_", { weather: ["get_forecast"], maps: ["route"] })).toEqual({
      "weather/get_forecast": "mcp_get_forecast",
      "maps/route": "mcp_route",
    });
  });

  it("qualifies a name two servers share with each server's name, whatever the order they come in", () => {
    const expected = { "a/echo": "mcp_a_echo", "b/echo": "mcp_b_echo", "b/sum": "mcp_sum" };
    expect(names("mcp_", { a: ["echo"], b: ["echo", "sum"] })).toEqual(expected);
    expect(names("mcp_", { b: ["sum", "echo"], a: ["echo"] })).toEqual(expected);
  });

  it("never loses a tool when a qualified name clashes with another tool's plain name", () => {
    // a/echo and b/echo become mcp_a_echo and mcp_b_echo, which c's own tool "a_echo" already takes as mcp_a_echo.
    const assigned = names("mcp_", { a: ["echo"], b: ["echo"], c: ["a_echo"] });
    expect(Object.keys(assigned)).toHaveLength(3);
    expect(new Set(Object.values(assigned)).size).toBe(3);
    expect(assigned["c/a_echo"]).toBe("mcp_a_echo");
    expect(assigned["a/echo"]).toMatch(/^mcp_a_echo_[0-9a-f]{8}$/);
  });

  it("makes any upstream name a valid LLM function name of at most 64 characters", () => {
    const long = "x".repeat(80);
    const assigned = names("mcp_", { "Home Assistant": ["查询天气", "light.turn_on", long, `${long}y`] });
    for (const name of Object.values(assigned)) expect(name).toMatch(LLM_NAME);
    expect(assigned["Home Assistant/light.turn_on"]).toBe("mcp_light_turn_on");
    expect(assigned[`Home Assistant/${long}`]).not.toBe(assigned[`Home Assistant/${long}y`]);
  });

  it("keeps a tool already called mcp_x callable: its name is looked up, never stripped", () => {
    const assigned = assignToolNames("mcp_", new Map([["s", ["mcp_x", "x"]]]));
    expect(assigned.get(toolKey({ server: "s", tool: "mcp_x" }))).toBe("mcp_mcp_x");
    expect(assigned.get(toolKey({ server: "s", tool: "x" }))).toBe("mcp_x");
  });

  it("uses the configured prefix, including none", () => {
    expect(names("", { s: ["echo"] })).toEqual({ "s/echo": "echo" });
  });
});

describe("circuit breaker", () => {
  function breaker() {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, now: () => now });
    return { b, advance: (ms: number) => (now += ms) };
  }

  it("opens after the threshold of consecutive failures and fails fast until the cool-down is over", () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.fail();
    }
    expect(b.view()).toMatchObject({ state: "open", consecutive_failures: 3 });
    expect(b.tryAcquire()).toBe(false);
    advance(999);
    expect(b.tryAcquire()).toBe(false);
  });

  it("a success in between resets the count", () => {
    const { b } = breaker();
    b.fail();
    b.fail();
    b.succeed();
    b.fail();
    expect(b.view()).toMatchObject({ state: "closed", consecutive_failures: 1 });
  });

  it("after the cool-down lets exactly one probe through; its success closes the circuit", () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.fail();
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
    expect(b.view().state).toBe("half_open");
    expect(b.tryAcquire()).toBe(false);
    b.succeed();
    expect(b.view()).toMatchObject({ state: "closed", consecutive_failures: 0 });
    expect(b.tryAcquire()).toBe(true);
  });

  it("a failed probe opens the circuit for another cool-down", () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.fail();
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
    b.fail();
    expect(b.view().state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
  });

  it("a cancelled probe lets the next call probe", () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.fail();
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
    b.release();
    expect(b.tryAcquire()).toBe(true);
  });
});

describe("MCP CallToolResult → ExecutionResult", () => {
  it("joins text items into one req_llm string", () => {
    const result = fromCallToolResult("mcp_t", {
      content: [
        { type: "text", text: "line one" },
        { type: "text", text: "line two" },
      ],
    });
    expect(result).toEqual({ success: true, action: "req_llm", result: "line one\nline two", response: null });
  });

  it("keeps images and resources in content and names them in the text", () => {
    const content = [
      { type: "text" as const, text: "here:" },
      { type: "image" as const, data: "iVBORw0KGgo=", mimeType: "image/png" },
      { type: "resource" as const, resource: { uri: "file:///a.txt", text: "resource text" } },
      { type: "resource_link" as const, uri: "file:///b.bin", name: "b" },
    ];
    const result = fromCallToolResult("mcp_t", { content });
    expect(result.success).toBe(true);
    expect(result.result).toBe("here:\n[image image/png]\nresource text\n[resource link file:///b.bin]");
    expect(result.content).toEqual(content);
  });

  it("isError is a tool_error carrying the upstream's text", () => {
    const result = fromCallToolResult("mcp_t", { content: [{ type: "text", text: "city not found" }], isError: true });
    expect(result).toMatchObject({ success: false, action: "error", error: { code: "tool_error", message: "city not found" } });
  });

  it("structured content alone becomes its JSON text", () => {
    const result = fromCallToolResult("mcp_t", { content: [], structuredContent: { temperature: 21 } });
    expect(result.result).toBe('{"temperature":21}');
  });
});
