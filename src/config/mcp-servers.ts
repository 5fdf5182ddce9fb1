/**
 * @module config/mcp-servers
 * The external MCP servers an operator configures, in the shape XiaoZhi servers already read from
 * `.mcp_server_settings.json` (`{"mcpServers": {"<name>": {...}}}`), so an existing file can be pasted as is.
 *
 * An entry with a `url` is an HTTP server (Streamable HTTP or SSE). An entry with `"enabled": false` is shown
 * as disabled and otherwise ignored. An entry with a `command` is a stdio server:
 * it is kept, parsed, and reported as unsupported (Workers cannot spawn processes) rather than dropped or
 * treated as an error of the whole config. `des` and `link`, which the XiaoZhi examples carry as notes, are
 * accepted and ignored; any other unknown key is an error naming it.
 */
import { z } from "zod";
import { MAX_CALL_TIMEOUT_MS } from "../contract/limits";
import { TransportSetting as TransportName } from "../contract/servers";
import { toolFilterOf } from "../contract/tools";

/** The longest per-call timeout a server may configure, in seconds (as `.mcp_server_settings.json` has it). */
export const MAX_SERVER_TIMEOUT_SECONDS = MAX_CALL_TIMEOUT_MS / 1000;

/** How the service talks to a server (see the contract's TransportSetting); `http` is read as `streamable-http`. */
export const TransportSetting = z
  // In the order the error message has always listed them.
  .enum([TransportName.enum.auto, TransportName.enum["streamable-http"], "http", TransportName.enum.sse])
  .transform((t) => (t === "http" ? "streamable-http" : t));
export type TransportSetting = z.output<typeof TransportSetting>;

/** Notes the XiaoZhi example files put next to a server; accepted so a pasted file validates, then ignored. */
const Notes = z.union([z.string(), z.array(z.string())]).optional();

/** A server's tool filter: its tools by the names it gives them, any text but empty. */
export const ServerToolFilter = toolFilterOf(z.string().min(1).max(128));
export type ServerToolFilter = z.infer<typeof ServerToolFilter>;

const HttpServerEntry = z
  .object({
    url: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }),
    transport: TransportSetting.default("auto"),
    /** Sent with every request to the server (API keys: use `${SECRET}` substitution, not literals). */
    headers: z.record(z.string(), z.string()).default({}),
    enabled: z.literal(true).optional(),
    /** Per-call timeout for this server, in seconds (the unit XiaoZhi's settings use). */
    timeout: z.number().positive().max(MAX_SERVER_TIMEOUT_SECONDS).optional(),
    /** Which of the server's tools are offered, by the names the server gives them (`*`: any run of characters). */
    tools: ServerToolFilter.optional(),
    des: Notes,
    link: Notes,
  })
  .strict()
  .transform(({ des: _des, link: _link, enabled: _enabled, timeout, ...entry }) => ({
    kind: "http" as const,
    ...entry,
    timeout_ms: timeout === undefined ? undefined : Math.round(timeout * 1000),
  }));

const StdioServerEntry = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    enabled: z.literal(true).optional(),
    des: Notes,
    link: Notes,
  })
  .strict()
  .transform(({ command, args }) => ({ kind: "stdio" as const, command, args }));

/**
 * A switched-off entry (`"enabled": false`) is kept only to be shown as disabled: it is not validated further,
 * so it may name variables the Worker does not have (see config/substitute).
 */
const DisabledServerEntry = z
  .looseObject({ enabled: z.literal(false) })
  .transform(() => ({ kind: "disabled" as const, enabled: false as const }));

/** A configured HTTP server, validated. */
export type HttpServerConfig = z.output<typeof HttpServerEntry> & { name: string };
/** A configured stdio server: reported as unsupported. */
export type StdioServerConfig = z.output<typeof StdioServerEntry> & { name: string };
export type DisabledServerConfig = z.output<typeof DisabledServerEntry> & { name: string };
/**
 * An entry that cannot be used as written (a `${VAR}` that is not set: see config/substitute). Only this server
 * is left out; it is shown as `invalid` with `error`, and the rest of the configuration stands.
 */
export interface InvalidServerConfig {
  kind: "invalid";
  name: string;
  error: string;
}
export type McpServerConfig = HttpServerConfig | StdioServerConfig | DisabledServerConfig | InvalidServerConfig;

/** An entry is a stdio server when it names a command; otherwise it must be an HTTP server. */
export function isStdioEntry(entry: Record<string, unknown>): boolean {
  return "command" in entry;
}

/** A server's name: any non-empty text (XiaoZhi examples use names like "Home Assistant"). */
const ServerName = z.string().min(1, "server names must not be empty").max(64, "server names are at most 64 characters");

/** `mcpServers`: each entry validated against the schema its kind calls for, errors reported under its name. */
export const McpServers = z.record(ServerName, z.record(z.string(), z.unknown())).transform((entries, ctx) => {
  const servers: McpServerConfig[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    const schema = entry.enabled === false ? DisabledServerEntry : isStdioEntry(entry) ? StdioServerEntry : HttpServerEntry;
    const parsed = schema.safeParse(entry);
    if (parsed.success) servers.push({ ...parsed.data, name });
    else for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [name, ...issue.path] });
  }
  return servers;
});

/**
 * What the `MCP_SERVERS` var holds: the same document as `.mcp_server_settings.json`. A top-level `des`
 * (the XiaoZhi example's notes) is ignored.
 */
export const McpServersDocument = z.object({ mcpServers: z.record(z.string(), z.unknown()), des: Notes }).strict();
