/**
 * @module contract/session
 * A bound session as every API shows it (never with its token), its device relay, binding it (with the
 * session's own tool filter), and the rule for session ids. The views are declared once over the moment's form (see contract/time): `SessionView` is
 * what the session's Durable Object answers, `SessionViewJson` what REST writes.
 */
import { z } from "@hono/zod-openapi";
import { AgentId } from "./endpoint";
import { IsoMoment, Moment, type MomentSchema } from "./time";
import { SourceReport, SourceStatus, ToolFilter } from "./tools";

/**
 * Names every JavaScript object already has: an id equal to one reads as something else wherever it becomes a
 * key. (`__proto__` and the other names with a leading underscore are refused by the first character already.)
 */
const OBJECT_MEMBER_NAMES = [
  "constructor",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "prototype",
  "toLocaleString",
  "toString",
  "valueOf",
];

const SESSION_ID_RULE =
  "1-128 characters of A-Z a-z 0-9 . _ : @ -, beginning with a letter or a digit, and not the name of a JavaScript " +
  `object member (${OBJECT_MEMBER_NAMES.join(", ")})`;

/**
 * The gateway's session id, one rule on every API (REST's path, query and body, every RPC's field). It takes
 * UUIDs, MAC addresses (`AA:BB:CC:DD:EE:FF`) and ids like `device-AA_BB`; it refuses `.` and `..` (which a URL
 * path resolves away, so a session bound under them could never be reached by its REST path), `/`, `%`,
 * control characters and whitespace (so URL-decoding a path cannot smuggle a separator or a NUL in), and the
 * object member names above.
 */
export const SessionId = z
  .string()
  .regex(new RegExp(`^(?!(?:${OBJECT_MEMBER_NAMES.join("|")})$)[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$`), SESSION_ID_RULE)
  .openapi({ description: `The gateway's session id (${SESSION_ID_RULE})` });

/**
 * The prefix of the sessions the tenant's MCP endpoint binds for its connections: a leading `_` is outside
 * {@link SessionId}'s rule, so no gateway call can bind, use or unbind one.
 */
export const MCP_SESSION_PREFIX = "_mcp-";

const Text = (max: number) => z.string().min(1).max(max);

/** What binding a session takes (binding again updates it). */
export const BindRequest = z
  .object({
    device_id: Text(128),
    client_id: Text(128),
    vision_url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    token: Text(4096).optional().openapi({ description: "Secret the device's vision JWT is signed with; never returned" }),
    tools: ToolFilter.optional(),
    agent_id: AgentId.optional().openapi({
      description: "The agent whose MCP endpoint's tools the session offers too (see POST /api/v1/mcp/agents/{agentId}/endpoint)",
    }),
  })
  .strict();
export type BindRequest = z.output<typeof BindRequest>;

/** How the device's tools can be listed now (the `device` source's status). */
export const DeviceToolsStatus = SourceStatus.extract(["ok", "incomplete", "unavailable"]);

/**
 * A notification's params, a JSON object. The Durable Object's form types them `object`: the RPC stub's types
 * count a field typed `unknown` as not serialisable and would type the whole answer `never`.
 */
const NotificationParams = z.custom<object>();
const NotificationParamsJson = z.record(z.string(), z.unknown());

const deviceViewOf = <T extends MomentSchema, P extends typeof NotificationParams | typeof NotificationParamsJson>(
  moment: T,
  params: P,
) =>
  z.object({
    relay: z.enum(["open", "closed"]),
    relay_opened_at: z.nullable(moment),
    tools_status: DeviceToolsStatus,
    last_notification: z
      .object({ method: z.string(), params: z.nullable(params), received_at: moment })
      .nullable()
      .openapi({ description: "The latest notification the device sent (recorded, never answered)" }),
  });

const sessionViewOf = <T extends MomentSchema, D extends z.ZodType>(moment: T, device: D) =>
  z.object({
    session_id: z.string(),
    device_id: z.string(),
    client_id: z.string(),
    vision_url: z.string().nullable(),
    has_token: z.boolean(),
    agent_id: z
      .string()
      .optional()
      .openapi({ description: "The agent whose endpoint tools the session offers (bound with one)" }),
    bound_at: moment,
    last_used_at: moment,
    expires_at: moment,
    tools: z
      .object({ count: z.number().int(), sources: z.array(SourceReport) })
      .optional()
      .openapi({
        description: "Every source's tools as listed now: in GET, not in bind's answer (bind does not wait on the sources)",
      }),
    device,
  });

const bindAnswerOf = <S extends z.ZodType>(session: S) =>
  z.object({ success: z.literal(true), created: z.boolean(), message: z.string(), session });

/** The device relay as the session sees it. */
export const DeviceView = deviceViewOf(Moment, NotificationParams);
export type DeviceView = z.infer<typeof DeviceView>;
export const DeviceViewJson = deviceViewOf(IsoMoment, NotificationParamsJson).openapi("DeviceRelay");

/** A session as the APIs show it; `tools` only where the answer waited for a listing. */
export const SessionView = sessionViewOf(Moment, DeviceView);
export type SessionView = z.infer<typeof SessionView>;
export const SessionViewJson = sessionViewOf(IsoMoment, DeviceViewJson).openapi("Session");

/** What binding a session answers, in every API. */
export const BindAnswer = bindAnswerOf(SessionView);
export type BindAnswer = z.infer<typeof BindAnswer>;
export const BindAnswerJson = bindAnswerOf(SessionViewJson);

/** What unbinding a session answers, in every API. */
export const UnbindAnswer = z.object({ success: z.literal(true), message: z.string() });
export type UnbindAnswer = z.infer<typeof UnbindAnswer>;
