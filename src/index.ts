/**
 * @module index
 * The Worker entry: the HTTP app and the Durable Object classes it binds (sessions, tenants, agent endpoints,
 * metrics shards).
 */
import { createApp } from "./app";
import type { Env } from "./env";

export { AgentEndpointObject } from "../durable-objects/agent-endpoint";
export { MetricsObject } from "../durable-objects/metrics";
export { SessionObject } from "../durable-objects/session";
export { TenantObject } from "../durable-objects/tenant";

export default createApp() satisfies ExportedHandler<Env>;
