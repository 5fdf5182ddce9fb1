/**
 * @module api/rpc/mcp-service
 * `mcp.MCPService`: each rpc validates its request with the REST API's schemas, makes the same call into the
 * session's Durable Object as the REST route, within the client's deadline, and answers in the proto's shape.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { MCPService } from "../../gen/mcp/service_pb";
import { bindSession, sessionStub, unbindSession, unwrap } from "../session-calls";
import { caller } from "./caller";
import { toolTimeoutMs, withinDeadline } from "./deadline";
import { batchInput, bindInput, deviceFrameInput, executeInput, jobInput, sessionInput, startJobInput } from "./inputs";
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

  async batchExecuteTools(req, ctx) {
    const { session_id, calls, max_concurrency } = batchInput(req);
    const { env, tenant } = caller(ctx);
    const batch = { calls, max_concurrency };
    return batchMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).executeBatch(batch))));
  },

  async startJob(req, ctx) {
    const { session_id, ...command } = startJobInput(req);
    const { env, tenant } = caller(ctx);
    return {
      job: jobMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).startJob(command)))),
    };
  },

  async getJob(req, ctx) {
    const { session_id, job_id } = jobInput(req);
    const { env, tenant } = caller(ctx);
    return { job: jobMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).job(job_id)))) };
  },

  async cancelJob(req, ctx) {
    const { session_id, job_id } = jobInput(req);
    const { env, tenant } = caller(ctx);
    return {
      job: jobMessage(unwrap(await withinDeadline(ctx, async () => sessionStub(env, tenant, session_id).cancelJob(job_id)))),
    };
  },

  async unbindSession(req, ctx) {
    const { session_id } = sessionInput(req);
    const { env, tenant } = caller(ctx);
    return withinDeadline(ctx, () => unbindSession(env, tenant, session_id));
  },
};
