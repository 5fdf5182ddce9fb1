/**
 * @module test/rpc-raw
 * RPC requests as raw HTTP, for the bodies and headers no Connect client would send (malformed protobuf, odd
 * encodings, deep JSON), and readers of the error each protocol answers with.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { errorFromJsonBytes } from "@connectrpc/connect/protocol-connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { ErrorDetailSchema } from "../src/gen/mcp/service_pb";
import { TENANT_A_KEY } from "./keys";

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Defaults to tenant A's key; `null` sends no Authorization header. */
  key?: string | null;
}

/** A raw request to the Worker (POST unless `method` says otherwise). */
export function sendRaw(path: string, init: RawRequest): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== null) headers.Authorization = `Bearer ${init.key ?? TENANT_A_KEY}`;
  return exports.default.fetch(`http://service.test${path}`, { method: init.method ?? "POST", headers, body: init.body });
}

/** One gRPC-Web frame holding `message` uncompressed. */
export function envelope(message: Uint8Array): Uint8Array {
  const framed = new Uint8Array(5 + message.byteLength);
  new DataView(framed.buffer).setUint32(1, message.byteLength);
  framed.set(message, 5);
  return framed;
}

/** A Connect error response: its HTTP status, JSON code and message, and the REST code it carries. */
export async function connectError(res: Response) {
  expect(res.headers.get("Content-Type")).toBe("application/json");
  const bytes = new Uint8Array(await res.arrayBuffer());
  const json = JSON.parse(new TextDecoder().decode(bytes)) as { code: string; message: string };
  const error = errorFromJsonBytes(bytes, res.headers, new ConnectError("not a Connect error body", Code.Unknown));
  return { status: res.status, code: json.code, message: json.message, restCode: restCodeOf(error) };
}

/** A gRPC-Web response's status, from the trailer frame at the end of its body (HTTP is 200 either way). */
export async function grpcWebError(res: Response) {
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const trailer = trailerFrame(bytes);
  const error = findTrailerError(trailerParse(trailer));
  if (!error) throw new Error("the call succeeded");
  return { code: error.code, message: error.rawMessage, restCode: restCodeOf(error) };
}

/** The trailer frame's content: the last frame of a gRPC-Web body, flagged 0x80. */
function trailerFrame(bytes: Uint8Array): Uint8Array {
  let at = 0;
  while (at + 5 <= bytes.byteLength) {
    const length = new DataView(bytes.buffer, bytes.byteOffset + at + 1, 4).getUint32(0);
    if (bytes[at] === 0x80) return bytes.subarray(at + 5, at + 5 + length);
    at += 5 + length;
  }
  throw new Error("no trailer frame in the gRPC-Web body");
}

function restCodeOf(error: ConnectError): string | undefined {
  return error.findDetails(ErrorDetailSchema)[0]?.code;
}
