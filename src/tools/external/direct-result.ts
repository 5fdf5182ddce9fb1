/**
 * @module tools/external/direct-result
 * A direct `tools/call`'s answer (direct-call.ts) as the call's result: a JSON-RPC error is thrown as the SDK
 * throws it, a result the service cannot act on (a task, a `resultType` other than complete) is the SDK's
 * unsupported-result error, and the result's shape is checked where the service relies on it (the content blocks of
 * the 2025 revisions, `isError`), a malformed one being the SDK's invalid-result error. The rest of the result
 * (`structuredContent`, `_meta`, …) passes on unchanged.
 */
import { type CallToolResult, ProtocolError, SdkError, SdkErrorCode } from "@modelcontextprotocol/client";

/** The content block types of the 2025 revisions, and the fields each must carry as strings. */
const CONTENT_FIELDS: Record<string, readonly string[]> = {
  text: ["text"],
  image: ["data", "mimeType"],
  audio: ["data", "mimeType"],
  resource_link: ["uri", "name"],
  resource: [],
};

/** The call's result from its answer (a JSON-RPC response). */
export function toResult(answer: unknown): CallToolResult {
  const { result, error } = answer as { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
  if (error !== undefined) {
    if (typeof error !== "object" || error === null || typeof error.code !== "number") throw invalid("a malformed error");
    throw ProtocolError.fromError(error.code, typeof error.message === "string" ? error.message : "", error.data);
  }
  if (typeof result !== "object" || result === null || Array.isArray(result)) throw invalid("no result object");
  const record = result as Record<string, unknown>;
  const resultType = record.resultType;
  if (resultType !== undefined && resultType !== "complete") throw unsupported(resultType);
  if (record.content === undefined && typeof record.task === "object") throw unsupported("task");
  const content: unknown = record.content ?? [];
  if (!Array.isArray(content) || !content.every(isContentBlock)) throw invalid("content that is not a list of content blocks");
  if (record.isError !== undefined && typeof record.isError !== "boolean") throw invalid("an isError that is not a boolean");
  // A `resultType` of "complete" is the 2026-07-28 envelope's; the 2025-era result the service passes on has none.
  const answered: Record<string, unknown> = { ...record, content };
  delete answered.resultType;
  return answered as CallToolResult;
}

function isContentBlock(block: unknown): boolean {
  if (typeof block !== "object" || block === null) return false;
  const record = block as Record<string, unknown>;
  const fields = typeof record.type === "string" ? CONTENT_FIELDS[record.type] : undefined;
  if (fields === undefined) return false;
  if (record.type === "resource") {
    // An embedded resource: its uri, and its contents as text or as a base64 blob.
    const resource = record.resource as Record<string, unknown> | null | undefined;
    if (typeof resource !== "object" || resource === null || typeof resource.uri !== "string") return false;
    return typeof resource.text === "string" || typeof resource.blob === "string";
  }
  return fields.every((field) => typeof record[field] === "string");
}

function unsupported(resultType: unknown): SdkError {
  const message = `Unsupported result type ${JSON.stringify(resultType)} for tools/call`;
  return new SdkError(SdkErrorCode.UnsupportedResultType, message, { resultType, method: "tools/call" });
}

function invalid(what: string): SdkError {
  return new SdkError(SdkErrorCode.InvalidResult, `Invalid result for tools/call: ${what}`, { method: "tools/call" });
}
