/**
 * @module observability/log
 * The service's structured log: one JSON object per line on the console, which `wrangler dev` prints as is and
 * Workers Logs (`[observability]` in wrangler.toml) indexes field by field. Every line has `level` and `event`
 * (a snake_case name: `request`, `execution_failed`, `upstream_down`, …) and the fields of its moment; the lines
 * of one request share its `request_id`.
 *
 * The level comes from the configuration (`log.level` in service.config.json, or the `LOG_LEVEL` var; see
 * env-logger.ts, which builds a logger at it): lines below it are not written. This module reads no configuration
 * itself, so configuration loading can log through it too. No line carries a credential or an argument value: fields are chosen where a line
 * is written, and any field whose name says it holds one (`authorization`, `token`, `arguments`, …) is written
 * as `"[redacted]"` whatever it holds.
 */
import type { LogLevel } from "../config/schema";

/** The fields of a line, besides `level` and `event`. */
export type LogFields = Record<string, unknown>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values never reach a line (matched whole, case-insensitively). */
const SECRET_FIELD = /^(authorization|api_?keys?|keys?|token|secret|password|arguments|args|headers|cookie)$/i;

const WRITERS: Record<LogLevel, (line: string) => void> = {
  debug: (line) => console.debug(line),
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

/** Writes lines at `level` and above, each with the `base` fields (a request's id, a session's id). */
export class Logger {
  constructor(
    readonly level: LogLevel,
    private readonly base: LogFields = {},
  ) {}

  /** The same logger with more fields on every line. */
  with(fields: LogFields): Logger {
    return new Logger(this.level, { ...this.base, ...fields });
  }

  /** Whether a line at `level` would be written. */
  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  log(level: LogLevel, event: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    WRITERS[level](JSON.stringify({ level, event, ...clean(this.base), ...clean(fields) }));
  }

  debug(event: string, fields?: LogFields): void {
    this.log("debug", event, fields);
  }
  info(event: string, fields?: LogFields): void {
    this.log("info", event, fields);
  }
  warn(event: string, fields?: LogFields): void {
    this.log("warn", event, fields);
  }
  error(event: string, fields?: LogFields): void {
    this.log("error", event, fields);
  }
}

/** An unexpected error as one field: its stack when it has one (where it broke), else its text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

/** `fields` without undefined values, with errors as their message and secret fields redacted. */
function clean(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[name] = SECRET_FIELD.test(name) ? "[redacted]" : value instanceof Error ? String(value) : value;
  }
  return out;
}
