/**
 * @module test/api
 * The REST API called as a gateway calls it, for tests: one helper per action, each answering the status, the
 * headers and the JSON body typed by the API's own response schemas. This is the one place the tests import
 * those schemas from (and the contract's, for the answers REST does not rename).
 */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { z } from "zod";
import type {
  BatchResponse,
  BindResponse,
  ErrorResponse,
  ExecutionResult,
  Job,
  MessageResponse,
  SessionServersResponse,
  TenantServersResponse,
  SessionView,
  ToolsResponse,
  UnbindResponse,
} from "../src/api/rest/schemas";
import type { EndpointIssuedJson, EndpointRevoked, EndpointViewJson } from "../src/contract/endpoint";
import { TENANT_A_KEY } from "./keys";

export type BindBody = z.infer<typeof BindResponse>;
export type SessionBody = z.infer<typeof SessionView>;
export type UnbindBody = z.infer<typeof UnbindResponse>;
export type ToolsBody = z.infer<typeof ToolsResponse>;
export type ExecutionBody = z.infer<typeof ExecutionResult>;
export type ServersBody = z.infer<typeof SessionServersResponse>;
export type TenantServersBody = z.infer<typeof TenantServersResponse>;
export type MessageBody = z.infer<typeof MessageResponse>;
export type BatchBody = z.infer<typeof BatchResponse>;
export type JobBody = z.infer<typeof Job>;
/**
 * An error answer, its `code` read as a string: one check then reads an API error's code and a failed
 * execution's (`ExecutionResult.error`) alike.
 */
export type ErrorBody = { error: Omit<z.infer<typeof ErrorResponse>["error"], "code"> & { code: string } };

/**
 * An answer of the API. The body is typed as the route's success shape, plus the `error` an error status
 * carries in its place: a test checks the status, then reads the fields that status implies.
 */
export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T & Partial<ErrorBody>;
}

export interface RequestOptions {
  method?: string;
  /** Sent as JSON unless it is already a string (sent as it is, for the malformed-body cases). */
  body?: unknown;
  /** Defaults to tenant A's key; `null` sends no Authorization header. */
  key?: string | null;
  headers?: Record<string, string>;
}

/**
 * Any request to the Worker, for what no action helper below covers (malformed bodies, wrong methods, unknown
 * routes). `T` is what the body is expected to be: {@link ErrorBody} for a request that must fail.
 */
export async function restRequest<T>(path: string, options: RequestOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? TENANT_A_KEY : options.key;
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["Content-Type"] ??= "application/json";
  }
  const res = await exports.default.fetch(`http://service.test${path}`, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T & Partial<ErrorBody> };
}

/** Who a call is made as: tenant A unless another key is given. */
export interface CallerOptions {
  key?: string;
}

const sessionPath = (sessionId: string) => `/api/v1/mcp/sessions/${sessionId}`;

/**
 * Binds `sessionId` (device `AA:BB:CC:DD:EE:FF`, client `client-1` unless `fields` say otherwise) and fails the
 * test unless it is bound: a setup step. A bind that must fail goes through {@link restRequest}.
 */
export async function restBind(
  sessionId: string,
  fields: Record<string, unknown> = {},
  options: CallerOptions = {},
): Promise<BindBody> {
  const res = await restRequest<BindBody>(`${sessionPath(sessionId)}/bind`, {
    body: { device_id: "AA:BB:CC:DD:EE:FF", client_id: "client-1", ...fields },
    key: options.key,
  });
  if (res.status !== 200) throw new Error(`bind failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** `GET .../sessions/{id}`. */
export function restGetSession(sessionId: string, options: CallerOptions = {}): Promise<Reply<SessionBody>> {
  return restRequest(sessionPath(sessionId), { key: options.key });
}

/** `DELETE .../sessions/{id}`. */
export function restUnbind(sessionId: string, options: CallerOptions = {}): Promise<Reply<UnbindBody>> {
  return restRequest(sessionPath(sessionId), { method: "DELETE", key: options.key });
}

/** `GET .../tools?session_id=`: every source's tools and reports. */
export function restListTools(sessionId: string, options: CallerOptions = {}): Promise<Reply<ToolsBody>> {
  return restRequest(`/api/v1/mcp/tools?session_id=${sessionId}`, { key: options.key });
}

/** `GET .../servers?session_id=`: the configured external servers as the session sees them. */
export function restListServers(sessionId: string, options: CallerOptions = {}): Promise<Reply<ServersBody>> {
  return restRequest(`/api/v1/mcp/servers?session_id=${sessionId}`, { key: options.key });
}

export interface ExecuteOptions extends CallerOptions {
  /** Sent as `timeout_ms`; the source's default applies without it. */
  timeoutMs?: number;
  /** Sent as `device_id`, which must be the session's device. */
  deviceId?: string;
}

/** `POST .../tools/{tool}/execute` with `args`. */
export function restExecute(
  sessionId: string,
  tool: string,
  args: Record<string, unknown> = {},
  options: ExecuteOptions = {},
): Promise<Reply<ExecutionBody>> {
  const body: Record<string, unknown> = { session_id: sessionId, arguments: args };
  if (options.timeoutMs !== undefined) body.timeout_ms = options.timeoutMs;
  if (options.deviceId !== undefined) body.device_id = options.deviceId;
  return restRequest(`/api/v1/mcp/tools/${tool}/execute`, { body, key: options.key });
}

/** `POST .../tools/batch` with `calls` (and `max_concurrency` when given). */
export function restBatch(
  sessionId: string,
  calls: Array<Record<string, unknown>>,
  options: CallerOptions & { maxConcurrency?: number } = {},
): Promise<Reply<BatchBody>> {
  const body: Record<string, unknown> = { session_id: sessionId, calls };
  if (options.maxConcurrency !== undefined) body.max_concurrency = options.maxConcurrency;
  return restRequest("/api/v1/mcp/tools/batch", { body, key: options.key });
}

/** `POST .../tools/{tool}/execute` with `"mode": "async"`: the job it started (202). */
export function restStartJob(
  sessionId: string,
  tool: string,
  args: Record<string, unknown> = {},
  options: ExecuteOptions = {},
): Promise<Reply<JobBody>> {
  const body: Record<string, unknown> = { session_id: sessionId, arguments: args, mode: "async" };
  if (options.timeoutMs !== undefined) body.timeout_ms = options.timeoutMs;
  return restRequest(`/api/v1/mcp/tools/${tool}/execute`, { body, key: options.key });
}

/** `GET` (or with `method: "DELETE"`, cancel) `/api/v1/mcp/jobs/{jobId}?session_id=`. */
export function restJob(
  sessionId: string,
  jobId: string,
  options: CallerOptions & { method?: string } = {},
): Promise<Reply<JobBody>> {
  return restRequest(`/api/v1/mcp/jobs/${jobId}?session_id=${sessionId}`, { key: options.key, method: options.method });
}

/** `POST .../sessions/{id}/messages` with one device frame (a string is sent as it is). */
export function restPostMessage(sessionId: string, frame: unknown): Promise<Reply<MessageBody>> {
  return restRequest(`${sessionPath(sessionId)}/messages`, { body: frame });
}

export type EndpointIssuedBody = z.infer<typeof EndpointIssuedJson>;
export type EndpointBody = z.infer<typeof EndpointViewJson>;
export type EndpointRevokedBody = z.infer<typeof EndpointRevoked>;

const endpointPath = (agentId: string) => `/api/v1/mcp/agents/${agentId}/endpoint`;

/** `POST .../agents/{id}/endpoint`: creates the agent's endpoint or rotates its token. */
export function restIssueEndpoint(agentId: string, options: CallerOptions = {}): Promise<Reply<EndpointIssuedBody>> {
  return restRequest(endpointPath(agentId), { method: "POST", key: options.key });
}

/** `GET .../agents/{id}/endpoint`: the endpoint and its connections. */
export function restGetEndpoint(agentId: string, options: CallerOptions = {}): Promise<Reply<EndpointBody>> {
  return restRequest(endpointPath(agentId), { key: options.key });
}

/** `DELETE .../agents/{id}/endpoint`: revokes the endpoint. */
export function restRevokeEndpoint(agentId: string, options: CallerOptions = {}): Promise<Reply<EndpointRevokedBody>> {
  return restRequest(endpointPath(agentId), { method: "DELETE", key: options.key });
}

/** The body of a 200 answer; any other status fails the test. */
export function okBody<T>(reply: Reply<T>): T {
  expect(reply.status).toBe(200);
  return reply.body;
}

/** `list` as a record by each entry's `key` (a source's `source`, a server's `name`). */
export function indexBy<T, K extends keyof T>(list: readonly T[], key: K): Partial<Record<string, T>> {
  return Object.fromEntries(list.map((entry) => [String(entry[key]), entry]));
}

const HandlerCall = z.object({ func_name: z.string(), args: z.unknown() });

/** The handler call of a `call_handler` result (`{func_name, args}`). */
export function handlerCall(body: ExecutionBody): z.infer<typeof HandlerCall> {
  return HandlerCall.parse(body.result);
}

/** The text of a `req_llm` result. */
export function resultText(body: ExecutionBody): string {
  return z.string().parse(body.result);
}

const JsonSchemaView = z.looseObject({
  type: z.string(),
  properties: z.record(z.string(), z.looseObject({})).default({}),
  required: z.array(z.string()).optional(),
});

/** A listed tool's `input_schema`, with its properties readable (fails the test when there is no such tool). */
export function inputSchema(tool: ToolsBody["tools"][number] | undefined): z.infer<typeof JsonSchemaView> {
  if (!tool) throw new Error("no such tool in the listing");
  return JsonSchemaView.parse(tool.input_schema);
}

const FieldDetail = z.looseObject({ field: z.string(), rule: z.string().optional(), message: z.string().optional() });

/** The fields an `invalid_request` or `invalid_arguments` error names in its `details`. */
export function fieldDetails(body: Partial<ErrorBody>): Array<z.infer<typeof FieldDetail>> {
  return z.array(FieldDetail).parse(body.error?.details);
}
