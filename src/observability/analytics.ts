/**
 * @module observability/analytics
 * The Workers Analytics Engine data points (dataset `xiaozhi_mcp_service`, binding `ANALYTICS`): one per tool
 * execution and one per session bind, unbind and expiry. Writing one is synchronous and never fails the caller:
 * the runtime sends it after the response, a missing binding is skipped, and a refused point is only logged (on
 * the caller's logger).
 *
 * ## Layout (the SQL in ops/analytics/ reads these columns)
 * | column   | execution                                   | bind / unbind / expire                        |
 * |----------|---------------------------------------------|-----------------------------------------------|
 * | index1   | tenant                                      | tenant                                        |
 * | blob1    | `execute`                                   | `bind`, `unbind` or `expire`                  |
 * | blob2    | tool name (as listed; the name asked for when no such tool) | ``                            |
 * | blob3    | source kind: `local`, `external`, `device` (`` when no such tool) | ``                      |
 * | blob4    | external server's configured name, else ``  | ``                                            |
 * | blob5    | `success` or `error`                        | bind: `created` or `updated`; else `ended`    |
 * | blob6    | the error code (`tool_error`, `tool_not_found`, …), else `` | ``                            |
 * | blob7    | session id                                  | session id                                    |
 * | double1  | duration in ms                              | unbind/expire: ms the session was bound; bind: 0 |
 * | double2  | 0                                           | change of the bound-session count: +1, 0 or -1 |
 */
import type { Logger } from "./log";
import type { ExecutionStatus } from "./metrics-model";

/** The binding's one method this module uses (a test can stand in for it). */
export interface DataPointWriter {
  writeDataPoint(point: AnalyticsEngineDataPoint): void;
}

/** One tool execution as written. */
export interface ExecutionPoint {
  tenant: string;
  sessionId: string;
  toolName: string;
  source: string;
  server: string;
  status: ExecutionStatus;
  errorCode: string;
  durationMs: number;
}

/** A session's bind, unbind or expiry as written. */
export interface SessionPoint {
  tenant: string;
  sessionId: string;
  event: "bind" | "unbind" | "expire";
  /** bind: whether the session was new. */
  created?: boolean;
  /** How long the session has been bound (0 for a bind). */
  boundMs: number;
}

/** Writes an execution's data point. */
export function writeExecutionPoint(dataset: DataPointWriter | undefined, point: ExecutionPoint, logger: Logger): void {
  write(dataset, logger, {
    indexes: [point.tenant],
    blobs: ["execute", point.toolName, point.source, point.server, point.status, point.errorCode, point.sessionId],
    doubles: [point.durationMs, 0],
  });
}

/** Writes a session event's data point. */
export function writeSessionPoint(dataset: DataPointWriter | undefined, point: SessionPoint, logger: Logger): void {
  const status = point.event === "bind" ? (point.created ? "created" : "updated") : "ended";
  const delta = point.event === "bind" ? (point.created ? 1 : 0) : -1;
  write(dataset, logger, {
    indexes: [point.tenant],
    blobs: [point.event, "", "", "", status, "", point.sessionId],
    doubles: [point.boundMs, delta],
  });
}

function write(dataset: DataPointWriter | undefined, logger: Logger, point: AnalyticsEngineDataPoint): void {
  if (!dataset) return;
  try {
    dataset.writeDataPoint(point);
  } catch (error) {
    logger.warn("analytics_point_refused", { point_event: point.blobs?.[0], error: String(error) });
  }
}
