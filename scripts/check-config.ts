/**
 * @module scripts/check-config
 * `npm run check-config`: validates config/service.config.json (or `--config <file>`) and an `MCP_SERVERS` value
 * (`--mcp-servers <file>`, else the `MCP_SERVERS` environment variable) with the service's own loader
 * (src/config/check.ts, bundled for Node by esbuild), and prints every problem without starting the service.
 * The other vars it reads (`SESSION_IDLE_TTL_SECONDS`, `RATE_LIMITS`, `LOG_LEVEL`, and any `${NAME}` an entry
 * names) come from the environment, as `--var` gives them to `wrangler dev`. Exits 1 when the service would answer
 * 503 `config_invalid`, 0 otherwise (warnings included).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

/** src/config/check.ts's `checkConfig`, as the bundle exports it (the script's tsconfig does not follow src/). */
type CheckConfig = (
  raw: unknown,
  env: Record<string, string | undefined>,
) => { errors: Array<{ field: string; rule: string; message: string }>; warnings: string[] };

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: { config: { type: "string", default: join(root, "config/service.config.json") }, "mcp-servers": { type: "string" } },
});

async function loadChecker(): Promise<CheckConfig> {
  const dir = await mkdtemp(join(tmpdir(), "check-config-"));
  try {
    const outfile = join(dir, "check.mjs");
    await build({
      entryPoints: [join(root, "src/config/check.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile,
      logLevel: "error",
    });
    const module = (await import(pathToFileURL(outfile).href)) as { checkConfig: CheckConfig };
    return module.checkConfig;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let raw: unknown;
try {
  raw = JSON.parse(await readFile(values.config, "utf8"));
} catch (error) {
  console.error(`✗ ${values.config}: cannot be read as JSON: ${String(error)}`);
  process.exit(1);
}
const env: Record<string, string | undefined> = { ...process.env };
if (values["mcp-servers"] !== undefined) env.MCP_SERVERS = await readFile(values["mcp-servers"], "utf8");

const checkConfig = await loadChecker();
const { errors, warnings } = checkConfig(raw, env);
const source = values["mcp-servers"] ?? (env.MCP_SERVERS === undefined ? "the config file's mcpServers" : "$MCP_SERVERS");
console.log(`checked ${values.config} with MCP_SERVERS from ${source}`);
for (const issue of errors) console.log(`✗ ${issue.field}: ${issue.message} (${issue.rule})`);
for (const warning of warnings) console.log(`! ${warning}`);
console.log(
  errors.length === 0
    ? `ok: ${warnings.length} warning(s)`
    : `invalid: ${errors.length} problem(s), ${warnings.length} warning(s)`,
);
process.exit(errors.length === 0 ? 0 : 1);
