/**
 * @module test/generated/requests
 * fast-check arbitraries for requests a careless or hostile client might send: every REST route and every
 * rpc (Connect JSON and binary, gRPC-Web), as either tenant, without a key or with an unknown one, with
 * generated methods, paths, ids, headers and bodies (random JSON, near-valid bodies with one defect, JSON
 * nested thousands deep, garbage bytes).
 *
 * Mutating requests (bind, unbind, device frames, relay upgrades) never reach a baseline session with a body
 * that could be valid: whatever the storm does to a baseline session must be refused, so the suite can check
 * that the session is unchanged afterwards.
 */
import { create, type DescMessage, fromJson, type JsonValue, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { MCPService } from "../../src/gen/mcp/service_pb";
import { TENANT_A_KEY, TENANT_B_KEY } from "../keys";

/** The session each tenant binds before the storm, whose state must be the same after it. */
export const BASELINE_ID = "gen-bound";
/** Valid ids the storm may bind (only ever with a request that was answered 200). */
export const STORM_IDS: readonly string[] = ["gen-storm-1", "gen-storm-2", "Gen:Storm@3"];
const WEIRD_IDS = [".", "..", "__proto__", "constructor", "toString", "a/b", "a\u0000b", "a\nb", " ", "x".repeat(129), ""];

/** One request, ready to send; `surface` says which error shape its refusal must have. */
export interface GeneratedRequest {
  surface: "rest" | "connect" | "grpc-web";
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** The session id the request names (as sent, before encoding), if any. */
  sessionId?: string;
  /** The route or rpc it is aimed at, for the bookkeeping of what got bound. */
  action: string;
  /** A deadline header was sent: `deadline_exceeded` (HTTP 504) is then the client's own choice. */
  deadline: boolean;
}

const KEYS = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(TENANT_A_KEY, TENANT_B_KEY) },
  { weight: 1, arbitrary: fc.constantFrom(null, "not-a-key") },
);
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

const anyId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(BASELINE_ID, ...STORM_IDS) },
  fc.constantFrom(...WEIRD_IDS),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 8 }),
);
/** Ids for requests that could change a session: never the baseline's. */
const mutableId = anyId.map((id) => (id === BASELINE_ID ? "gen-storm-1" : id));

/** A JSON text nested `levels` deep, in the shape of arrays or objects. */
const deepJson = fc
  .record({ levels: fc.integer({ min: 65, max: 5000 }), objects: fc.boolean() })
  .map(({ levels, objects }) =>
    objects ? '{"a":'.repeat(levels) + "1" + "}".repeat(levels) : "[".repeat(levels) + "]".repeat(levels),
  );

const garbage = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("", "{", "[1,", '{"a":1}}', "null", "\u0000", "{'a':1}"));

/**
 * A valid body with one defect: a required field gone, a field of the wrong type, an unknown field (where the
 * schema is strict: device frames may carry any member), or depth.
 */
function defective(valid: Record<string, unknown>) {
  const keys = Object.keys(valid);
  const strict = valid !== FRAME;
  return fc.oneof(
    fc.constantFrom(...keys).map((key) => JSON.stringify({ ...valid, [key]: undefined })),
    fc
      .record({ key: fc.constantFrom(...keys), value: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.boolean())) })
      .map(({ key, value }) => JSON.stringify({ ...valid, [key]: value })),
    fc
      .string({ minLength: 1, maxLength: 8 })
      .map((extra) => JSON.stringify(strict ? { ...valid, [`~${extra}`]: 1 } : { ...valid, type: `~${extra}` })),
    deepJson.map((deep) => JSON.stringify(valid).replace(/}$/, `,"deep":${deep}}`)),
    deepJson.map((deep) => {
      // Deep where a value may nest (the arguments, the frame's params), else as an unknown member.
      const text = JSON.stringify(valid);
      const inside = text.replace(/:(1|"x")}/, `:${deep}}`);
      return inside === text ? text.replace(/}$/, `,"deep":${deep}}`) : inside;
    }),
  );
}

/** A body that could be valid, or could not, for routes aimed at a storm id. */
const anyBody = (valid: Record<string, unknown>) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(JSON.stringify(valid)) },
    { weight: 3, arbitrary: defective(valid) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: garbage },
    { weight: 1, arbitrary: deepJson },
  );
/** A body that cannot be valid, for mutating routes aimed at the baseline. */
const badBody = (valid: Record<string, unknown>) => fc.oneof(defective(valid), garbage, deepJson);

const BIND = { device_id: "AA:BB:CC:DD:EE:FF", client_id: "client-1" };
const FRAME = { type: "mcp", payload: { jsonrpc: "2.0", method: "notifications/state_changed", params: { s: 1 } } };

const CONTENT_TYPES = fc.constantFrom<string | undefined>(
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "application/vnd.gateway+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  undefined,
);

/** Extra headers: odd encodings, an upgrade, a random header. */
const extraHeaders = fc.record(
  {
    "Content-Encoding": fc.constantFrom("gzip", "br", "identity", "x"),
    Upgrade: fc.constantFrom("websocket", "h2c"),
    "Sec-WebSocket-Version": fc.constantFrom("13", "8", "x"),
    "X-Generated": fc.string({ unit: "grapheme-ascii", maxLength: 20 }).map((v) => v.replace(/[^\x20-\x7e]/g, "")),
  },
  { requiredKeys: [] },
);

function restRequest(
  route: string,
  method: string,
  path: string,
  body: fc.Arbitrary<string | undefined>,
  id?: fc.Arbitrary<string>,
) {
  return fc
    .record({
      key: KEYS,
      method: fc.oneof({ weight: 4, arbitrary: fc.constant(method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      id: id ?? fc.constant(""),
      body,
      contentType: CONTENT_TYPES,
      extra: fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeaders }),
    })
    .map(({ key, method: generated, id: sessionId, body: text, contentType, extra }): GeneratedRequest => {
      // A DELETE of the baseline's path would unbind it, rightly: that one is sent as the route's own method.
      const sent = generated === "DELETE" && sessionId === BASELINE_ID ? method : generated;
      const headers: Record<string, string> = { ...extra };
      if (key !== null) headers.Authorization = `Bearer ${key}`;
      if (contentType !== undefined && text !== undefined) headers["Content-Type"] = contentType;
      const hasBody = text !== undefined && sent !== "GET" && sent !== "HEAD";
      return {
        surface: "rest",
        method: sent,
        path: path.replace("{id}", encodeURIComponent(sessionId)),
        headers,
        body: hasBody ? text : undefined,
        sessionId,
        action: `${sent} ${route}`,
        deadline: false,
      };
    });
}

const toolName = fc.oneof(fc.constantFrom("local_get_time", "local_play_music", "local_exit"), fc.string({ maxLength: 10 }));

/** Requests on every REST route, and on paths no route serves. */
export const restRequests: fc.Arbitrary<GeneratedRequest> = fc.oneof(
  fc
    .oneof(mutableId, fc.constant(BASELINE_ID))
    .chain((id) =>
      restRequest(
        "bind",
        "POST",
        "/api/v1/mcp/sessions/{id}/bind",
        id === BASELINE_ID ? badBody(BIND) : anyBody(BIND),
        fc.constant(id),
      ),
    ),
  restRequest("session", "GET", "/api/v1/mcp/sessions/{id}", fc.constant(undefined), anyId),
  restRequest("session", "DELETE", "/api/v1/mcp/sessions/{id}", fc.constant(undefined), mutableId),
  restRequest("tools", "GET", "/api/v1/mcp/tools?session_id={id}", fc.constant(undefined), anyId),
  restRequest("servers", "GET", "/api/v1/mcp/servers?session_id={id}", fc.constant(undefined), anyId),
  restRequest("relay", "GET", "/api/v1/mcp/sessions/{id}/relay", fc.constant(undefined), mutableId),
  fc
    .oneof(mutableId, fc.constant(BASELINE_ID))
    .chain((id) =>
      restRequest(
        "messages",
        "POST",
        "/api/v1/mcp/sessions/{id}/messages",
        id === BASELINE_ID ? badBody(FRAME) : anyBody(FRAME),
        fc.constant(id),
      ),
    ),
  fc
    .record({ tool: toolName, id: anyId })
    .chain(({ tool, id }) =>
      restRequest(
        "execute",
        "POST",
        `/api/v1/mcp/tools/${encodeURIComponent(tool)}/execute`,
        anyBody({ session_id: id, arguments: { song_name: "x" } }),
      ),
    ),
  fc.webPath().chain((path) => restRequest("unknown", "GET", `/api/v1${path}`, fc.option(garbage, { nil: undefined }))),
  restRequest("health", "GET", "/health", fc.constant(undefined)),
);

/** `arbitrary`'s value one time in eight, else undefined. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

/** Rpcs that change a session: never aimed at the baseline. */
const MUTATING_RPCS = new Set(["BindSession", "UnbindSession", "HandleXiaoZhiMessage"]);

/** Plausible values for the request fields, by their proto names; anything else gets random JSON. */
function plausible(field: string, mutating: boolean): fc.Arbitrary<unknown> {
  switch (field) {
    case "session_id":
      return mutating ? mutableId : anyId;
    case "device_id":
      return fc.constantFrom("AA:BB:CC:DD:EE:FF", "");
    case "client_id":
      return fc.constantFrom("client-1", "");
    case "tool_name":
      return toolName;
    case "vision_url":
      return fc.constantFrom("https://gw.example.com/vision", "ftp://x", "");
    case "token":
      return fc.constantFrom("secret", "");
    case "arguments":
    case "message":
      return fc.dictionary(fc.constantFrom("type", "payload", "song_name"), fc.string({ maxLength: 8 }), { maxKeys: 2 });
    case "arguments_json":
      return fc.constantFrom({ song_name: "x" }, {});
    case "message_json":
      return fc.constant(FRAME);
    default:
      return fc.string({ maxLength: 10 });
  }
}

/** A request message for `input` as JSON, with generated values in its fields (proto or JSON names). */
function messageJson(input: DescMessage, mutating: boolean) {
  const fieldValues = input.fields.map((field) => {
    const name = fc.constantFrom(field.name, field.jsonName);
    const value = fc.oneof(
      { weight: 6, arbitrary: plausible(field.name, mutating) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
      { weight: 1, arbitrary: deepJson.map((deep): unknown => JSON.parse(deep)) },
    );
    return fc.option(fc.tuple(name, value), { nil: undefined });
  });
  const unknownField = fc.option(fc.string({ maxLength: 6 }), { freq: 1, nil: undefined });
  return fc
    .tuple(...fieldValues, fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: unknownField }))
    .map((entries) => {
      const object: Record<string, unknown> = {};
      for (const entry of entries.slice(0, -1) as Array<[string, unknown] | undefined>) if (entry) object[entry[0]] = entry[1];
      const unknown = entries.at(-1) as string | undefined;
      if (unknown !== undefined) object[`~${unknown}`] = true;
      return object;
    });
}

/** The message as protobuf binary, or garbage when the JSON is no message of that type (a fine thing to send too). */
function binary(input: DescMessage, object: Record<string, unknown>): Uint8Array {
  try {
    return toBinary(input, fromJson(input, object as JsonValue, { ignoreUnknownFields: true }));
  } catch {
    return toBinary(input, create(input));
  }
}

function envelope(message: Uint8Array): Uint8Array {
  const framed = new Uint8Array(5 + message.byteLength);
  new DataView(framed.buffer).setUint32(1, message.byteLength);
  framed.set(message, 5);
  return framed;
}

const PROTOCOLS = ["application/json", "application/proto", "application/grpc-web+proto", "application/grpc-web+json"];

/** Requests on every rpc over Connect (JSON, binary) and gRPC-Web (binary, JSON), and on rpcs that do not exist. */
export const rpcRequests: fc.Arbitrary<GeneratedRequest> = fc
  .record({
    method: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...MCPService.methods) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    contentType: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...PROTOCOLS) }, { weight: 1, arbitrary: CONTENT_TYPES }),
    httpMethod: fc.oneof({ weight: 8, arbitrary: fc.constant("POST") }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    key: KEYS,
    garbage: rarely(fc.uint8Array({ maxLength: 24 })),
    deadline: rarely(fc.constantFrom("connect-timeout-ms: 1", "connect-timeout-ms: x", "grpc-timeout: 1m", "grpc-timeout: zz")),
    seed: fc.integer(),
  })
  .chain(({ method, ...rest }) =>
    (method ? messageJson(method.input, MUTATING_RPCS.has(method.name)) : fc.constant<Record<string, unknown>>({})).map(
      (object): GeneratedRequest => {
        const grpcWeb = rest.contentType?.startsWith("application/grpc-web") ?? false;
        const json = rest.contentType?.includes("json") ?? true;
        let body: Uint8Array =
          rest.garbage ?? (json || !method ? new TextEncoder().encode(JSON.stringify(object)) : binary(method.input, object));
        if (grpcWeb) body = envelope(body);
        const headers: Record<string, string> = {};
        if (rest.contentType !== undefined) headers["Content-Type"] = rest.contentType;
        if (rest.key !== null) headers.Authorization = `Bearer ${rest.key}`;
        if (rest.deadline) {
          const [name = "", value = ""] = rest.deadline.split(": ");
          headers[name] = value;
        }
        const name = method?.name ?? `NoSuchRpc${rest.seed & 0xff}`;
        const sessionId = object.session_id ?? object.sessionId;
        return {
          surface: grpcWeb ? "grpc-web" : "connect",
          method: rest.httpMethod,
          path: `/mcp.MCPService/${name}`,
          headers,
          body: rest.httpMethod === "GET" || rest.httpMethod === "HEAD" ? undefined : body,
          sessionId: typeof sessionId === "string" ? sessionId : undefined,
          action: `rpc ${name}`,
          deadline: rest.deadline !== undefined,
        };
      },
    ),
  );
