/**
 * @module tools/external/timeout-signal
 * A deadline as an AbortSignal whose timer can be dropped once the work is done. `AbortSignal.timeout()` has
 * no such way, and a pending timer keeps a Durable Object from hibernating (or being evicted) until it fires:
 * a 30 s call timeout would hold the object awake 30 s after every call. Internal to the external source.
 */

/** A signal that aborts with a `TimeoutError` after `ms`, unless {@link TimeoutSignal.clear} is called first. */
export interface TimeoutSignal {
  signal: AbortSignal;
  clear(): void;
}

export function timeoutSignal(ms: number): TimeoutSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, "TimeoutError")), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
