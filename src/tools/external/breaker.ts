/**
 * @module tools/external/breaker
 * A circuit breaker per upstream server, so a dead server costs callers nothing but a fast failure.
 *
 * ## States
 * - `closed`: calls go through; each failure counts, a success resets the count.
 * - `closed` → `open` after `failureThreshold` consecutive failures: calls fail fast for `cooldownMs`.
 * - `open` → `half_open` once the cool-down is over: exactly one call (the probe) goes through, the others
 *   keep failing fast while it runs.
 * - `half_open` → `closed` when the probe succeeds, → `open` (a new cool-down) when it fails.
 *
 * Background checks (tool-list refreshes) go by {@link CircuitBreaker.allowsBackgroundCheck}: they may run
 * whenever a call could, but never take the probe, which is kept for a call. Their outcome counts like a
 * call's: a success closes the circuit, a failure counts (and reopens it once the cool-down is over).
 */
import { BreakerState, type BreakerView } from "../../contract/servers";

/** The breaker's states, as the contract lists them. */
const State = BreakerState.enum;

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Told of every change of state (for the log: a circuit that opened or closed). */
  onChange?: (from: BreakerState, to: BreakerState) => void;
}

export class CircuitBreaker {
  #state: BreakerState = State.closed;
  #failures = 0;
  #openedAt = 0;
  #probeRunning = false;
  readonly #options: Required<BreakerOptions>;

  constructor(options: BreakerOptions) {
    this.#options = { now: Date.now, onChange: () => undefined, ...options };
  }

  /**
   * Whether a call may go through now. A call that is let through must end in {@link succeed} or {@link fail};
   * in `half_open` it is the probe.
   */
  tryAcquire(): boolean {
    if (this.#state === State.open) {
      if (this.#options.now() - this.#openedAt < this.#options.cooldownMs) return false;
      this.#enter(State.half_open);
    }
    if (this.#state === State.half_open) {
      if (this.#probeRunning) return false;
      this.#probeRunning = true;
    }
    return true;
  }

  /**
   * Whether a background check may contact the server now: while closed, and once an open circuit's cool-down
   * is over. It does not take the probe, so a call after the cool-down goes through whatever listing does.
   * A check that ran ends in {@link succeed} or {@link fail} (or nothing, when cancelled).
   */
  allowsBackgroundCheck(): boolean {
    return this.#state !== State.open || this.#options.now() - this.#openedAt >= this.#options.cooldownMs;
  }

  succeed(): void {
    this.#enter(State.closed);
    this.#failures = 0;
    this.#probeRunning = false;
  }

  fail(): void {
    this.#failures++;
    this.#probeRunning = false;
    if (this.#state === State.half_open || this.#failures >= this.#options.failureThreshold) {
      this.#openedAt = this.#options.now();
      this.#enter(State.open);
    }
  }

  /** A call that was let through but ended without saying anything about the server (cancelled by the caller). */
  release(): void {
    this.#probeRunning = false;
  }

  view(): BreakerView {
    const open = this.#state === State.open;
    return {
      state: this.#state,
      consecutive_failures: this.#failures,
      retry_at: open ? new Date(this.#openedAt + this.#options.cooldownMs) : null,
    };
  }

  #enter(next: BreakerState): void {
    const from = this.#state;
    this.#state = next;
    if (from !== next) this.#options.onChange(from, next);
  }

  /** Milliseconds until an open circuit lets a probe through. */
  retryInMs(): number {
    return Math.max(0, this.#openedAt + this.#options.cooldownMs - this.#options.now());
  }
}
