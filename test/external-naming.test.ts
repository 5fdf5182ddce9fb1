/**
 * @module test/external-naming.test
 * External tool names: how each server's tools are named for the LLM (unit test of src/tools/external/naming.ts).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { assignToolNames, toolKey } from "../src/tools/external/naming";

const LLM_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** What {@link toolKey} encodes: `[server, tool]`. */
const ToolKey = z.tuple([z.string(), z.string()]);

function names(prefix: string, catalogs: Record<string, string[]>): Record<string, string> {
  const assigned = assignToolNames(prefix, new Map(Object.entries(catalogs)));
  return Object.fromEntries([...assigned].map(([key, name]) => [ToolKey.parse(JSON.parse(key)).join("/"), name]));
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
