/**
 * @module contract/endpoint
 * An agent's MCP endpoint (the XiaoZhi "MCP 接入点") as every API shows it: the agent id rule, the answer to
 * creating or rotating it (the token, shown once), its view (each connected MCP server), and its limits.
 */
import { z } from "@hono/zod-openapi";
import { IsoMoment, Moment, type MomentSchema } from "./time";

/** The largest frame, in UTF-8 bytes, the endpoint takes from a tool side (mcp_pipe.py's own default). */
export const MAX_ENDPOINT_FRAME_BYTES = 1024 * 1024;
/** How many sockets one agent's endpoint holds at once (mcp_pipe.py opens one per configured server). */
export const MAX_ENDPOINT_SOCKETS = 8;
/** How many tools one agent's endpoint offers, over all its sockets. */
export const MAX_ENDPOINT_TOOLS = 128;
/** The most one connection's tool list may take as JSON (its listing is kept in the endpoint object's SQLite). */
export const MAX_ENDPOINT_TOOL_LIST_BYTES = 512 * 1024;
/** How long a new connection's tool side may take to answer `initialize` and page through `tools/list`. */
export const ENDPOINT_HANDSHAKE_MS = 30_000;

const AGENT_ID_RULE = "1-64 characters of A-Z a-z 0-9 . _ : @ -, beginning with a letter or a digit";

/** The agent an endpoint belongs to, within its tenant. */
export const AgentId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/, AGENT_ID_RULE)
  .openapi({ description: `The agent's id (${AGENT_ID_RULE})` });

const issuedOf = <T extends MomentSchema>(moment: T) =>
  z.object({
    agent_id: z.string(),
    url: z.string().openapi({ description: "The WebSocket URL to give the pipe (MCP_ENDPOINT); it holds the token" }),
    token: z.string().openapi({ description: "128 hex digits; shown once, stored hashed" }),
    rotated: z.boolean().openapi({ description: "True when an earlier token was replaced (its sockets were closed)" }),
    created_at: moment,
  });

/** What creating (or rotating) an endpoint answers: the only time the token is shown. */
export const EndpointIssued = issuedOf(Moment);
export type EndpointIssued = z.infer<typeof EndpointIssued>;
export const EndpointIssuedJson = issuedOf(IsoMoment).openapi("EndpointIssued");

/** Where a connection is in its life. */
export const ConnectionPhase = z.enum(["initializing", "listing", "ready"]);
export type ConnectionPhase = z.infer<typeof ConnectionPhase>;

const connectionViewOf = <T extends MomentSchema>(moment: T) =>
  z.object({
    label: z.string().openapi({ description: "The server's name from initialize (made unique), until then connection-<n>" }),
    phase: ConnectionPhase,
    server_name: z.string().nullable(),
    server_version: z.string().nullable(),
    tool_count: z.number().int(),
    connected_at: moment,
    last_ping_answer_at: z.nullable(moment),
    error: z.string().nullable().openapi({ description: "Why its tools are not offered (over the endpoint's tool limit)" }),
  });

const endpointViewOf = <T extends MomentSchema>(moment: T) =>
  z.object({
    agent_id: z.string(),
    created_at: moment,
    connections: z.array(connectionViewOf(moment)),
    limits: z.object({ sockets: z.number().int(), tools: z.number().int(), frame_bytes: z.number().int() }),
  });

/** An endpoint as its agent object answers it. */
export const EndpointView = endpointViewOf(Moment);
export type EndpointView = z.infer<typeof EndpointView>;
export const EndpointViewJson = endpointViewOf(IsoMoment).openapi("Endpoint");

/** What revoking an endpoint answers. */
export const EndpointRevoked = z
  .object({ success: z.literal(true), message: z.string(), closed_connections: z.number().int() })
  .openapi("EndpointRevoked");
export type EndpointRevoked = z.infer<typeof EndpointRevoked>;
