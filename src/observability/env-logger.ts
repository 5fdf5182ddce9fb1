/**
 * @module observability/env-logger
 * A {@link Logger} at the level the Worker's configuration sets (`log.level`, or the `LOG_LEVEL` var): what every
 * owner of an `env` (a request's handler, a Durable Object) logs with, and hands to the collaborators it builds.
 * Apart from log.ts so that configuration loading, which log.ts must not import, can write lines itself.
 */
import type { ConfigEnv } from "../config/load";
import { loadConfig } from "../config/load";
import { type LogFields, Logger } from "./log";

/** A logger at the configured level (`info` while the configuration is invalid: that failure must be seen). */
export function loggerFor(env: ConfigEnv, base: LogFields = {}): Logger {
  const loaded = loadConfig(env);
  return new Logger(loaded.ok ? loaded.config.log.level : "info", base);
}
