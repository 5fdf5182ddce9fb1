/**
 * @module api/rpc/caller
 * Who an RPC runs for: the Worker's bindings, the tenant of the API key, the service config and the request's id
 * and log line. The Connect
 * adapter puts them on the handler context once the app's middleware has authenticated the call.
 */
import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { ServiceConfig } from "../../config/schema";
import type { Env } from "../../env";
import type { RequestNote } from "../request-log";

/** What an authenticated call runs with. */
export interface Caller {
  env: Env;
  tenant: string;
  config: ServiceConfig;
  /** The request's id (`X-Request-Id`), passed on to the session's commands. */
  requestId: string;
  /** Adds fields to the request's log line (see api/request-log.ts). */
  note: (fields: RequestNote) => void;
}

/** The context key the adapter sets for every authenticated call. */
export const kCaller = createContextKey<Caller | undefined>(undefined, { description: "the authenticated caller" });

/** The caller of an RPC; only a wiring bug leaves it unset. */
export function caller(ctx: HandlerContext): Caller {
  const value = ctx.values.get(kCaller);
  if (!value)
    throw new ConnectError("internal error", Code.Internal, undefined, undefined, new Error("no caller on the context"));
  return value;
}
