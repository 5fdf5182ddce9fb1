/**
 * @module test/tool-policy.test
 * The patterns of tool filters: whole names, `*` as any run of characters, every other character literal;
 * deny wins over allow, and a server's filter reads the name the server gives the tool.
 */
import { describe, expect, it } from "vitest";
import type { ToolDescriptor } from "../src/contract/tools";
import { ToolPolicy } from "../src/tools/policy";

const tool = (name: string, server?: string, original = name): ToolDescriptor => ({
  name,
  description: "",
  input_schema: { type: "object" },
  source: server === undefined ? "local" : "external",
  original_name: original,
  ...(server === undefined ? {} : { server }),
});

describe("tool filter patterns", () => {
  const session = (allow?: string[], deny?: string[]) => new ToolPolicy(new Map(), { allow, deny });

  it("match whole names, with * as any run of characters (none included)", () => {
    const policy = session(["mcp_*_echo", "local_get_time"]);
    expect(policy.allows(tool("mcp_a_echo"))).toBe(true);
    expect(policy.allows(tool("mcp__echo"))).toBe(true);
    expect(policy.allows(tool("mcp_a_echo_2"))).toBe(false);
    expect(policy.allows(tool("local_get_time_2"))).toBe(false);
    expect(policy.allows(tool("xlocal_get_time"))).toBe(false);
  });

  it("lets deny win over allow, and allow everything when there is no allow list", () => {
    expect(session(["mcp_*"], ["mcp_get-env"]).allows(tool("mcp_get-env"))).toBe(false);
    expect(session(undefined, ["mcp_get-env"]).allows(tool("mcp_echo"))).toBe(true);
  });

  it("read every other character literally in a server's filter, over the server's names", () => {
    const policy = new ToolPolicy(new Map([["dev", { allow: ["self.audio.*"] }]]), undefined);
    expect(policy.allows(tool("mcp_self_audio_set", "dev", "self.audio.set"))).toBe(true);
    expect(policy.allows(tool("mcp_selfXaudio_set", "dev", "selfXaudio.set"))).toBe(false);
    // Another server's tools, and tools of no server, are not its filter's business.
    expect(policy.allows(tool("mcp_other", "other", "other"))).toBe(true);
    expect(policy.allows(tool("local_exit"))).toBe(true);
  });
});
