/**
 * The TypeScript client of the XiaoZhi MCP tool service, for gateways written in TypeScript (and the demo's
 * reference gateway). See clients/ts/README.md.
 */
export { ServiceClient, API_PREFIX } from "./client.ts";
export { DEFAULTS } from "./options.ts";
export type {
  BindOptions,
  ClientOptions,
  ExecuteOptions,
  FallbackHook,
  GatewayResult,
  GatewayTools,
  LogLevel,
  Logger,
  Via,
} from "./options.ts";
export { ServiceError, ClientCode } from "./errors.ts";
export { CircuitBreaker, type BreakerState } from "./breaker.ts";
export { DeviceRelay, isMcpFrame, type RelayOptions } from "./relay.ts";
export { inTrafficSplit, splitBucket, SPLIT_BUCKETS } from "./split.ts";
export type * from "./types.ts";
