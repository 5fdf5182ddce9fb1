/**
 * A consecutive-failure circuit breaker shared by all calls of one client.
 * closed (calls go through) → open after `threshold` service failures in a row (calls fail fast with
 * `circuit_open`) → after `cooldownMs`, half-open: one call goes through as a probe; its success closes the
 * circuit, its failure opens it for another cooldown. A threshold ≤ 0 disables it.
 */
export type BreakerState = "closed" | "open" | "half_open";

export class CircuitBreaker {
  readonly threshold: number;
  readonly cooldownMs: number;
  readonly #now: () => number;
  #failures = 0;
  #openUntil = 0;
  #probing = false;

  constructor(threshold: number, cooldownMs: number, now: () => number = Date.now) {
    this.threshold = threshold;
    this.cooldownMs = cooldownMs;
    this.#now = now;
  }

  /** Whether a call may go out now (a half-open circuit lets one through). */
  allow(): boolean {
    if (this.threshold <= 0 || this.#failures < this.threshold) return true;
    if (this.#now() < this.#openUntil || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** A call's outcome: `failed` is true for a failure that says the service is unhealthy. */
  record(failed: boolean): void {
    if (this.threshold <= 0) return;
    this.#probing = false;
    if (!failed) {
      this.#failures = 0;
      return;
    }
    this.#failures++;
    if (this.#failures >= this.threshold) this.#openUntil = this.#now() + this.cooldownMs;
  }

  /** An allowed call ended without saying anything about the service (the caller aborted it). */
  release(): void {
    this.#probing = false;
  }

  get state(): BreakerState {
    if (this.threshold <= 0 || this.#failures < this.threshold) return "closed";
    return this.#now() < this.#openUntil ? "open" : "half_open";
  }
}
