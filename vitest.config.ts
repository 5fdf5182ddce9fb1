/**
 * @module vitest.config
 * The test projects: `service` (the Worker as configured for most tests), `short-timers` (the same Worker
 * with connection timers of a second or two) and `limits` (small session cap and rate limit), all in workerd
 * with real upstream MCP servers on loopback. Only `limits` has the rate limit on: the others send far more
 * requests per tenant than any limit worth having.
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";
import { TEST_API_KEYS, TEST_METRICS_TOKEN } from "./test/keys.ts";
import { TEST_RATE_LIMIT } from "./test/limits/settings.ts";
import { dropWorkerdNoise, withoutBrokenSourcemaps } from "./test/quiet-output.ts";
import {
  filteredServers,
  shortTimerServers,
  substitutionBindings,
  testMcpServers,
  type Upstreams,
} from "./test/upstreams/servers.ts";

/**
 * The Worker under test, with real MCP servers on loopback (started by the global setup) as its `MCP_SERVERS`;
 * the rate limit off unless `rateLimit` gives the binding's limit.
 */
function testWorker(mcpServers: (upstreams: Upstreams) => object, rateLimit?: typeof TEST_RATE_LIMIT) {
  return cloudflareTest(({ inject }) => ({
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      bindings: {
        API_KEYS: JSON.stringify(TEST_API_KEYS),
        METRICS_TOKEN: TEST_METRICS_TOKEN,
        MCP_SERVERS: JSON.stringify(mcpServers(inject("upstreams"))),
        RATE_LIMITS: rateLimit ? "on" : "off",
        ...substitutionBindings(inject("upstreams")),
      },
      ...(rateLimit && { ratelimits: { TENANT_RATE_LIMITER: { namespace_id: "1001", simple: rateLimit } } }),
    },
  }));
}

/** Replaces the checked-in config/service.config.json with `file` (relative to this one). */
const configFile = (file: string) => ({
  alias: [{ find: /^.*\/config\/service\.config\.json$/, replacement: fileURLToPath(new URL(file, import.meta.url)) }],
});

const globalSetup = ["./test/upstreams/global-setup.ts"];

dropWorkerdNoise();

export default defineConfig({
  test: {
    // Console output of passing tests is the service's expected-failure logging: shown for failing tests only.
    silent: "passed-only",
    // The upstream hosts are shared and some tests count the requests they receive: one file at a time.
    fileParallelism: false,
    projects: [
      {
        plugins: [testWorker(testMcpServers), withoutBrokenSourcemaps()],
        test: {
          name: "service",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/short-timers/**", "test/limits/**"],
          globalSetup,
        },
      },
      {
        // The Worker deployed with test/short-timers/service.config.json in place of the checked-in config:
        // connection timers of a second or two, for the tests that wait for them.
        plugins: [testWorker(shortTimerServers), withoutBrokenSourcemaps()],
        resolve: configFile("./test/short-timers/service.config.json"),
        test: { name: "short-timers", include: ["test/short-timers/**/*.test.ts"], globalSetup },
      },
      {
        // The Worker with test/limits/service.config.json (a cap of a few sessions per tenant, the rate limit's
        // period), a rate limit of TEST_RATE_LIMIT and an external server with a tool filter.
        plugins: [testWorker(filteredServers, TEST_RATE_LIMIT), withoutBrokenSourcemaps()],
        resolve: configFile("./test/limits/service.config.json"),
        test: { name: "limits", include: ["test/limits/**/*.test.ts"], globalSetup },
      },
    ],
  },
});
