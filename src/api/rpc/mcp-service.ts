/**
 * @module api/rpc/mcp-service
 * `mcp.MCPService`: each rpc validates its request with the REST API's schemas, makes the same call into the
 * session's (or agent endpoint's) Durable Object as the REST route, within the client's deadline, and answers in the proto's shape.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { MCPService } from "../../gen/mcp/service_pb";
import { describeEndpoint, issueEndpoint, revokeEndpoint } from "../endpoint-calls";
import { bindSession, executeTool, sessionStub, unbindSession, unwrap } from "../session-calls";
import { caller } from "./caller";
import { toolTimeoutMs, withinDeadline } from "./deadline";
import { endpointMessage, issuedMessage, revokedMessage } from "./endpoint-messages";
import {
  agentInput,
  batchInput,
  bindInput,
  deviceFrameInput,
  executeInput,
  jobInput,
  sessionInput,
  startJobInput,
} from "./inputs";
import {
  batchMessage,
  bindMessage,
  executionMessage,
  frameReceiptMessage,
  jobMessage,
  serversMessage,
  sessionMessage,
  toolsMessage,
} from "./messages";

/** The service implementation, mounted in app.ts through the Connect adapter. */
export const mcpService: ServiceImpl<typeof MCPService> = {
  async getTools(req, ctx) {
    const { session_id } = sessionInput(req);
    const { env, tenant, note } = caller(ctx);
    note({ session: session_id });
    return toolsMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).listTools())));
  },

  async executeTool(req, ctx) {
    const { tool_name, session_id, device_id, arguments: args } = executeInput(req);
    const { env, tenant, requestId, note } = caller(ctx);
    note({ session: session_id, tool: tool_name });
    const command = { tool_name, arguments: args, device_id, timeout_ms: toolTimeoutMs(ctx) };
    const { result, source } = await withinDeadline(ctx, () => executeTool(env, { tenant, requestId }, session_id, command));
    note({ source });
    return executionMessage(result);
  },

  async bindSession(req, ctx) {
    const { session_id, ...fields } = bindInput(req);
    const { env, tenant, requestId, note } = caller(ctx);
    note({ session: session_id });
    return bindMessage(await withinDeadline(ctx, () => bindSession(env, { tenant, requestId }, session_id, fields)));
  },

  async handleXiaoZhiMessage(req, ctx) {
    const { session_id, frame } = deviceFrameInput(req);
    const { env, tenant, note } = caller(ctx);
    note({ session: session_id });
    return frameReceiptMessage(
      unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).handleDeviceFrame(frame))),
    );
  },

  async getSession(req, ctx) {
    const { session_id } = sessionInput(req);
    const { env, tenant, note } = caller(ctx);
    note({ session: session_id });
    return {
      session: sessionMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).describe()))),
    };
  },

  async listServers(req, ctx) {
    const { session_id } = sessionInput(req);
    const { env, tenant, note } = caller(ctx);
    note({ session: session_id });
    return serversMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).servers())));
  },

  async batchExecuteTools(req, ctx) {
    const { session_id, calls, max_concurrency } = batchInput(req);
    const { env, tenant, requestId, note } = caller(ctx);
    note({ session: session_id });
    const batch = { calls, max_concurrency, request_id: requestId };
    return batchMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).executeBatch(batch))));
  },

  async startJob(req, ctx) {
    const { session_id, ...input } = startJobInput(req);
    const { env, tenant, requestId, note } = caller(ctx);
    note({ session: session_id, tool: input.tool_name });
    const command = { ...input, request_id: requestId };
    return {
      job: jobMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).startJob(command)))),
    };
  },

  async getJob(req, ctx) {
    const { session_id, job_id } = jobInput(req);
    const { env, tenant, note } = caller(ctx);
    note({ session: session_id });
    return { job: jobMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).job(job_id)))) };
  },

  async cancelJob(req, ctx) {
    const { session_id, job_id } = jobInput(req);
    const { env, tenant, note } = caller(ctx);
    note({ session: session_id });
    return {
      job: jobMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).cancelJob(job_id)))),
    };
  },

  async unbindSession(req, ctx) {
    const { session_id } = sessionInput(req);
    const { env, tenant, note } = caller(ctx);
    note({ session: session_id });
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
