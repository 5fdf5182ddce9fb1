/**
 * @module config/load
 * Loads the checked-in config, applies the Worker's var overrides and validates the result once per isolate.
 * An invalid config does not crash the Worker: every API call answers 503 `config_invalid` naming the problem.
 */
import checkedInConfig from "../../config/service.config.json";
import { ApiError } from "../errors";
import type { Env } from "../env";
import { fieldIssues, summarizeIssues } from "../validation";
import { ServiceConfig } from "./schema";

export type ConfigResult =
  | { ok: true; config: ServiceConfig }
  | { ok: false; message: string; details: unknown };

type ConfigEnv = Pick<Env, "SESSION_IDLE_TTL_SECONDS">;

let cache: { key: string; raw: unknown; result: ConfigResult } | undefined;

/** Validates `raw` (the checked-in config by default) with the overrides from `env`. */
export function loadConfig(env: ConfigEnv, raw: unknown = checkedInConfig): ConfigResult {
  const key = JSON.stringify([env.SESSION_IDLE_TTL_SECONDS]);
  if (cache?.key === key && cache.raw === raw) return cache.result;
  const result = parseConfig(env, raw);
  cache = { key, raw, result };
  return result;
}

/** The valid config, or a 503 `config_invalid` error for the API to answer with. */
export function requireConfig(env: ConfigEnv): ServiceConfig {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new ApiError("config_invalid", loaded.message, loaded.details);
  return loaded.config;
}

function parseConfig(env: ConfigEnv, raw: unknown): ConfigResult {
  const withOverrides = applyVarOverrides(env, raw);
  if (!withOverrides.ok) return withOverrides;
  const parsed = ServiceConfig.safeParse(withOverrides.raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  const issues = fieldIssues(parsed.error);
  return { ok: false, message: `invalid service configuration: ${summarizeIssues(issues)}`, details: issues };
}

function applyVarOverrides(env: ConfigEnv, raw: unknown): { ok: true; raw: unknown } | (ConfigResult & { ok: false }) {
  if (env.SESSION_IDLE_TTL_SECONDS === undefined) return { ok: true, raw };
  const ttl = Number(env.SESSION_IDLE_TTL_SECONDS);
  if (!Number.isInteger(ttl)) {
    return {
      ok: false,
      message: `invalid service configuration: SESSION_IDLE_TTL_SECONDS must be a whole number of seconds, got "${env.SESSION_IDLE_TTL_SECONDS}"`,
      details: [{ field: "SESSION_IDLE_TTL_SECONDS", rule: "integer", message: "expected a whole number of seconds" }],
    };
  }
  const base = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const session = typeof base.session === "object" && base.session !== null ? base.session : {};
  return { ok: true, raw: { ...base, session: { ...session, idle_ttl_seconds: ttl } } };
}
