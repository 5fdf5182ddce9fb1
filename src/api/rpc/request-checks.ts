/**
 * @module api/rpc/request-checks
 * What an RPC request must be, checked where Connect-ES would otherwise answer badly, and how each refusal
 * says what is accepted. Internal to the Connect adapter.
 *
 * - {@link checkRequest} runs in the router's request gate, before Connect reads the body: an encoding other
 *   than identity, and a binary body that is not a message of the rpc's request type, are `invalid_argument`
 *   (left to Connect-ES, the first names no encoding it supports and the second is `internal`); so is a JSON
 *   body nested deeper than the contract allows, refused by the rule REST's bodies are (protobuf's decoder
 *   would refuse only what passes its own recursion limit, with a message naming neither rule nor field).
 * - {@link explainRefusal} gives Connect's bodiless 405 and 415 answers a Connect error body (and `Allow`).
 */
import { fromBinary } from "@bufbuild/protobuf";
import { type ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";
import { createAsyncIterable, type UniversalHandler, type UniversalServerResponse } from "@connectrpc/connect/protocol";
import { errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { MAX_JSON_DEPTH } from "../../contract/limits";
import { ApiError } from "../../errors";
import { parseJson } from "../../util/json";
import { invalidRequest, nestingIssue } from "../../validation";

/**
 * How the adapter (and the checks below) decode binary messages: protobuf's default recursion limit (100)
 * would refuse a `Struct` nested about 50 levels deep (each JSON level is a Value and a Struct or ListValue),
 * which REST takes; this one takes any value within the contract's depth, and a level more, so that the
 * rpc's input check refuses it by the contract's rule and names the field.
 */
export const BINARY_READ_OPTIONS = { recursionLimit: 2 * (MAX_JSON_DEPTH + 1) };

/** The request body the adapter read, for the gate to check before Connect parses it. */
export const kRequestBody = createContextKey<Uint8Array>(new Uint8Array(), { description: "the request body" });

/** The request encodings served: none but identity, as the router is created without `acceptCompression`. */
const ENCODINGS = ["identity"];

/** The content types the router serves, per protocol (native gRPC is off, gRPC-Web's text form unsupported). */
const CONTENT_TYPES =
  "application/json or application/proto (Connect), application/grpc-web+proto or application/grpc-web+json (gRPC-Web)";

/** gRPC-Web frames each message: a flags byte (0: an uncompressed message) and a 4-byte big-endian length. */
const ENVELOPE_HEADER_BYTES = 5;

/** How the adapter turns an {@link ApiError} into the error the client gets (connect-errors.ts). */
type ToConnectError = (err: ApiError) => ConnectError;

/**
 * Throws, as the error the client gets, when the request's encoding is not served or its binary body is not
 * a message of the rpc's request type. Bodies Connect-ES refuses well by itself (JSON, a broken gRPC-Web
 * envelope) are left to it.
 */
export function checkRequest(ctx: HandlerContext, toConnectError: ToConnectError): void {
  // Connect's unary rpcs name the body's encoding in HTTP's header, gRPC-Web in its own.
  const header = ctx.protocolName === "grpc-web" ? "Grpc-Encoding" : "Content-Encoding";
  const encoding = ctx.requestHeader.get(header);
  if (encoding !== null && !ENCODINGS.includes(encoding)) {
    throw toConnectError(
      new ApiError(
        "unsupported_media_type",
        `unsupported ${header} "${encoding}": send the body uncompressed (supported encodings: ${ENCODINGS.join(", ")})`,
      ),
    );
  }
  const body = ctx.values.get(kRequestBody);
  const message = ctx.protocolName === "grpc-web" ? unenvelope(body) : body;
  if (message === undefined) return;
  if (/json/i.test(ctx.requestHeader.get("Content-Type") ?? "")) {
    checkJsonNesting(message, toConnectError);
    return;
  }
  try {
    fromBinary(ctx.method.input, message, BINARY_READ_OPTIONS);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw toConnectError(
      new ApiError("invalid_request", `request body is not a valid ${ctx.method.input.typeName} (binary protobuf): ${reason}`),
    );
  }
}

/** Throws when `message` is JSON nested deeper than the contract allows; JSON that does not parse is left to Connect. */
function checkJsonNesting(message: Uint8Array, toConnectError: ToConnectError): void {
  const parsed = parseJson(new TextDecoder().decode(message));
  const issue = parsed.ok ? nestingIssue(parsed.value) : undefined;
  if (issue) throw toConnectError(invalidRequest("request", [issue]));
}

/** The message in a body of exactly one uncompressed gRPC-Web envelope, else undefined. */
function unenvelope(body: Uint8Array): Uint8Array | undefined {
  if (body.byteLength < ENVELOPE_HEADER_BYTES || body[0] !== 0) return undefined;
  const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
  return body.byteLength === ENVELOPE_HEADER_BYTES + length ? body.subarray(ENVELOPE_HEADER_BYTES) : undefined;
}

/**
 * `response` with a Connect error body when it is Connect's bodiless 405 (a method other than the
 * procedure's, named in `Allow`) or 415 (a content type no protocol serves); any other response as it is.
 */
export function explainRefusal(
  handler: UniversalHandler,
  request: Request,
  response: UniversalServerResponse,
  toConnectError: ToConnectError,
): UniversalServerResponse {
  if (response.body !== undefined) return response;
  const header = new Headers({ "Content-Type": "application/json" });
  let refusal: ApiError;
  if (response.status === 405) {
    const allow = handler.allowedMethods.join(", ");
    header.set("Allow", allow);
    refusal = new ApiError("method_not_allowed", `${request.method} is not allowed on ${handler.requestPath}; use ${allow}`);
  } else if (response.status === 415) {
    const got = request.headers.get("Content-Type");
    refusal = new ApiError(
      "unsupported_media_type",
      `unsupported Content-Type ${got === null ? "(none)" : `"${got}"`}: send ${CONTENT_TYPES}`,
    );
  } else {
    return response;
  }
  const body = errorToJsonBytes(toConnectError(refusal), undefined);
  return { status: response.status, header, body: createAsyncIterable([body]) };
}
