/**
 * @module api/rest/ready
 * `GET /ready` (no auth): whether the service can serve, check by check. 503 when one check fails — the
 * configuration is invalid, the API keys are missing or invalid, the tool cache (KV) cannot be read — and 200
 * otherwise. External servers that cannot be used as configured (a `${VAR}` not set, a stdio entry) are reported
 * `degraded` and leave the service ready: their tools are missing, nothing else is. How each server is doing
 * live is per tenant: `GET /api/v1/mcp/servers` without `session_id`.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { apiKeysProblem } from "../../auth";
import { loadConfig } from "../../config/load";
import type { AppEnv, Env } from "../../env";
import { raceAbort, timeoutSignal } from "../../util/abort";

/** A KV read slower than this counts as unreachable. */
const KV_PROBE_TIMEOUT_MS = 2_000;
/** A key no one writes: reading it proves the namespace answers. */
const KV_PROBE_KEY = "ready:probe";

const CheckStatus = z.enum(["ok", "degraded", "failed"]);
type Check = z.infer<typeof ReadyCheck>;

const ReadyCheck = z.object({
  name: z.enum(["config", "api_keys", "kv", "servers"]),
  status: CheckStatus.openapi({ description: "`failed` makes the service unready; `degraded` does not" }),
  message: z.string().optional(),
});

export const ReadyResponse = z.object({ status: z.enum(["ready", "not_ready"]), checks: z.array(ReadyCheck) }).openapi("Ready");

const ready = (status: "ready" | "not_ready", checks: Check[]) => ({ status, checks });

export const readyRoute = createRoute({
  method: "get",
  path: "/ready",
  operationId: "getReady",
  tags: ["service"],
  summary: "Readiness: can the service serve (no auth)",
  description:
    "Checks the configuration, the API keys and the tool cache (KV). 503 when one fails; 200 otherwise, with " +
    "external servers that cannot be used as configured reported `degraded`.",
  security: [],
  responses: {
    200: {
      description: "Ready",
      content: {
        "application/json": {
          schema: ReadyResponse,
          example: ready("ready", [
            { name: "config", status: "ok" },
            { name: "api_keys", status: "ok" },
            { name: "kv", status: "ok" },
            { name: "servers", status: "degraded", message: "weather: ${WEATHER_API_KEY} is not set" },
          ]),
        },
      },
    },
    503: {
      description: "Not ready: a check failed",
      content: {
        "application/json": {
          schema: ReadyResponse,
          example: ready("not_ready", [
            { name: "config", status: "ok" },
            { name: "api_keys", status: "failed", message: "no API keys are configured: set the API_KEYS secret …" },
            { name: "kv", status: "ok" },
            { name: "servers", status: "ok" },
          ]),
        },
      },
    },
  },
});

export function registerReady(app: OpenAPIHono<AppEnv>): void {
  app.openapi(readyRoute, async (c) => {
    const checks = [...configChecks(c.env), await kvCheck(c.env)];
    const failed = checks.some((check) => check.status === "failed");
    return failed ? c.json(ready("not_ready", checks), 503) : c.json(ready("ready", checks), 200);
  });
}

/** The configuration, the API keys, and the external servers' entries. */
function configChecks(env: Env): Check[] {
  const loaded = loadConfig(env);
  const keys = apiKeysProblem(env.API_KEYS);
  const apiKeys: Check =
    keys === null ? { name: "api_keys", status: "ok" } : { name: "api_keys", status: "failed", message: keys };
  if (!loaded.ok) {
    return [{ name: "config", status: "failed", message: loaded.message }, apiKeys, { name: "servers", status: "failed" }];
  }
  const unusable = loaded.config.mcpServers.flatMap((server) =>
    server.kind === "invalid"
      ? [`${server.name}: ${server.error}`]
      : server.kind === "stdio"
        ? [`${server.name}: stdio cannot run on Workers`]
        : [],
  );
  const servers: Check =
    unusable.length === 0
      ? { name: "servers", status: "ok" }
      : { name: "servers", status: "degraded", message: unusable.join("; ") };
  return [{ name: "config", status: "ok" }, apiKeys, servers];
}

async function kvCheck(env: Env): Promise<Check> {
  const deadline = timeoutSignal(KV_PROBE_TIMEOUT_MS);
  try {
    await raceAbort(
      deadline.signal,
      () => env.TOOL_CACHE.get(KV_PROBE_KEY),
      () => new Error(`no answer within ${KV_PROBE_TIMEOUT_MS} ms`),
    );
    return { name: "kv", status: "ok" };
  } catch (error) {
    return { name: "kv", status: "failed", message: `the tool cache (KV) cannot be read: ${String(error)}` };
  } finally {
    deadline.clear();
  }
}
