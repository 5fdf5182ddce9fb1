/**
 * @module test/generated/verdict
 * Sends a generated request to the Worker and judges its answer: never a 5xx (nor gRPC-Web's internal,
 * unknown or data-loss status), and every refusal in its surface's error shape: REST's
 * `{"error": {"code", "message"}}` with the status its code implies, a Connect error body, a gRPC-Web trailer.
 */
import { Code } from "@connectrpc/connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import { exports } from "cloudflare:workers";
import { z } from "zod";
import { ErrorStatus } from "../../src/errors";
import { MCPService } from "../../src/gen/mcp/service_pb";
import type { GeneratedRequest } from "./requests";

/** How a request was answered: whether it succeeded, for the bookkeeping of what the storm bound. */
export interface Verdict {
  ok: boolean;
  status: number;
}

const RestError = z.object({
  error: z.object({ code: z.enum(Object.keys(ErrorStatus) as [keyof typeof ErrorStatus]), message: z.string().min(1) }).loose(),
});
const ConnectErrorBody = z.object({ code: z.string().min(1), message: z.string().min(1) }).loose();

/** The rpcs' paths: their refusals are Connect error bodies (a path no rpc has is REST's 404). */
const PROCEDURES = new Set(MCPService.methods.map((method) => `/mcp.MCPService/${method.name}`));

/** gRPC-Web statuses that would be the service's fault, as a 5xx is. */
const SERVER_FAULTS = new Set([Code.Internal, Code.Unknown, Code.DataLoss, Code.Unavailable]);

/** Sends `request` and throws, describing it, when the answer breaks a rule. */
export async function judge(request: GeneratedRequest): Promise<Verdict> {
  const res = await exports.default.fetch(`http://service.test${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  if (res.webSocket) {
    res.webSocket.accept();
    res.webSocket.close(1000, "generated request");
    return { ok: true, status: res.status };
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const fail = (why: string): never => {
    const body = new TextDecoder().decode(bytes.subarray(0, 300));
    throw new Error(`${why}: ${describe(request)} answered ${res.status} ${body}`);
  };
  const deadlineChosen = request.deadline && res.status === 504;
  if (res.status >= 500 && !deadlineChosen) fail("a 5xx");
  if (request.method === "HEAD" || res.status < 400) {
    if (request.surface === "grpc-web" && res.status === 200 && bytes.byteLength > 0) return grpcWebVerdict(bytes, request, fail);
    return { ok: res.status < 300, status: res.status };
  }
  const json = parse(bytes) ?? fail("an error that is not JSON");
  if (PROCEDURES.has(request.path)) {
    if (!ConnectErrorBody.safeParse(json).success) fail("an error that is not a Connect error body");
  } else {
    const parsed = RestError.safeParse(json);
    if (!parsed.success) fail("an error without the error shape");
    else if (ErrorStatus[parsed.data.error.code] !== res.status) fail("an error code answered with another status");
  }
  return { ok: false, status: res.status };
}

/** A gRPC-Web answer: its status is in the trailer frame, at the end of the body. */
function grpcWebVerdict(bytes: Uint8Array, request: GeneratedRequest, fail: (why: string) => never): Verdict {
  let at = 0;
  while (at + 5 <= bytes.byteLength) {
    const length = new DataView(bytes.buffer, bytes.byteOffset + at + 1, 4).getUint32(0);
    if (bytes[at] === 0x80) {
      const error = findTrailerError(trailerParse(bytes.subarray(at + 5, at + 5 + length)));
      if (!error) return { ok: true, status: 200 };
      if (SERVER_FAULTS.has(error.code)) fail(`gRPC-Web status ${Code[error.code]}`);
      if (error.code === Code.DeadlineExceeded && !request.deadline) fail("deadline_exceeded without a deadline");
      if (error.rawMessage === "") fail("a gRPC-Web error without a message");
      return { ok: false, status: 200 };
    }
    at += 5 + length;
  }
  return fail("a gRPC-Web answer without a trailer");
}

function parse(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/** The request in one line, to replay it. */
export function describe(request: GeneratedRequest): string {
  const body = request.body === undefined ? "" : typeof request.body === "string" ? request.body : `0x${hex(request.body)}`;
  return `${request.method} ${request.path} ${JSON.stringify(request.headers)} ${body.slice(0, 300)}${body.length > 300 ? "…" : ""}`;
}

function hex(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 150)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
