/**
 * @module api/mcp/body
 * An MCP request's body, read once before the SDK sees it: capped at `limits.max_body_bytes` (413
 * `payload_too_large`) and refused 400 `invalid_request` when its JSON nests deeper than the contract's
 * MAX_JSON_DEPTH (the rule every API applies: nothing deeper reaches a session's Durable Object, whose RPC would
 * overflow its stack on it). Text that is not JSON is left to the SDK, which answers the JSON-RPC parse error.
 */
import { parseJson } from "../../util/json";
import { invalidRequest, nestingIssue } from "../../validation";
import { readBodyCapped } from "../read-body";

/** A request as the SDK may read it again, and its body's JSON (undefined: no body, or not JSON). */
export interface McpRequest {
  request: Request;
  message: unknown;
}

/** Reads and checks the body of `request` (a POST; other methods pass as they are). */
export async function readMcpRequest(request: Request, maxBodyBytes: number): Promise<McpRequest> {
  if (request.method !== "POST") return { request, message: undefined };
  const text = new TextDecoder().decode(await readBodyCapped(request, maxBodyBytes));
  const parsed = parseJson(text);
  if (!parsed.ok) return { request: new Request(request, { body: text }), message: undefined };
  const tooDeep = nestingIssue(parsed.value);
  if (tooDeep) throw invalidRequest("request body", [tooDeep]);
  return { request: new Request(request, { body: text }), message: parsed.value };
}

/** The JSON-RPC method of a single request or notification (not of a batch). */
export function methodOf(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return undefined;
  const method = (message as { method?: unknown }).method;
  return typeof method === "string" ? method : undefined;
}
