import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_API_KEYS } from "./test/keys.ts";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: { bindings: { API_KEYS: JSON.stringify(TEST_API_KEYS) } },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
  },
});
