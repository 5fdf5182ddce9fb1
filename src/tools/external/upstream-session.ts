/**
 * @module tools/external/upstream-session
 * The one shape of what a session stores of an upstream, and the store the source keeps it in. For a 2025-era
 * server: the Streamable HTTP session id and protocol version a connection opened, so a woken Durable Object
 * resumes that session without `initialize`, and so the session object can end it upstream when it is unbound or
 * expires (see end-sessions.ts). For a 2026-07-28 server (stateless: no session): its `server/discover` answer
 * and the version agreed, so a woken object neither probes nor rediscovers. SSE sessions live only as long as
 * their stream: nothing is stored for them.
 */
import { z } from "zod";
import { UpstreamTransport } from "../../contract/servers";

/** What is kept of an upstream session (parsed on read: a stored session that does not fit is not resumed). */
export const StoredUpstreamSession = z
  .object({
    /** The configured server's name. */
    server: z.string(),
    /** The server's URL when the session was opened: a session of another endpoint is not resumed. */
    url: z.string(),
    transport: UpstreamTransport,
    /** The 2025-era session's id; empty for a 2026-07-28 server, which has no sessions. */
    session_id: z.string(),
    protocol_version: z.string(),
    /** A 2026-07-28 server's `server/discover` answer, as JSON; null for a 2025-era server. */
    discover: z.string().nullable(),
  })
  .refine((stored) => stored.session_id !== "" || stored.discover !== null, "neither a session id nor a discover answer");
export type StoredUpstreamSession = z.infer<typeof StoredUpstreamSession>;

/** Where the source keeps its resumable sessions (the session object's SQLite). */
export interface UpstreamSessionStore {
  /** The stored session of `server`, or null. */
  load(server: string): StoredUpstreamSession | null;
  /** Every stored session, whichever server (for ending them upstream). */
  all(): StoredUpstreamSession[];
  save(session: StoredUpstreamSession): void;
  clear(server: string): void;
}
