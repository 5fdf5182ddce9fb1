/**
 * @module vitest.config
 * The test projects: `service` (the Worker as configured for most tests) and `short-timers` (the same Worker
 * with connection timers of a second or two), both in workerd with real upstream MCP servers on loopback.
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";
import { TEST_API_KEYS } from "./test/keys.ts";
import { dropWorkerdNoise, withoutBrokenSourcemaps } from "./test/quiet-output.ts";
import { shortTimerServers, substitutionBindings, testMcpServers, type Upstreams } from "./test/upstreams/servers.ts";

/** The Worker under test, with real MCP servers on loopback (started by the global setup) as its `MCP_SERVERS`. */
function testWorker(mcpServers: (upstreams: Upstreams) => object) {
  return cloudflareTest(({ inject }) => ({
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      bindings: {
        API_KEYS: JSON.stringify(TEST_API_KEYS),
        MCP_SERVERS: JSON.stringify(mcpServers(inject("upstreams"))),
        ...substitutionBindings(inject("upstreams")),
      },
    },
  }));
}

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
          exclude: [...configDefaults.exclude, "test/short-timers/**"],
          globalSetup,
        },
      },
      {
        // The Worker deployed with test/short-timers/service.config.json in place of the checked-in config:
        // connection timers of a second or two, for the tests that wait for them.
        plugins: [testWorker(shortTimerServers), withoutBrokenSourcemaps()],
        resolve: {
          alias: [
            {
              find: /^.*\/config\/service\.config\.json$/,
              replacement: fileURLToPath(new URL("./test/short-timers/service.config.json", import.meta.url)),
            },
          ],
        },
        test: { name: "short-timers", include: ["test/short-timers/**/*.test.ts"], globalSetup },
      },
    ],
  },
});
