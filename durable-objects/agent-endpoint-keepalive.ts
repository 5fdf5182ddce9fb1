/**
 * @module durable-objects/agent-endpoint-keepalive
 * What the endpoint object's alarm owes each socket, decided from its stored row alone: close it when its
 * handshake missed the deadline (4000) or its ping went unanswered (4002), ping it once an interval has gone
 * by since the last ping (or the connection), and when the alarm must next run for it.
 */
import { ENDPOINT_HANDSHAKE_MS } from "../src/contract/endpoint";
import type { Env } from "../src/env";
import { EndpointCloseCode } from "./agent-endpoint-handshake";
import type { SocketRow } from "./agent-endpoint-storage";

/** How often each socket is pinged without `ENDPOINT_PING_SECONDS` (xiaozhi.me's own rhythm). */
const DEFAULT_PING_INTERVAL_MS = 60_000;

/** The pings' rhythm: how often, and how long one may go unanswered. */
export interface Keepalive {
  intervalMs: number;
  answerMs: number;
}

/** The rhythm `env` sets; a ping may go unanswered for the handshake's allowance, or the interval if shorter. */
export function keepaliveOf(env: Env): Keepalive {
  const seconds = Number(env.ENDPOINT_PING_SECONDS);
  const intervalMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_PING_INTERVAL_MS;
  return { intervalMs, answerMs: Math.min(ENDPOINT_HANDSHAKE_MS, intervalMs) };
}

/** What is due for `row` at `now`. */
export type Due = { kind: "close"; code: number; reason: string } | { kind: "ping" } | null;

export function dueNow(row: SocketRow, now: number, keepalive: Keepalive): Due {
  if (row.deadline !== null) {
    if (row.deadline > now) return null;
    const reason = `no complete answer to initialize and tools/list within ${ENDPOINT_HANDSHAKE_MS / 1000} s`;
    return { kind: "close", code: EndpointCloseCode.handshakeTimeout, reason };
  }
  if (row.ping_id !== null && row.ping_sent_at !== null) {
    if (row.ping_sent_at + keepalive.answerMs > now) return null;
    return {
      kind: "close",
      code: EndpointCloseCode.pingTimeout,
      reason: "no answer to ping: the server behind the pipe is gone or stuck",
    };
  }
  return nextDueAt(row, keepalive) <= now ? { kind: "ping" } : null;
}

/** When the alarm must next run for `row`. */
export function nextDueAt(row: SocketRow, keepalive: Keepalive): number {
  if (row.deadline !== null) return row.deadline;
  if (row.ping_id !== null && row.ping_sent_at !== null) return row.ping_sent_at + keepalive.answerMs;
  return (row.ping_sent_at ?? row.connected_at) + keepalive.intervalMs;
}
