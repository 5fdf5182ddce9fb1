/**
 * @module contract/limits
 * Bounds every API and the configuration share: how long one tool call may be given, how deep a request's JSON
 * may nest, how much a device frame (and what the service keeps of it) may weigh, how big a batch may be and how
 * many jobs a session may run (and how long it keeps finished ones).
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
/**
 * The largest device frame, in UTF-8 bytes, taken on the relay or by `POST .../messages` (there as compact JSON).
 * The firmware pages `tools/list` at 8,000 bytes of JSON and answers at most 8,192: four times that leaves room
 * for the gateway's envelope and escaping.
 */
export const MAX_DEVICE_FRAME_BYTES = 32 * 1024;
/** The largest notification `params` (as JSON, UTF-8 bytes) a session records as its `last_notification`. */
export const MAX_NOTIFICATION_PARAMS_BYTES = 4 * 1024;
/** How much device text (an error message) the service quotes in what it stores, answers or logs. */
export const MAX_QUOTED_DEVICE_TEXT_CHARS = 500;

/** The most calls one batch (`POST /api/v1/mcp/tools/batch`, BatchExecuteTools) may hold. */
export const MAX_BATCH_CALLS = 16;
/** How many of a batch's calls run at once when it does not say (`max_concurrency`). */
export const DEFAULT_BATCH_CONCURRENCY = 4;
/** The most of a batch's calls that may run at once. */
export const MAX_BATCH_CONCURRENCY = 8;
/** The most jobs (async executes) one session may have pending or running at once. */
export const MAX_RUNNING_JOBS_PER_SESSION = 4;
/** How long a finished job stays readable before the session's alarm deletes it. */
export const FINISHED_JOB_RETENTION_MS = 10 * 60_000;
