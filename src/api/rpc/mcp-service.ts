/**
 * @module api/rpc/mcp-service
 * `mcp.MCPService`: each rpc validates its request with the REST API's schemas, makes the same call into the
 * session's (or agent endpoint's) Durable Object as the REST route, within the client's deadline, and answers in the proto's shape.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { MCPService } from "../../gen/mcp/service_pb";
import { describeEndpoint, issueEndpoint, revokeEndpoint } from "../endpoint-calls";
import { bindSession, sessionStub, unbindSession, unwrap } from "../session-calls";
import { caller } from "./caller";
import { toolTimeoutMs, withinDeadline } from "./deadline";
import { endpointMessage, issuedMessage, revokedMessage } from "./endpoint-messages";
import { agentInput, bindInput, deviceFrameInput, executeInput, sessionInput } from "./inputs";
import { bindMessage, executionMessage, frameReceiptMessage, serversMessage, sessionMessage, toolsMessage } from "./messages";

/** The service implementation, mounted in app.ts through the Connect adapter. */
export const mcpService: ServiceImpl<typeof MCPService> = {
  async getTools(req, ctx) {
    const { session_id } = sessionInput(req);
    const { env, tenant } = caller(ctx);
    return toolsMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).listTools())));
  },

  async executeTool(req, ctx) {
    const { tool_name, session_id, device_id, arguments: args } = executeInput(req);
    const { env, tenant } = caller(ctx);
    const command = { tool_name, arguments: args, device_id, timeout_ms: toolTimeoutMs(ctx) };
    return executionMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).execute(command))));
  },

  async bindSession(req, ctx) {
    const { session_id, ...fields } = bindInput(req);
    const { env, tenant } = caller(ctx);
    return bindMessage(await withinDeadline(ctx, () => bindSession(env, tenant, session_id, fields)));
  },

  async handleXiaoZhiMessage(req, ctx) {
    const { session_id, frame } = deviceFrameInput(req);
    const { env, tenant } = caller(ctx);
    return frameReceiptMessage(
      unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).handleDeviceFrame(frame))),
    );
  },

  async getSession(req, ctx) {
    const { session_id } = sessionInput(req);
    const { env, tenant } = caller(ctx);
    return {
      session: sessionMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).describe()))),
    };
  },

  async listServers(req, ctx) {
    const { session_id } = sessionInput(req);
    const { env, tenant } = caller(ctx);
    return serversMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).servers())));
  },

  async unbindSession(req, ctx) {
    const { session_id } = sessionInput(req);
    const { env, tenant } = caller(ctx);
    return withinDeadline(ctx, () => unbindSession(env, tenant, session_id));
  },

  async issueAgentEndpoint(req, ctx) {
    const { agent_id } = agentInput(req);
    const { env, tenant } = caller(ctx);
    return issuedMessage(await withinDeadline(ctx, () => issueEndpoint(env, tenant, agent_id, ctx.url)));
  },

  async getAgentEndpoint(req, ctx) {
    const { agent_id } = agentInput(req);
    const { env, tenant } = caller(ctx);
    return endpointMessage(await withinDeadline(ctx, () => describeEndpoint(env, tenant, agent_id)));
  },

  async revokeAgentEndpoint(req, ctx) {
    const { agent_id } = agentInput(req);
    const { env, tenant } = caller(ctx);
    return revokedMessage(await withinDeadline(ctx, () => revokeEndpoint(env, tenant, agent_id)));
  },
};
