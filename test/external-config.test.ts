/**
 * @module test/external-config.test
 * External server configuration: the `.mcp_server_settings.json` shape, `MCP_SERVERS`, `${VAR}` substitution
 * and every configuration error, through `loadConfig` (the same function every request goes through).
 */
import { describe, expect, it, vi } from "vitest";
import { loadConfig, requireConfig } from "../src/config/load";
import { ApiError } from "../src/errors";
import { stringContaining } from "./matchers";

/** A minimal checked-in config with the given servers. */
const withServers = (mcpServers: unknown) => ({ mcpServers });

function servers(env: Record<string, unknown>, raw: unknown = withServers({})) {
  const loaded = loadConfig(env, raw);
  if (!loaded.ok) throw new Error(loaded.message);
  return loaded.config.mcpServers;
}

function problem(env: Record<string, unknown>, raw: unknown = withServers({})) {
  const loaded = loadConfig(env, raw);
  if (loaded.ok) throw new Error("expected an invalid configuration");
  return loaded;
}

describe("MCP server configuration", () => {
  it("accepts a pasted XiaoZhi .mcp_server_settings.json, notes and all", () => {
    const pasted = {
      des: ["在data目录下创建.mcp_server_settings.json文件", "des属性仅为说明,不会被解析。"],
      mcpServers: {
        "Home Assistant": { command: "mcp-proxy", args: ["http://ha.local/mcp_server/sse"], env: { API_ACCESS_TOKEN: "t" } },
        "sse-mcp-server": { url: "http://localhost:8080/sse", headers: { Authorization: "Bearer T" }, des: "SSE（默认）" },
        "streamable-http-mcp-server": {
          url: "http://localhost:9200/mcp",
          transport: "streamable-http",
          link: "https://example.com/docs",
          timeout: 12,
        },
      },
    };
    expect(servers({ MCP_SERVERS: JSON.stringify(pasted) })).toEqual([
      { kind: "stdio", name: "Home Assistant", command: "mcp-proxy", args: ["http://ha.local/mcp_server/sse"] },
      {
        kind: "http",
        name: "sse-mcp-server",
        url: "http://localhost:8080/sse",
        transport: "auto",
        headers: { Authorization: "Bearer T" },
        timeout_ms: undefined,
      },
      {
        kind: "http",
        name: "streamable-http-mcp-server",
        url: "http://localhost:9200/mcp",
        transport: "streamable-http",
        headers: {},
        timeout_ms: 12_000,
      },
    ]);
  });

  it("MCP_SERVERS replaces the checked-in list; unset or empty leaves it", () => {
    const checkedIn = withServers({ weather: { url: "https://weather.example.com/mcp" } });
    const replacement = JSON.stringify({ mcpServers: { maps: { url: "https://maps.example.com/sse", transport: "sse" } } });
    expect(servers({ MCP_SERVERS: replacement }, checkedIn).map((s) => s.name)).toEqual(["maps"]);
    expect(servers({}, checkedIn).map((s) => s.name)).toEqual(["weather"]);
    expect(servers({ MCP_SERVERS: " " }, checkedIn).map((s) => s.name)).toEqual(["weather"]);
  });

  it("transport `http` is Streamable HTTP; a disabled entry is kept as disabled and not validated", () => {
    const raw = withServers({
      a: { url: "https://a.example.com/mcp", transport: "http" },
      b: { url: "${NOPE}", enabled: false },
    });
    expect(servers({}, raw)).toMatchObject([
      { name: "a", transport: "streamable-http" },
      { name: "b", kind: "disabled" },
    ]);
  });

  it("fills ${NAME} and ${NAME:default} from vars and secrets; a default may contain colons", () => {
    const raw = withServers({
      weather: {
        url: "${WEATHER_URL:https://weather.example.com:8443/mcp}",
        headers: { Authorization: "Bearer ${WEATHER_KEY}", "X-Region": "${REGION:cn-east}" },
      },
    });
    expect(servers({ WEATHER_KEY: "k-123", REGION: "eu" }, raw)).toMatchObject([
      { url: "https://weather.example.com:8443/mcp", headers: { Authorization: "Bearer k-123", "X-Region": "eu" } },
    ]);
  });

  it("a missing variable without default makes only its server invalid, naming the field and the variable", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const raw = withServers({
      maps: { url: "https://maps.example.com/mcp" },
      weather: { url: "https://w.example.com/mcp", headers: { Authorization: "Bearer ${WEATHER_KEY}" } },
      news: { url: "https://news.example.com/mcp", headers: { "X-Key": "${NEWS_KEY}" } },
    });
    const loaded = loadConfig({ NEWS_KEY: "n-1" }, raw);
    expect(loaded.ok).toBe(true);
    expect(servers({ NEWS_KEY: "n-1" }, raw)).toEqual([
      expect.objectContaining({ kind: "http", name: "maps" }),
      {
        kind: "invalid",
        name: "weather",
        error: stringContaining(
          'mcpServers.weather.headers.Authorization: server "weather" uses ${WEATHER_KEY}, which is not set',
        ),
      },
      expect.objectContaining({ kind: "http", name: "news", headers: { "X-Key": "n-1" } }),
    ]);
    // Logged when the config is loaded, not on every use of it.
    const logged = warn.mock.calls.filter(([line]) => String(line).includes('"event":"config_servers_left_out"'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(String(logged[0]![0]))).toMatchObject({
      level: "warn",
      servers: [{ name: "weather", error: stringContaining("${WEATHER_KEY}") }],
    });
    warn.mockRestore();
  });

  it("a variable that is a binding, not text, makes its server invalid", () => {
    const raw = withServers({ w: { url: "https://${HOST}/mcp" } });
    expect(servers({ HOST: { get() {} } }, raw)).toEqual([
      { kind: "invalid", name: "w", error: stringContaining("is a binding, not a text var or secret") },
    ]);
  });

  it("stdio entries are not substituted: their variables need not exist here", () => {
    const raw = withServers({ amap: { command: "npx", env: { KEY: "${AMAP_KEY}" } } });
    expect(servers({}, raw)).toMatchObject([{ kind: "stdio", name: "amap" }]);
  });

  it("reports each invalid entry under its name and field", () => {
    const raw = withServers({
      bad_url: { url: "ftp://files.example.com" },
      bad_transport: { url: "https://x.example.com/mcp", transport: "websocket" },
      unknown_key: { url: "https://x.example.com/mcp", retries: 3 },
      too_slow: { url: "https://x.example.com/mcp", timeout: 301 },
      no_url: { headers: {} },
      bad_stdio: { command: "" },
    });
    const fields = (problem({}, raw).details as Array<{ field: string }>).map((d) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "mcpServers.bad_url.url",
        "mcpServers.bad_transport.transport",
        "mcpServers.unknown_key.retries",
        "mcpServers.too_slow.timeout",
        "mcpServers.no_url.url",
        "mcpServers.bad_stdio.command",
      ]),
    );
  });

  it("MCP_SERVERS that is not JSON, or not the document shape, is an error naming MCP_SERVERS", () => {
    // The parser's reason quotes the text near the error; a token written there must not be repeated.
    const leaky = problem({
      MCP_SERVERS: '{"mcpServers":{"w":{"url":"https://x/mcp","headers":{"Authorization":Bearer sk-secret-123}}}}',
    });
    expect(leaky.message).toContain("MCP_SERVERS is not valid JSON");
    expect(JSON.stringify(leaky)).not.toContain("Bearer sk-");
    expect(problem({ MCP_SERVERS: "{mcpServers:" }).details).toEqual([
      expect.objectContaining({ field: "MCP_SERVERS", rule: "invalid_json" }),
    ]);
    expect(problem({ MCP_SERVERS: JSON.stringify({ servers: {} }) }).message).toMatch(/MCP_SERVERS/);
  });

  it("the API answers an invalid configuration with 503 config_invalid", () => {
    const env = { MCP_SERVERS: JSON.stringify({ mcpServers: { w: { url: "ftp://${HOST}/mcp" } } }), HOST: "h" };
    try {
      requireConfig(env);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(503);
      expect((error as ApiError).toBody().error).toMatchObject({
        code: "config_invalid",
        message: stringContaining("mcpServers.w.url"),
      });
    }
  });

  it("is validated again when a substituted variable changes, and only then", () => {
    const raw = withServers({ w: { url: "https://w.example.com/mcp", headers: { Authorization: "${KEY}" } } });
    const first = loadConfig({ KEY: "one" }, raw);
    expect(loadConfig({ KEY: "one" }, raw)).toBe(first);
    expect(servers({ KEY: "two" }, raw)).toMatchObject([{ headers: { Authorization: "two" } }]);
  });

  it("external settings have defaults an operator can override", () => {
    const loaded = loadConfig({}, { external: { tool_prefix: "", call_timeout_ms: 10_000 } });
    expect(loaded.ok && loaded.config.external).toMatchObject({
      tool_prefix: "",
      call_timeout_ms: 10_000,
      list_timeout_ms: 5_000,
      connect_timeout_ms: 10_000,
      idle_close_seconds: 120,
      tool_cache_ttl_seconds: 300,
      breaker: { failure_threshold: 5, cooldown_ms: 30_000 },
    });
    expect(loadConfig({}, { external: { tool_prefix: "mcp." } }).ok).toBe(false);
  });
});
