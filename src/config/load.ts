/**
 * @module config/load
 * Loads the checked-in config, applies the Worker's vars and validates the result once per isolate (again only
 * when a var it read changes). An invalid config does not crash the Worker: every API call answers 503
 * `config_invalid` naming the problem. A server entry naming a `${VAR}` that is not set is not an invalid config:
 * that server alone is kept as `invalid` (shown by the servers view and `/health`, logged once per load) and the
 * rest of the service works.
 *
 * Vars applied, in order:
 * - `SESSION_IDLE_TTL_SECONDS` overrides `session.idle_ttl_seconds`;
 * - `RATE_LIMITS` (`on`/`off`) overrides `limits.rate_limit.enabled`;
 * - `LOG_LEVEL` (`debug`, `info`, `warn`, `error`) overrides `log.level`;
 * - `MCP_SERVERS` (JSON `{"mcpServers": {...}}`) replaces the checked-in `mcpServers`;
 * - `EXTERNAL_TOOL_PREFIX` overrides `external.tool_prefix` (checked by the same rule; empty: names as the servers
 *   give them);
 * - `${NAME}` / `${NAME:default}` in the server entries are filled from any var or secret (see config/substitute).
 */
import checkedInConfig from "../../config/service.config.json";
import { ApiError } from "../errors";
import { Logger } from "../observability/log";
import type { FieldIssue } from "../validation";
import { parseJson } from "../util/json";
import { fieldIssues, summarizeIssues } from "../validation";
import { type InvalidServerConfig, McpServersDocument } from "./mcp-servers";
import { LogLevel, ServiceConfig } from "./schema";
import { isJsonObject, substituteServerVars, type VarSource } from "./substitute";

export type ConfigResult = { ok: true; config: ServiceConfig } | { ok: false; message: string; details: unknown };

/** The vars config loading reads (the Worker's env has them): the named ones, and any other for substitution. */
export type ConfigEnv = {
  SESSION_IDLE_TTL_SECONDS?: string;
  RATE_LIMITS?: string;
  LOG_LEVEL?: string;
  MCP_SERVERS?: string;
  EXTERNAL_TOOL_PREFIX?: string;
} & VarSource;

interface CachedConfig {
  raw: unknown;
  idleTtl: string | undefined;
  rateLimits: string | undefined;
  logLevel: string | undefined;
  mcpServers: string | undefined;
  toolPrefix: string | undefined;
  /** The vars `${NAME}` substitution read, with the values it saw. */
  vars: Array<[string, unknown]>;
  result: ConfigResult;
}

let cache: CachedConfig | undefined;

/** Validates `raw` (the checked-in config by default) with the vars from `env`. */
export function loadConfig(env: ConfigEnv, raw: unknown = checkedInConfig): ConfigResult {
  if (
    cache !== undefined &&
    cache.raw === raw &&
    cache.idleTtl === env.SESSION_IDLE_TTL_SECONDS &&
    cache.rateLimits === env.RATE_LIMITS &&
    cache.logLevel === env.LOG_LEVEL &&
    cache.mcpServers === env.MCP_SERVERS &&
    cache.toolPrefix === env.EXTERNAL_TOOL_PREFIX &&
    cache.vars.every(([name, value]) => env[name] === value)
  ) {
    return cache.result;
  }
  const { result, varsRead } = parseConfig(env, raw);
  cache = {
    raw,
    idleTtl: env.SESSION_IDLE_TTL_SECONDS,
    rateLimits: env.RATE_LIMITS,
    logLevel: env.LOG_LEVEL,
    mcpServers: env.MCP_SERVERS,
    toolPrefix: env.EXTERNAL_TOOL_PREFIX,
    vars: varsRead.map((name) => [name, env[name]]),
    result,
  };
  return result;
}

/** The valid config, or a 503 `config_invalid` error for the API to answer with. */
export function requireConfig(env: ConfigEnv): ServiceConfig {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new ApiError("config_invalid", loaded.message, loaded.details);
  return loaded.config;
}

type Step = { ok: true; raw: Record<string, unknown> } | { ok: false; issues: FieldIssue[] };

function parseConfig(env: ConfigEnv, raw: unknown): { result: ConfigResult; varsRead: string[] } {
  const base = isJsonObject(raw) ? raw : {};
  const withTtl = applyIdleTtl(env, base);
  if (!withTtl.ok) return { result: invalid(withTtl.issues), varsRead: [] };
  const withSwitch = applyRateLimitSwitch(env, withTtl.raw);
  if (!withSwitch.ok) return { result: invalid(withSwitch.issues), varsRead: [] };
  const withLogLevel = applyLogLevel(env, withSwitch.raw);
  if (!withLogLevel.ok) return { result: invalid(withLogLevel.issues), varsRead: [] };
  const withServers = applyMcpServersVar(env, withLogLevel.raw);
  if (!withServers.ok) return { result: invalid(withServers.issues), varsRead: [] };

  let config = withToolPrefix(env, withServers.raw);
  let varsRead: string[] = [];
  let order: string[] = [];
  let invalidServers = new Map<string, FieldIssue[]>();
  if (isJsonObject(config.mcpServers)) {
    const substituted = substituteServerVars(config.mcpServers, env);
    order = Object.keys(config.mcpServers);
    varsRead = substituted.varsRead;
    invalidServers = substituted.invalid;
    config = { ...config, mcpServers: substituted.servers };
  }

  const parsed = ServiceConfig.safeParse(config);
  if (!parsed.success) return { result: invalid(fieldIssues(parsed.error)), varsRead };
  return { result: { ok: true, config: withInvalidServers(parsed.data, order, invalidServers) }, varsRead };
}

/** `config` with the servers substitution left out put back, as invalid, in their configured places. */
function withInvalidServers(config: ServiceConfig, order: string[], issues: Map<string, FieldIssue[]>): ServiceConfig {
  if (issues.size === 0) return config;
  const invalid = [...issues].map(([name, found]): InvalidServerConfig => ({
    kind: "invalid",
    name,
    error: summarizeIssues(found),
  }));
  // Their entries name variables this Worker cannot fill. Written at the level of the config being loaded.
  new Logger(config.log.level).warn("config_servers_left_out", {
    servers: invalid.map(({ name, error }) => ({ name, error })),
  });
  const byName = new Map(config.mcpServers.map((server) => [server.name, server]));
  for (const server of invalid) byName.set(server.name, server);
  return { ...config, mcpServers: order.flatMap((name) => byName.get(name) ?? []) };
}

function invalid(issues: FieldIssue[]): ConfigResult {
  return { ok: false, message: `invalid service configuration: ${summarizeIssues(issues)}`, details: issues };
}

function applyIdleTtl(env: ConfigEnv, raw: Record<string, unknown>): Step {
  if (env.SESSION_IDLE_TTL_SECONDS === undefined) return { ok: true, raw };
  const ttl = Number(env.SESSION_IDLE_TTL_SECONDS);
  if (!Number.isInteger(ttl)) {
    return {
      ok: false,
      issues: [
        {
          field: "SESSION_IDLE_TTL_SECONDS",
          rule: "integer",
          message: `SESSION_IDLE_TTL_SECONDS must be a whole number of seconds, got "${env.SESSION_IDLE_TTL_SECONDS}"`,
        },
      ],
    };
  }
  const session = isJsonObject(raw.session) ? raw.session : {};
  return { ok: true, raw: { ...raw, session: { ...session, idle_ttl_seconds: ttl } } };
}

/** `RATE_LIMITS=on|off` turns the per-tenant rate limit on or off, whatever the config says. */
function applyRateLimitSwitch(env: ConfigEnv, raw: Record<string, unknown>): Step {
  const value = env.RATE_LIMITS;
  if (value === undefined) return { ok: true, raw };
  if (value !== "on" && value !== "off") {
    return {
      ok: false,
      issues: [{ field: "RATE_LIMITS", rule: "enum", message: `RATE_LIMITS must be "on" or "off", got "${value}"` }],
    };
  }
  const limits = isJsonObject(raw.limits) ? raw.limits : {};
  const rateLimit = isJsonObject(limits.rate_limit) ? limits.rate_limit : {};
  return { ok: true, raw: { ...raw, limits: { ...limits, rate_limit: { ...rateLimit, enabled: value === "on" } } } };
}

/** `LOG_LEVEL` sets `log.level`, whatever the config says. */
function applyLogLevel(env: ConfigEnv, raw: Record<string, unknown>): Step {
  const value = env.LOG_LEVEL;
  if (value === undefined) return { ok: true, raw };
  const level = LogLevel.safeParse(value);
  if (!level.success) {
    const allowed = LogLevel.options.map((name) => `"${name}"`).join(", ");
    return {
      ok: false,
      issues: [{ field: "LOG_LEVEL", rule: "enum", message: `LOG_LEVEL must be one of ${allowed}, got "${value}"` }],
    };
  }
  const log = isJsonObject(raw.log) ? raw.log : {};
  return { ok: true, raw: { ...raw, log: { ...log, level: level.data } } };
}

/** `EXTERNAL_TOOL_PREFIX` replaces `external.tool_prefix` (the schema checks it like the checked-in one). */
function withToolPrefix(env: ConfigEnv, raw: Record<string, unknown>): Record<string, unknown> {
  if (env.EXTERNAL_TOOL_PREFIX === undefined) return raw;
  const external = isJsonObject(raw.external) ? raw.external : {};
  return { ...raw, external: { ...external, tool_prefix: env.EXTERNAL_TOOL_PREFIX } };
}

/** `MCP_SERVERS` replaces the checked-in server list; an empty value leaves it alone. */
function applyMcpServersVar(env: ConfigEnv, raw: Record<string, unknown>): Step {
  const text = env.MCP_SERVERS;
  if (text === undefined || text.trim() === "") return { ok: true, raw };
  const json = parseJson(text);
  if (!json.ok) {
    // Only where it broke: the parser's message quotes the text around it, which may hold a credential.
    const position = /at position (\d+)/.exec(json.error)?.[1];
    const where = position === undefined ? "" : ` (at character ${position})`;
    return {
      ok: false,
      issues: [
        {
          field: "MCP_SERVERS",
          rule: "invalid_json",
          message: `MCP_SERVERS is not valid JSON${where}: expected {"mcpServers": {...}}`,
        },
      ],
    };
  }
  const parsed = McpServersDocument.safeParse(json.value);
  if (!parsed.success) return { ok: false, issues: fieldIssues(parsed.error, "MCP_SERVERS") };
  return { ok: true, raw: { ...raw, mcpServers: parsed.data.mcpServers } };
}
