/**
 * @module durable-objects/upstream-session-storage
 * The external source's {@link UpstreamSessionStore} over the session's SQLite: one `session_upstream` row per
 * server with a resumable upstream session or a remembered 2026-07-28 discover answer (DDL in `session-schema.ts`). Rows are parsed on read: one that does
 * not fit is not resumed. Writes happen only while the session's tables exist, that is while it is bound, so a
 * connection that opens after an unbind leaves no trace.
 */
import { StoredUpstreamSession, type UpstreamSessionStore } from "../src/tools/external/upstream-session";
import type { SessionSchema } from "./session-schema";
import type { Sql } from "./sql";

const COLUMNS = "server, url, transport, session_id, protocol_version, discover";

export class SqlUpstreamSessionStore implements UpstreamSessionStore {
  constructor(
    private readonly sql: Sql,
    private readonly schema: SessionSchema,
  ) {}

  load(server: string): StoredUpstreamSession | null {
    if (!this.schema.exists()) return null;
    return this.sql.first(StoredUpstreamSession, `SELECT ${COLUMNS} FROM session_upstream WHERE server = ?`, server);
  }

  all(): StoredUpstreamSession[] {
    if (!this.schema.exists()) return [];
    return this.sql.rows(StoredUpstreamSession, `SELECT ${COLUMNS} FROM session_upstream`);
  }

  save(session: StoredUpstreamSession): void {
    if (!this.schema.exists()) return;
    this.sql.run(
      `INSERT OR REPLACE INTO session_upstream (${COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      session.server,
      session.url,
      session.transport,
      session.session_id,
      session.protocol_version,
      session.discover,
      Date.now(),
    );
  }

  clear(server: string): void {
    if (!this.schema.exists()) return;
    this.sql.run("DELETE FROM session_upstream WHERE server = ?", server);
  }
}
