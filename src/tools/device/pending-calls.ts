/**
 * @module tools/device/pending-calls
 * The `tools/call` requests waiting for the device's reply, by JSON-RPC id. They live in memory only: a call
 * holds its caller's request open, which keeps the object awake. Each ends once, with whichever comes first: the
 * device's reply (or its refusal for size), its timeout, its caller's signal, or its relay closing or being
 * replaced; a late reply then finds nothing waiting.
 */
import type { DeviceMessage } from "../../contract/device-frames";
import { abortReason } from "../../util/abort";

/** A cancelled call's reason when its signal gave none that says more. */
const CANCELLED = "the call was cancelled";

/** How a `tools/call` ended. */
export type CallOutcome =
  | { kind: "reply"; message: Extract<DeviceMessage, { kind: "result" | "error" }> }
  | { kind: "timeout"; afterMs: number }
  | { kind: "unavailable"; reason: string }
  | { kind: "cancelled"; reason: string }
  /** The device answered with a frame the relay refused (over the size limit). */
  | { kind: "refused"; reason: string };

/** How a call ends when its caller's signal aborted it. */
export function cancelled(signal: AbortSignal): CallOutcome {
  return { kind: "cancelled", reason: abortReason(signal, CANCELLED) };
}

interface PendingCall {
  relay: number;
  finish(outcome: CallOutcome): void;
}

export class PendingCalls {
  readonly #calls = new Map<number, PendingCall>();

  /**
   * Waits for the end of request `id`, sent on `relay` by `send` (false: the relay is closed) once it is
   * registered, so no reply can come before it is waited for.
   */
  wait(
    id: number,
    relay: number,
    options: { timeoutMs: number; signal?: AbortSignal },
    send: () => boolean,
  ): Promise<CallOutcome> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.resolve(cancelled(signal));
    return new Promise<CallOutcome>((resolve) => {
      const finish = (outcome: CallOutcome) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#calls.delete(id);
        resolve(outcome);
      };
      const onAbort = () => finish(cancelled(signal as AbortSignal));
      const timer = setTimeout(() => finish({ kind: "timeout", afterMs: timeoutMs }), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#calls.set(id, { relay, finish });
      if (!send()) finish({ kind: "unavailable", reason: "the device relay is closed" });
    });
  }

  /** Ends request `id` with `outcome`; false when nothing waits for it. */
  finish(id: number, outcome: CallOutcome): boolean {
    const call = this.#calls.get(id);
    call?.finish(outcome);
    return call !== undefined;
  }

  /** Fails, as unavailable for `reason`, every call sent on a relay `which` picks. */
  failOn(which: (relay: number) => boolean, reason: string): void {
    for (const call of [...this.#calls.values()]) {
      if (which(call.relay)) call.finish({ kind: "unavailable", reason });
    }
  }
}
