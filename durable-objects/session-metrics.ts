/**
 * @module durable-objects/session-metrics
 * What a session reports about itself: each execution (an Analytics Engine data point, and a count for the
 * Prometheus figures) and each bind, unbind and expiry (a data point). Nothing here is awaited by the call it
 * reports on: the data point is a synchronous write the runtime sends later, and counts go into a batch in memory
 * that one background call at a time hands to the tenant's metrics shard (durable-objects/metrics).
 *
 * ## Batching and what can be lost
 * Each execution adds to the batch and starts a send unless one is running; a running send takes whatever was
 * added meanwhile when it finishes, so a busy session makes one call per round trip, not per execution. A send that
 * fails puts its batch back, to go with the next execution's. Counts are in memory only (writing them to storage
 * would hold every execute's answer until the write is durable), so what is lost is what was counted and not yet
 * delivered when the object goes away: a failed batch of a session that executes nothing more before it is
 * evicted, or the batch in flight when the runtime restarts.
 *
 * The `METRICS_RECORDING` var set to `off` turns all of it off (see src/env.ts).
 */
import type { ExecutionResult } from "../src/contract/execution";
import type { ToolDescriptor } from "../src/contract/tools";
import type { Env } from "../src/env";
import { writeExecutionPoint, writeSessionPoint } from "../src/observability/analytics";
import { ExecutionBatch, OTHER_TOOL } from "../src/observability/metrics-model";
import { metricsShard, metricsStub } from "./metrics";
import type { BindingRow } from "./session-storage";

export class SessionMetrics {
  readonly #pending = new ExecutionBatch();
  #sending: Promise<void> | undefined;
  readonly #on: boolean;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    this.#on = env.METRICS_RECORDING !== "off";
  }

  /** An execution that ran `tool` (or was refused before calling it) and answered `result`, from `startedAt` on. */
  executed(binding: BindingRow, tool: ToolDescriptor, result: ExecutionResult, startedAt: number): void {
    const status = result.success ? "success" : "error";
    this.#count(binding, status, startedAt, {
      toolName: tool.name,
      labelName: tool.name,
      source: tool.source,
      server: tool.server ?? "",
      errorCode: result.error?.code ?? "",
    });
  }

  /** An execute naming a tool the session does not offer: counted as an error of the tool `other`. */
  notFound(binding: BindingRow, toolName: string, startedAt: number): void {
    this.#count(binding, "error", startedAt, {
      toolName,
      labelName: OTHER_TOOL,
      source: "",
      server: "",
      errorCode: "tool_not_found",
    });
  }

  /** A bind (`created` when the session was new), an unbind or an expiry. */
  sessionEvent(binding: BindingRow, event: "bind" | "unbind" | "expire", created = false): void {
    if (!this.#on) return;
    const boundMs = event === "bind" ? 0 : Math.max(0, Date.now() - binding.bound_at);
    writeSessionPoint(this.env.ANALYTICS, { tenant: binding.tenant, sessionId: binding.session_id, event, created, boundMs });
  }

  #count(
    binding: BindingRow,
    status: "success" | "error",
    startedAt: number,
    tool: { toolName: string; labelName: string; source: string; server: string; errorCode: string },
  ): void {
    if (!this.#on) return;
    const durationMs = Math.max(0, Date.now() - startedAt);
    writeExecutionPoint(this.env.ANALYTICS, {
      tenant: binding.tenant,
      sessionId: binding.session_id,
      toolName: tool.toolName,
      source: tool.source,
      server: tool.server,
      status,
      errorCode: tool.errorCode,
      durationMs,
    });
    this.#pending.add(tool.labelName, status, durationMs / 1000);
    if (this.#sending) return;
    this.#sending = this.#send(binding.tenant, binding.session_id).finally(() => (this.#sending = undefined));
    this.ctx.waitUntil(this.#sending);
  }

  /** Hands batches to the session's shard until nothing is pending; a failed batch waits for the next execution. */
  async #send(tenant: string, sessionId: string): Promise<void> {
    const shard = metricsStub(this.env, tenant, metricsShard(sessionId));
    while (!this.#pending.empty) {
      const batch = this.#pending.drain();
      try {
        await shard.record(batch);
      } catch (error) {
        this.#pending.restore(batch);
        console.warn("execution counts not delivered to the metrics shard: kept for the next execution", {
          tenant,
          session: sessionId,
          error: String(error),
        });
        return;
      }
    }
  }
}
