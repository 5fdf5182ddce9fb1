/**
 * @module contract/limits
 * Bounds every API and the configuration share: how long one tool call may be given, and how deep a request's
 * JSON may nest.
 */
import { z } from "@hono/zod-openapi";

/** The shortest per-call timeout anything may ask for. */
export const MIN_CALL_TIMEOUT_MS = 100;
/** The longest per-call timeout: 300 s is the longest the device firmware waits for a tool. */
export const MAX_CALL_TIMEOUT_MS = 300_000;

/** A per-call timeout in milliseconds, within the bounds above. */
export const CallTimeoutMs = z.number().int().min(MIN_CALL_TIMEOUT_MS).max(MAX_CALL_TIMEOUT_MS);

/**
 * How deep objects and arrays may nest in a request, the body (or RPC message) itself counting as one level:
 * tool arguments and device frames need a handful, and a value nested thousands deep would exhaust the stack
 * of whatever walks it (the Durable Object's RPC serialiser first).
 */
export const MAX_JSON_DEPTH = 64;
