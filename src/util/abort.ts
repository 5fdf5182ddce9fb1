/**
 * @module util/abort
 * Waiting under an AbortSignal, in one place: a deadline whose timer can be dropped, a race of work against a
 * signal, a cancellable sleep, and the text of an abort's reason. A shared leaf: it imports nothing of the
 * service, and every layer may import it. Whatever rejects here rejects with an Error.
 */

/** A signal that aborts with a `TimeoutError` after `ms`, unless {@link TimeoutSignal.clear} is called first. */
export interface TimeoutSignal {
  signal: AbortSignal;
  clear(): void;
}

/**
 * A deadline as an AbortSignal whose timer can be dropped once the work is done. `AbortSignal.timeout()` has no
 * such way, and a pending timer keeps a Durable Object from hibernating (or being evicted) until it fires: a
 * 30 s call timeout would hold the object awake 30 s after every call.
 */
export function timeoutSignal(ms: number): TimeoutSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, "TimeoutError")), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** The signal's reason as an Error: the reason itself when it is one. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

/**
 * The message of the signal's reason; `otherwise` (by default the reason as text) when the reason is not an
 * Error or there is no signal.
 */
export function abortReason(signal: AbortSignal | undefined, otherwise?: string): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason.message;
  return otherwise ?? String(reason);
}

/**
 * Starts `work` and answers with its value, unless `signal` aborts first: then it rejects with
 * `toError(signal)` at once (by default {@link abortError}), and `work` is not started (when the signal had
 * already aborted) or keeps running for whoever else waits on it, its late answer dropped here.
 *
 * @example
 * ```ts
 * const client = await raceAbort(signal, () => sharedConnect);
 * ```
 */
export function raceAbort<T>(
  signal: AbortSignal,
  work: () => Promise<T>,
  toError: (signal: AbortSignal) => Error = abortError,
): Promise<T> {
  if (signal.aborted) return Promise.reject(toError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(toError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Waits `ms`, or less when `signal` aborts (then rejects with {@link abortError}). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      if (signal) reject(abortError(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
