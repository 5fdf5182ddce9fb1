/**
 * Helpers for tests that go through the Worker's public HTTP surface, as a gateway would.
 */
import { exports } from "cloudflare:workers";
import { TENANT_A_KEY } from "./keys";

export interface ApiCall {
  method?: string;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  /** Defaults to tenant A's key; `null` sends no Authorization header. */
  key?: string | null;
  headers?: Record<string, string>;
}

/** Calls the Worker like a gateway and returns the status, headers and parsed JSON body. */
export async function api(path: string, call: ApiCall = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...call.headers };
  const key = call.key === undefined ? TENANT_A_KEY : call.key;
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
    headers["Content-Type"] ??= "application/json";
  }
  const res = await exports.default.fetch(`http://service.test${path}`, {
    method: call.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Binds `sessionId` for tenant A (or `key`'s tenant) and returns the response body. */
export async function bindSession(sessionId: string, fields: Record<string, unknown> = {}, key?: string) {
  const res = await api(`/api/v1/mcp/sessions/${sessionId}/bind`, {
    body: { device_id: "AA:BB:CC:DD:EE:FF", client_id: "client-1", ...fields },
    key,
  });
  if (res.status !== 200) throw new Error(`bind failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Executes `tool` in `sessionId` and returns the response. */
export function execute(sessionId: string, tool: string, args: Record<string, unknown> = {}, key?: string) {
  return api(`/api/v1/mcp/tools/${tool}/execute`, { body: { session_id: sessionId, arguments: args }, key });
}
