/**
 * @module config/check
 * Every problem of a configuration, without starting the service (`npm run check-config`): the config file,
 * each var the loader applies (`SESSION_IDLE_TTL_SECONDS`, `RATE_LIMITS`, `LOG_LEVEL`, `MCP_SERVERS`) checked on its
 * own so one bad var does not hide another, and the external servers the loader would leave out (a `${VAR}` not
 * set) or cannot run (stdio). The rules are the loader's (config/load.ts): this only asks it more than once.
 */
import type { FieldIssue } from "../validation";
import { type ConfigEnv, loadConfig } from "./load";

/** The vars the loader reads by name. */
const NAMED_VARS = ["SESSION_IDLE_TTL_SECONDS", "RATE_LIMITS", "LOG_LEVEL", "MCP_SERVERS"] as const;

export interface ConfigReport {
  /** What makes the service answer 503 `config_invalid`: each field and the rule it breaks. */
  errors: FieldIssue[];
  /** What works but leaves something out: a server whose entry cannot be used, a stdio server. */
  warnings: string[];
}

/** Checks `raw` (the config file's JSON) with the vars of `env`, reporting every problem found. */
export function checkConfig(raw: unknown, env: ConfigEnv): ConfigReport {
  const errors: FieldIssue[] = [];
  const seen = new Set<string>();
  const add = (issues: unknown) => {
    for (const issue of Array.isArray(issues) ? (issues as FieldIssue[]) : []) {
      const key = `${issue.field}\n${issue.rule}\n${issue.message}`;
      if (!seen.has(key)) errors.push(issue);
      seen.add(key);
    }
  };
  const alone = loadConfig({}, raw);
  if (!alone.ok) add(alone.details);
  for (const name of NAMED_VARS) {
    if (env[name] === undefined) continue;
    const withVar = loadConfig({ [name]: env[name] }, raw);
    if (!withVar.ok) add(withVar.details);
  }
  const warnings: string[] = [];
  const loaded = loadConfig(env, raw);
  if (!loaded.ok) add(loaded.details);
  else {
    for (const server of loaded.config.mcpServers) {
      if (server.kind === "invalid") warnings.push(`server "${server.name}" is left out: ${server.error}`);
      if (server.kind === "stdio")
        warnings.push(`server "${server.name}" is a stdio server: Workers cannot run it (put it behind a bridge)`);
    }
  }
  return { errors, warnings };
}
