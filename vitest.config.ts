import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_API_KEYS } from "./test/keys.ts";
import { substitutionBindings, testMcpServers } from "./test/upstreams/servers.ts";

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        bindings: {
          API_KEYS: JSON.stringify(TEST_API_KEYS),
          // Real MCP servers on loopback, started by the global setup.
          MCP_SERVERS: JSON.stringify(testMcpServers(inject("upstreams"))),
          ...substitutionBindings(inject("upstreams")),
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/upstreams/global-setup.ts"],
    // The upstream hosts are shared and some tests count the requests they receive: one file at a time.
    fileParallelism: false,
  },
});
