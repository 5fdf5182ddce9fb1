/**
 * `npm run test:serve`: `npm run serve` as an operator self-hosting on one machine runs it, checked end to end. Starts
 * the stock `server-everything streamableHttp` process and the service on `npm run serve` with it configured, then,
 * through the Worker's own socket: `/health`; a bind; the tool list, the stock server's tools included; an `echo`
 * and a `get-sum` on it (upstream requests go out through the runner's direct network binding, `UPSTREAM_NETWORK`, and
 * are answered on the direct call path); a call with progress as a job followed to its end; a simulated device
 * behind the relay WebSocket, and one of its tools called; a request with a wrong key refused; and the session's
 * event stream, open across the unbind, telling the session's end.
 * Exits non-zero naming the first check that failed.
 */
import { connectSimulatedDevice } from "../bench/device.ts";
import { startStockUpstream } from "../bench/peers.ts";
import { DEV_KEY, startService } from "./service.ts";

const SESSION = "serve-smoke";
const headers = { Authorization: `Bearer ${DEV_KEY}`, "Content-Type": "application/json" };

function check(what: string, ok: boolean, detail: unknown): void {
  if (!ok) throw new Error(`${what}: ${JSON.stringify(detail)}`);
  console.log(`ok   ${what}`);
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

const stock = await startStockUpstream();
const service = await startService({
  runner: "serve",
  vars: { MCP_SERVERS: JSON.stringify({ mcpServers: { stock: { url: stock.url, transport: "streamable-http" } } }) },
}).catch(async (error: unknown) => {
  await stock.stop();
  throw error;
});
const api = `${service.url}/api/v1/mcp`;
const post = (path: string, body: unknown) => fetch(`${api}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
try {
  const health = await json(await fetch(`${service.url}/health`));
  check("GET /health answers ok on the Worker's own socket", health.status === "ok", health);

  const bound = await post(`/sessions/${SESSION}/bind`, { device_id: "serve-device", client_id: "serve-client" });
  const bind = await json(bound);
  check("bind", bound.ok && bind.created === true, bind);

  const tools = await json(await fetch(`${api}/tools?session_id=${SESSION}`, { headers }));
  const names = (tools.tools as Array<{ name: string }>).map((tool) => tool.name);
  check("the tool list has the stock server's tools", names.includes("mcp_echo") && names.includes("mcp_get-sum"), names);

  const echo = await json(await post("/tools/mcp_echo/execute", { session_id: SESSION, arguments: { message: "你好" } }));
  check("mcp_echo through the upstream", echo.success === true && echo.result === "Echo: 你好", echo);
  const sum = await json(await post("/tools/mcp_get-sum/execute", { session_id: SESSION, arguments: { a: 2, b: 40 } }));
  check("mcp_get-sum through the upstream", sum.success === true && String(sum.result).includes("42"), sum);

  const started = await post("/tools/mcp_trigger-long-running-operation/execute", {
    session_id: SESSION,
    arguments: { duration: 1, steps: 2 },
    mode: "async",
  });
  const job = await json(started);
  check("a long call started as a job", started.status === 202 && typeof job.job_id === "string", job);
  let view: Record<string, unknown> = {};
  for (let i = 0; i < 50 && view.status !== "succeeded" && view.status !== "failed"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    view = await json(await fetch(`${api}/jobs/${String(job.job_id)}?session_id=${SESSION}`, { headers }));
  }
  const progressed = view.progress !== null && view.progress !== undefined;
  check("the job ends with its result and its progress", view.status === "succeeded" && progressed, view);

  const device = await connectSimulatedDevice(service.url, SESSION, DEV_KEY);
  try {
    const status = await json(await post("/tools/self_get_device_status/execute", { session_id: SESSION }));
    check("a device tool through the relay WebSocket", status.success === true, status);
  } finally {
    device.close();
  }

  const wrongKey = await fetch(`${api}/tools?session_id=${SESSION}`, { headers: { Authorization: "Bearer wrong-key-123" } });
  check("a wrong key is refused", wrongKey.status === 401, await wrongKey.text());

  const events = await fetch(`${api}/sessions/${SESSION}/events`, { headers });
  check("the event stream opens", events.ok && events.body !== null, events.status);
  const unbound = await fetch(`${api}/sessions/${SESSION}`, { method: "DELETE", headers });
  check("unbind", unbound.ok, await json(unbound));
  const told = await readUntil(events, "session_ended");
  check("the event stream tells the session's end", told.includes("session_ended"), told.slice(-300));
  console.log("serve: every check passed");
} catch (error) {
  console.error(`FAIL ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await service.stop();
  await stock.stop();
}

/** The text of an event stream up to `marker` (or its end, or 10 s), then closes it. */
async function readUntil(response: Response, marker: string): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const deadline = setTimeout(() => void reader.cancel(), 10_000);
  let text = "";
  try {
    while (!text.includes(marker)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => undefined);
  }
  return text;
}
