/**
 * @module api/rest/error-responses
 * The error responses of an operation in `/openapi.json`, from the codes it can answer: one response per HTTP
 * status (each code's status is its `ErrorStatus`), whose body is the `Error` schema with `code` narrowed to
 * exactly that status's codes, described and illustrated code by code.
 */
import { z } from "@hono/zod-openapi";
import type { ErrorBody, ErrorCode } from "../../errors";
import { ErrorStatus } from "../../errors";
import { ErrorResponse } from "./schemas";

type Documented = { when: string } & Omit<ErrorBody["error"], "code">;

/** When each code is answered, with a message (and details) as the service sends them. */
const ERROR_CODES: Record<ErrorCode, Documented> = {
  invalid_json: {
    when: "the body is not JSON (the message has the parser's reason)",
    message: "request body is not valid JSON: Expected property name or '}' in JSON at position 1 (line 1 column 2)",
  },
  invalid_request: {
    when: "a wrong type, a missing or an unknown field; `details` lists `{field, rule, message}`",
    message: "invalid request body: device_id: Invalid input: expected string, received number",
    details: [{ field: "device_id", rule: "invalid_type", message: "Invalid input: expected string, received number" }],
  },
  unauthorized: { when: "no `Authorization: Bearer` key, or an unknown one", message: "invalid API key" },
  origin_not_allowed: {
    when: "an MCP endpoint called from a browser origin the configuration does not allow (`mcp.allowed_origins`)",
    message: "Origin https://evil.example.com is not allowed to call the MCP endpoint",
  },
  not_found: { when: "no such route", message: "no route GET /api/v1/mcp/nothing" },
  session_not_found: {
    when: "the session is not bound (or has expired)",
    message: "session not found: bind it first (POST /api/v1/mcp/sessions/{sessionId}/bind)",
  },
  tool_not_found: { when: "the session offers no tool of that name", message: 'no tool named "local_fly" in this session' },
  job_not_found: {
    when: "the session has no job of that id (never started, deleted after its retention, or the session was unbound)",
    message: 'no job "0b7c6f0e-3f0c-4d7e-9a51-8f0f3f1b2c44" in this session',
  },
  endpoint_not_found: {
    when: "the agent has no MCP endpoint (never created, or revoked)",
    message: "agent kitchen has no MCP endpoint: create one with POST /api/v1/mcp/agents/kitchen/endpoint",
  },
  method_not_allowed: {
    when: "a known path, a wrong method (`Allow` lists the right ones)",
    message: "POST is not allowed on /health; use GET, HEAD",
  },
  device_mismatch: {
    when: "`device_id` is not the device bound to the session",
    message: 'device_id "11:22:33:44:55:66" is not the device bound to this session',
  },
  payload_too_large: {
    when: "the body is over `limits.max_body_bytes` (64 KiB by default), or a device frame sent to `.../messages` is over 32 KiB",
    message: "request body exceeds 65536 bytes",
    details: { limit_bytes: 65536 },
  },
  unsupported_media_type: {
    when: "the body is sent without `Content-Type: application/json`",
    message: 'request body must be JSON: send Content-Type: application/json (got "text/plain")',
  },
  upgrade_required: {
    when: "the relay was requested without `Upgrade: websocket`",
    message: "the relay is a WebSocket: send Upgrade: websocket",
  },
  rate_limited: {
    when: "the tenant sent more requests than its rate limit allows in the period (`Retry-After` says when to try again)",
    message: "rate limit reached: too many requests for this tenant; retry after 60 s",
    details: { retry_after_seconds: 60 },
  },
  session_limit_reached: {
    when: "binding one more session would exceed `limits.max_sessions_per_tenant` (rebinding a bound session is always accepted)",
    message:
      'tenant "my-gateway" has 10000 bound sessions, the most limits.max_sessions_per_tenant allows: unbind one (or let one expire) first',
    details: { limit: 10000, bound: 10000 },
  },
  job_limit_reached: {
    when: "the session already has as many pending or running jobs as it may (wait for one to finish, or cancel one)",
    message: "this session already runs 4 jobs, the most it may: wait for one to finish or cancel one (DELETE its url)",
    details: { limit: 4, running: 4 },
  },
  endpoint_limit_reached: {
    when: "an agent endpoint's socket limit: one more MCP server tried to connect to an endpoint that holds 8",
    message: "this endpoint already holds 8 connections, its limit: stop one of the servers first",
  },
  internal: { when: "an unexpected failure (logged; the message says no more)", message: "internal error" },
  not_configured: {
    when: "no API keys are configured",
    message:
      'no API keys are configured: set the API_KEYS secret to a JSON object {"<key>": "<tenant>"} (wrangler secret put API_KEYS)',
  },
  config_invalid: {
    when: "the API keys or the service configuration are invalid (the message names what is wrong)",
    message: 'API_KEYS is not valid JSON: expected {"<key>": "<tenant>"}',
  },
};

/** The request id the examples show (a generated one; a gateway's own `X-Request-Id` is echoed instead). */
const EXAMPLE_REQUEST_ID = "3f0c9a52-5d1e-4b7a-9c51-0f6d2e8a7b14";

/** A 401 says which scheme to use. */
const CHALLENGE = { "WWW-Authenticate": { description: "`Bearer`", schema: { type: "string" as const } } };

/**
 * The error responses of an operation that can answer `codes`, keyed by status.
 * @example errorResponses("session_not_found", "tool_not_found") // { 404: { description, headers, content } }
 */
export function errorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ErrorStatus[code], [...(byStatus.get(ErrorStatus[code]) ?? []), code]);
  return Object.fromEntries([...byStatus].map(([status, group]) => [status, errorResponse(group)]));
}

function errorResponse(codes: ErrorCode[]) {
  const schema = ErrorResponse.extend({ error: ErrorResponse.shape.error.extend({ code: z.enum(codes) }) });
  const examples = Object.fromEntries(
    codes.map((code) => {
      const { when, ...body } = ERROR_CODES[code];
      return [code, { summary: when, value: { error: { code, ...body, request_id: EXAMPLE_REQUEST_ID } } }];
    }),
  );
  return {
    description: codes.map((code) => `\`${code}\`: ${ERROR_CODES[code].when}`).join("; "),
    ...(codes.includes("unauthorized") ? { headers: CHALLENGE } : {}),
    content: { "application/json": { schema, examples } },
  };
}
