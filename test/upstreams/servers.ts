/**
 * @module test/upstreams/servers
 * The external MCP servers the test Worker is configured with (its `MCP_SERVERS` binding), pointing at the
 * hosts the global setup starts. Shared by vitest.config.ts and the tests, which refer to servers by these names.
 */
import type {} from "vitest";

/** The upstream hosts the global setup starts, by role. */
export const UPSTREAM_HOSTS = {
  /** Used by most tests; never stopped. */
  stable: {},
  /** Stopped and restarted by the resilience tests only. */
  flaky: {},
  /** Needs `Authorization: Bearer <GUARDED_TOKEN>`: the server entry gets it through `${...}` substitution. */
  guarded: { requiredToken: "guarded-test-token" },
  /** Used by the short-timers project only (its SSE start is held back there). */
  short_timers: {},
  /** Speaks the 2026-07-28 era only (stateless, refuses `initialize`): see modern-host.ts. */
  modern: { era: "2026-07-28" },
} as const;
export type UpstreamHostName = keyof typeof UPSTREAM_HOSTS;

/** What the global setup hands the tests: the control endpoint and each host's base URL. */
export interface Upstreams {
  control: string;
  urls: Record<UpstreamHostName, string>;
}

declare module "vitest" {
  interface ProvidedContext {
    upstreams: Upstreams;
  }
}

/** Vars and secrets the test Worker gets besides `MCP_SERVERS`, read by `${...}` in the entries below. */
export function substitutionBindings(upstreams: Upstreams): Record<string, string> {
  return { GUARDED_URL: upstreams.urls.guarded, GUARDED_TOKEN: UPSTREAM_HOSTS.guarded.requiredToken };
}

/** The `MCP_SERVERS` document: every kind of entry an operator may write. */
export function testMcpServers(upstreams: Upstreams) {
  const { stable, flaky, modern } = upstreams.urls;
  return {
    des: "notes like this one, from the XiaoZhi example file, are ignored",
    mcpServers: {
      everything: { url: `${stable}/mcp`, transport: "streamable-http" },
      everything_sse: { url: `${stable}/sse`, transport: "sse", des: "same tools as everything: every name collides" },
      slow_server: { url: `${stable}/mcp`, transport: "http", timeout: 0.5 },
      restartable: { url: `${flaky}/mcp` },
      restartable_sse: { url: `${flaky}/sse`, link: "transport auto: Streamable HTTP is refused, SSE answers" },
      guarded: {
        url: "${GUARDED_URL}/mcp",
        transport: "streamable-http",
        headers: { Authorization: "Bearer ${GUARDED_TOKEN}", "X-Client": "${CLIENT_TAG:xiaozhi-tests}" },
      },
      // transport auto: Streamable HTTP, where `server/discover` finds the 2026-07-28 era.
      modern: { url: `${modern}/mcp`, timeout: 2 },
      amap: { command: "npx", args: ["-y", "@amap/amap-maps-mcp-server"], env: { AMAP_MAPS_API_KEY: "${AMAP_KEY}" } },
      switched_off: { url: "${NOT_SET_ANYWHERE}/mcp", enabled: false },
      // A deleted secret: this server alone is invalid, everything else works (test/invalid-server.test.ts).
      secret_deleted: { url: "${GUARDED_URL}/mcp", headers: { Authorization: "Bearer ${DELETED_SECRET}" } },
    },
  };
}

/**
 * The `MCP_SERVERS` document of the short-timers project (test/short-timers/): one host over both transports,
 * so its tests can hold the host's SSE start back and count its sessions without disturbing anyone else.
 */
export function shortTimerServers(upstreams: Upstreams) {
  const base = upstreams.urls.short_timers;
  return {
    mcpServers: {
      timers: { url: `${base}/mcp`, transport: "streamable-http" },
      timers_sse: { url: `${base}/sse`, transport: "sse" },
    },
  };
}

/**
 * The `MCP_SERVERS` document of the limits project (test/limits/): the stable host twice, once with the
 * operator's tool filter (`echo` and `get-*` but `get-env`), once without.
 */
export function filteredServers(upstreams: Upstreams) {
  const { stable } = upstreams.urls;
  return {
    mcpServers: {
      filtered: {
        url: `${stable}/mcp`,
        transport: "streamable-http",
        tools: { allow: ["echo", "get-*"], deny: ["get-env"] },
      },
      open: { url: `${stable}/mcp`, transport: "streamable-http" },
    },
  };
}
