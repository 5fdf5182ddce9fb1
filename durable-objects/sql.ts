/**
 * @module durable-objects/sql
 * The one entry point to a session object's SQLite: statements take bound parameters (`?`), never values
 * spliced into the text, and rows come back parsed with a zod schema rather than cast. A row that does not fit
 * its schema is logged (`sql_row_invalid`, on the owner's logger) and left out, so a damaged row reads as absent
 * instead of flowing on mistyped.
 */
import type { z } from "zod";
import type { Logger } from "../src/observability/log";
import { fieldIssues, summarizeIssues } from "../src/validation";

export class Sql {
  constructor(
    private readonly storage: SqlStorage,
    private readonly logger: Logger,
  ) {}

  /** Runs a statement that answers no rows (DDL, INSERT, UPDATE, DELETE). */
  run(query: string, ...bindings: SqlStorageValue[]): void {
    this.storage.exec(query, ...bindings);
  }

  /** The rows `query` answers that fit `schema`, parsed with it. */
  rows<T>(schema: z.ZodType<T>, query: string, ...bindings: SqlStorageValue[]): T[] {
    return this.storage
      .exec(query, ...bindings)
      .toArray()
      .flatMap((row) => {
        const parsed = schema.safeParse(row);
        if (parsed.success) return [parsed.data];
        this.logger.warn("sql_row_invalid", {
          query,
          issues: summarizeIssues(fieldIssues(parsed.error)),
        });
        return [];
      });
  }

  /** The first row `query` answers, parsed with `schema`; null when there is none (or it does not fit). */
  first<T>(schema: z.ZodType<T>, query: string, ...bindings: SqlStorageValue[]): T | null {
    return this.rows(schema, query, ...bindings)[0] ?? null;
  }
}
