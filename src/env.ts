/**
 * @module env
 * The Worker's bindings, vars and secrets (see wrangler.toml and the README's configuration table).
 */
import type { SessionObject } from "../durable-objects/session";
import type { ServiceConfig } from "./config/schema";

export interface Env {
  /** One Durable Object per tenant and session. */
  SESSIONS: DurableObjectNamespace<SessionObject>;
  /** The global tool-list cache. */
  TOOL_CACHE: KVNamespace;
  /** Secret: JSON object mapping each API key to its tenant name. */
  API_KEYS?: string;
  /** Var: overrides `session.idle_ttl_seconds` of the checked-in config. */
  SESSION_IDLE_TTL_SECONDS?: string;
  /** Var: JSON `{"mcpServers": {...}}` replacing the checked-in external MCP servers. */
  MCP_SERVERS?: string;
  /** Any other var or secret: `${NAME}` in the MCP server entries reads them. */
  [name: string]: unknown;
}

/** Hono's environment for this app: the bindings plus what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** The tenant the request's API key belongs to (set by the auth middleware). */
    tenant: string;
    /** The validated service config (set by the config middleware). */
    config: ServiceConfig;
  };
}
