/**
 * @module durable-objects/agent-endpoint-calls
 * The `tools/call` requests an endpoint object has sent and waits on, in memory (a call keeps the object
 * awake: its caller's RPC is in flight). Each ends exactly once: by the reply, by its timeout (a reply after
 * that finds nothing and is dropped), or by its socket closing.
 */
import type { EndpointCallOutcome } from "../src/tools/endpoint/types";

interface Pending {
  resolve: (outcome: EndpointCallOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class EndpointCalls {
  readonly #pending = new Map<string, Pending>();

  /** Waits for the reply to request `id` on `socket`, at most `timeoutMs`. */
  wait(socket: number, id: number, timeoutMs: number): Promise<EndpointCallOutcome> {
    const key = keyOf(socket, id);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(key);
        resolve({ kind: "timeout", afterMs: timeoutMs });
      }, timeoutMs);
      this.#pending.set(key, { resolve, timer });
    });
  }

  /** Ends the call `id` on `socket` with `outcome`; false when nothing waits for it (a late reply). */
  settle(socket: number, id: number | string, outcome: EndpointCallOutcome): boolean {
    const key = keyOf(socket, id);
    const pending = this.#pending.get(key);
    if (!pending) return false;
    this.#pending.delete(key);
    clearTimeout(pending.timer);
    pending.resolve(outcome);
    return true;
  }

  /** Ends every call waiting on `socket` (it closed) as unavailable, saying why. */
  failSocket(socket: number, reason: string): void {
    const prefix = `${socket}:`;
    for (const key of [...this.#pending.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const pending = this.#pending.get(key)!;
      this.#pending.delete(key);
      clearTimeout(pending.timer);
      pending.resolve({ kind: "unavailable", reason });
    }
  }
}

function keyOf(socket: number, id: number | string): string {
  return `${socket}:${String(id)}`;
}
