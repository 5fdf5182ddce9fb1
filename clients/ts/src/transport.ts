/**
 * @module transport
 * The client's HTTP plumbing: sends one call to the service with its request id, bearer key and deadline,
 * retries an idempotent call on retryable failures with jittered backoff, keeps the circuit breaker, and turns
 * every failure into a ServiceError.
 */
import { randomBytes } from "node:crypto";
import { CircuitBreaker, type BreakerState } from "./breaker.ts";
import { ClientCode, ServiceError } from "./errors.ts";
import type { Settings } from "./options.ts";
import type { ErrorResponse } from "./types.ts";

export interface Call {
  op: string;
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
  idempotent: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Answer<T> {
  data: T;
  requestId: string;
}

export class Transport {
  readonly #options: Settings;
  readonly #breaker: CircuitBreaker;

  constructor(options: Settings) {
    this.#options = options;
    this.#breaker = new CircuitBreaker(options.breakerThreshold, options.breakerCooldownMs);
  }

  /** closed, open or half_open. */
  get breakerState(): BreakerState {
    return this.#breaker.state;
  }

  /** Sends a call, retrying an idempotent one on retryable failures, through the breaker. */
  async call<T>(call: Call): Promise<Answer<T>> {
    const attempts = call.idempotent ? Math.max(1, this.#options.retryAttempts) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once<T>(call);
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        err.attempts = attempt;
        if (attempt >= attempts || !err.isRetryable || call.signal?.aborted) throw err;
        const delay = this.#backoff(attempt);
        this.#options.logger("debug", `${call.op}: ${err.code}; attempt ${attempt + 1} in ${delay} ms`, {
          request_id: err.requestId,
        });
        await sleep(delay, call.signal);
      }
    }
  }

  async #once<T>(call: Call): Promise<Answer<T>> {
    const sentId = newRequestId();
    const fail = (
      code: string,
      message: string,
      extra: { status?: number; details?: unknown; cause?: unknown; requestId?: string } = {},
    ) => new ServiceError({ op: call.op, code, message, requestId: extra.requestId ?? sentId, ...extra });
    if (!this.#breaker.allow()) {
      throw fail(ClientCode.circuitOpen, "the circuit is open after repeated service failures: not sent");
    }
    const timeout = AbortSignal.timeout(call.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.#options.apiKey}`, "X-Request-Id": sentId };
    if (call.body !== undefined) headers["Content-Type"] = "application/json";
    let error: ServiceError;
    try {
      const res = await this.#options.fetch(this.#options.baseUrl + call.path, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
      });
      const requestId = res.headers.get("x-request-id") ?? res.headers.get("cf-ray") ?? sentId;
      const text = await res.text();
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
      if (res.ok && data !== undefined) {
        this.#breaker.record(false);
        return { data: data as T, requestId };
      }
      const apiError = (data as Partial<ErrorResponse> | undefined)?.error;
      if (!res.ok && apiError && typeof apiError.code === "string") {
        error = fail(apiError.code, apiError.message ?? "", { status: res.status, details: apiError.details, requestId });
      } else {
        const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
        const code = res.status >= 500 ? ClientCode.unavailable : ClientCode.badResponse;
        error = fail(code, `HTTP ${res.status}: ${snippet}`, { status: res.status, requestId });
      }
    } catch (err) {
      if (call.signal?.aborted) {
        this.#breaker.release();
        throw fail(ClientCode.cancelled, "the caller aborted the call", { cause: err });
      }
      if (timeout.aborted) error = fail(ClientCode.timeout, `no answer within ${call.timeoutMs} ms`, { cause: err });
      else error = fail(ClientCode.unavailable, describe(err), { cause: err });
    }
    const before: BreakerState = this.#breaker.state;
    this.#breaker.record(error.isUnhealthy);
    if (before !== "open" && this.#breaker.state === "open") {
      this.#options.logger("warn", `the service circuit opened after ${this.#options.breakerThreshold} failures in a row`, {
        code: error.code,
        request_id: error.requestId,
      });
    }
    throw error;
  }

  /** The wait before retry n (1-based): base doubled n-1 times, capped at the max, jittered in [d/2, d]. */
  #backoff(n: number): number {
    const d = Math.min(this.#options.retryMaxDelayMs, this.#options.retryBaseDelayMs * 2 ** (n - 1));
    return Math.round(d / 2 + Math.random() * (d / 2));
  }
}

function newRequestId(): string {
  return `gw-${randomBytes(12).toString("hex")}`;
}

/** The transport's reason: undici hides it in `cause` (ECONNREFUSED, ECONNRESET …). */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const message = err instanceof Error ? err.message : String(err);
  return cause?.code ? `${message}: ${cause.code}` : cause?.message ? `${message}: ${cause.message}` : message;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
