/**
 * @module durable-objects/session-metrics
 * What a session reports about itself: each execution (an Analytics Engine data point, and a count for the
 * Prometheus figures) and each bind, unbind and expiry (a data point). Nothing here is awaited by the call it
 * reports on: the data point is a synchronous write the runtime sends later, and counts go into a batch in memory
 * that a background call hands to the tenant's metrics shard (durable-objects/metrics) at most once per
 * {@link FLUSH_DELAY_MS}.
 *
 * ## Batching and what can be lost
 * The first execution after a send schedules the next one {@link FLUSH_DELAY_MS} later; executions meanwhile only
 * add to the batch, so a busy session makes one call a second, not one per execution (a call per execution cost
 * a quarter of local-execute throughput in `npm run bench:metrics`). A send that fails puts its batch back, to go
 * with the next one. Counts are in memory only (writing them to storage would hold every execute's answer until
 * the write is durable), so what is lost is what was counted and not yet delivered when the object goes away: the
 * last second's counts when the runtime restarts the object, or a failed batch of a session that executes nothing
 * more before it is evicted. A scrape lags executions by up to {@link FLUSH_DELAY_MS}.
 *
 * The `METRICS_RECORDING` var set to `off` turns all of it off (see src/env.ts).
 */
import type { Env } from "../src/env";
import { writeExecutionPoint, writeSessionPoint } from "../src/observability/analytics";
import { loggerFor } from "../src/observability/env-logger";
import type { Logger } from "../src/observability/log";
import { ExecutionBatch, OTHER_TOOL } from "../src/observability/metrics-model";
import { metricsShard, metricsStub } from "./metrics";
import type { FinishedCall } from "./session-execution";
import type { BindingRow } from "./session-storage";

/** How long a session collects executions before sending them to its metrics shard. */
export const FLUSH_DELAY_MS = 1_000;

export class SessionMetrics {
  readonly #pending = new ExecutionBatch();
  #sending: Promise<void> | undefined;
  readonly #on: boolean;
  readonly #logger: Logger;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    this.#on = env.METRICS_RECORDING !== "off";
    this.#logger = loggerFor(env);
  }

  /** A call that ran its tool (or was refused before calling it), or named none the session offers. */
  executed(binding: BindingRow, { name, tool, result, durationMs }: FinishedCall): void {
    this.#count(binding, result.success ? "success" : "error", durationMs, {
      toolName: name,
      labelName: tool ? tool.name : OTHER_TOOL,
      source: tool?.source ?? "",
      server: tool?.server ?? "",
      errorCode: result.error?.code ?? "",
    });
  }

  /** A bind (`created` when the session was new), an unbind or an expiry. */
  sessionEvent(binding: BindingRow, event: "bind" | "unbind" | "expire", created = false): void {
    if (!this.#on) return;
    const boundMs = event === "bind" ? 0 : Math.max(0, Date.now() - binding.bound_at);
    const point = { tenant: binding.tenant, sessionId: binding.session_id, event, created, boundMs };
    writeSessionPoint(this.env.ANALYTICS, point, this.#logger);
  }

  #count(
    binding: BindingRow,
    status: "success" | "error",
    durationMs: number,
    tool: { toolName: string; labelName: string; source: string; server: string; errorCode: string },
  ): void {
    if (!this.#on) return;
    writeExecutionPoint(
      this.env.ANALYTICS,
      {
        tenant: binding.tenant,
        sessionId: binding.session_id,
        toolName: tool.toolName,
        source: tool.source,
        server: tool.server,
        status,
        errorCode: tool.errorCode,
        durationMs,
      },
      this.#logger,
    );
    this.#pending.add(tool.labelName, status, durationMs / 1000);
    this.#schedule(binding.tenant, binding.session_id);
  }

  /** A send {@link FLUSH_DELAY_MS} from now, unless one is waiting already. */
  #schedule(tenant: string, sessionId: string): void {
    if (this.#sending) return;
    this.#sending = this.#sendLater(tenant, sessionId);
    this.ctx.waitUntil(this.#sending);
  }

  /**
   * After {@link FLUSH_DELAY_MS}, hands the batch to the session's shard, and schedules another send for what
   * came in meanwhile. A failed batch is kept for the send the next execution schedules (no retry loop keeps an
   * idle object awake).
   */
  async #sendLater(tenant: string, sessionId: string): Promise<void> {
    await scheduler.wait(FLUSH_DELAY_MS);
    const batch = this.#pending.drain();
    let delivered = true;
    try {
      await metricsStub(this.env, tenant, metricsShard(sessionId)).record(batch);
    } catch (error) {
      delivered = false;
      this.#pending.restore(batch);
      // Kept for the next send.
      this.#logger.warn("metrics_batch_undelivered", {
        tenant,
        session: sessionId,
        error: String(error),
      });
    }
    this.#sending = undefined;
    if (delivered && !this.#pending.empty) this.#schedule(tenant, sessionId);
  }
}
