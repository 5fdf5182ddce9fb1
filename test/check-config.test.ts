/**
 * @module test/check-config.test
 * What `npm run check-config` reports (src/config/check.ts): nothing for the checked-in config; every problem at
 * once otherwise (the file's, each bad var's, the servers' entries), and as warnings the servers that would be
 * left out or cannot run.
 */
import { describe, expect, it } from "vitest";
import checkedIn from "../config/service.config.json";
import { checkConfig } from "../src/config/check";

describe("checkConfig", () => {
  it("finds nothing wrong with the checked-in config", () => {
    expect(checkConfig(checkedIn, {})).toEqual({ errors: [], warnings: [] });
  });

  it("reports every problem at once: the file's, each var's, the servers'", () => {
    const raw = { ...checkedIn, timezone: "Mars/Olympus" };
    const mcpServers = JSON.stringify({ mcpServers: { bad: { url: "ftp://x" } } });
    const report = checkConfig(raw, {
      LOG_LEVEL: "loud",
      RATE_LIMITS: "maybe",
      SESSION_IDLE_TTL_SECONDS: "soon",
      MCP_SERVERS: mcpServers,
    });
    expect(report.errors.map((issue) => issue.field).sort()).toEqual(
      ["LOG_LEVEL", "RATE_LIMITS", "SESSION_IDLE_TTL_SECONDS", "mcpServers.bad.url", "timezone"].sort(),
    );
  });

  it("warns of servers left out for a variable not set, and of stdio servers", () => {
    const mcpServers = JSON.stringify({
      mcpServers: { w: { url: "${W_URL}/mcp" }, fs: { command: "npx", args: ["-y", "server-filesystem"] } },
    });
    const report = checkConfig(checkedIn, { MCP_SERVERS: mcpServers });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([
      expect.stringMatching(/^server "w" is left out: .*W_URL/),
      expect.stringMatching(/^server "fs" is a stdio server/),
    ]);
    expect(checkConfig(checkedIn, { MCP_SERVERS: mcpServers, W_URL: "https://w.example.com" }).warnings).toHaveLength(1);
  });
});
