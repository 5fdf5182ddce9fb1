/**
 * @module tools/external/upstream-session
 * The one shape of a stored upstream session, and the store the source keeps it in. A Streamable HTTP session
 * id and protocol version are stored when a connection opens one, so a woken Durable Object resumes that session
 * without `initialize`, and so the session object can end it upstream when it is unbound or expires (see
 * end-sessions.ts). SSE sessions live only as long as their stream: nothing is stored for them.
 */
import { z } from "zod";
import { UpstreamTransport } from "../../contract/servers";

/** What is kept of an upstream session (parsed on read: a stored session that does not fit is not resumed). */
export const StoredUpstreamSession = z.object({
  /** The configured server's name. */
  server: z.string(),
  /** The server's URL when the session was opened: a session of another endpoint is not resumed. */
  url: z.string(),
  transport: UpstreamTransport,
  session_id: z.string().min(1),
  protocol_version: z.string(),
});
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
