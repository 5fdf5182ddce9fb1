/**
 * @module test/rpc-client
 * Connect and gRPC-Web clients of `mcp.MCPService` for tests: real `@connectrpc/connect` clients whose fetch
 * goes to the Worker's own `fetch`, as a gateway's requests would.
 */
import type { Code } from "@connectrpc/connect";
import { type Client, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { ErrorDetailSchema, MCPService } from "../src/gen/mcp/service_pb";
import { TENANT_A_KEY } from "./keys";

/** The wire protocols the Worker serves. */
export const PROTOCOLS = ["connect-json", "connect-binary", "grpc-web"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface ClientOptions {
  /** Defaults to tenant A's key; `null` sends no Authorization header. */
  key?: string | null;
  /** Extra request headers, e.g. a raw `connect-timeout-ms`. */
  headers?: Record<string, string>;
  /** Defaults to the Worker's fetch. */
  fetch?: (request: Request) => Promise<Response>;
}

export function rpcClient(protocol: Protocol, options: ClientOptions = {}): Client<typeof MCPService> {
  const key = options.key === undefined ? TENANT_A_KEY : options.key;
  const withHeaders: Interceptor = (next) => (req) => {
    if (key !== null) req.header.set("Authorization", `Bearer ${key}`);
    for (const [name, value] of Object.entries(options.headers ?? {})) req.header.set(name, value);
    return next(req);
  };
  const send = options.fetch ?? ((request: Request) => exports.default.fetch(request));
  const transportOptions = {
    baseUrl: "http://service.test",
    // Only what a Worker's Request supports (connect-web also asks for browser-only redirect and CORS modes).
    fetch: (input: RequestInfo | URL, init: RequestInit = {}) =>
      send(new Request(input, { method: init.method, headers: init.headers, body: init.body, signal: init.signal })),
    interceptors: [withHeaders],
  };
  const transport =
    protocol === "grpc-web"
      ? createGrpcWebTransport(transportOptions)
      : createConnectTransport({ ...transportOptions, useBinaryFormat: protocol === "connect-binary" });
  return createClient(MCPService, transport);
}

/** The ConnectError `call` fails with, after checking its code (and the REST error code it carries, if given). */
export async function rpcError(call: Promise<unknown>, code: Code, restCode?: string): Promise<ConnectError> {
  const err = await call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => ConnectError.from(e),
  );
  expect({ code: err.code, message: err.rawMessage }).toMatchObject({ code });
  if (restCode !== undefined) expect(err.findDetails(ErrorDetailSchema)[0]?.code).toBe(restCode);
  return err;
}
