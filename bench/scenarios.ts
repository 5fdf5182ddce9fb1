/**
 * @module bench/scenarios
 * What the bench measures. The peer paths, once per run: the MCP SDK calling `echo` directly on each upstream
 * (the floors) and mcp-hub's REST tool call on the stock one (the peer). The service's paths, once per runner
 * (`serve` and `dev`): its bare route, listing, local, external (both upstreams), device and Connect calls, and
 * three external calls as one batch against three sequential executes.
 *
 * Calls whose answer must be read to know they succeeded (the external and batch paths, the peer and the floors)
 * run in the closed-loop driver with fetch, the same driver for all of them; plain routes run in autocannon.
 */
import { ECHO_ARGS, executeCall, hubEchoCall } from "./calls.ts";
import { httpLoad, loopLoad, type Measurement } from "./load.ts";
import type { McpHub } from "./peers.ts";
import type { DirectClient } from "./upstream.ts";

export interface Scenario {
  name: string;
  /** The service's runner the scenario ran on, or null for the peer paths. */
  runner: string | null;
  description: string;
  /** The scenario (of the same runner, or a peer path) this one is compared with. */
  floor: string | null;
  /** The peer's scenario this one is compared with, when there is one. */
  peer: string | null;
  measure(connections: number): Promise<Measurement>;
}

export interface Cell {
  durationS: number;
  warmupS: number;
}

/** The direct SDK floors on each upstream and mcp-hub's tool call on the stock one. */
export function peerScenarios(cell: Cell, direct: { stock: DirectClient; host: DirectClient }, hub: McpHub): Scenario[] {
  const loop = (call: () => Promise<boolean>) => (connections: number) => loopLoad({ call, connections, ...cell });
  const peer = { runner: null, peer: null };
  return [
    {
      ...peer,
      name: "direct_sdk_echo",
      description:
        "`echo` on the stock `server-everything streamableHttp` process, called with the MCP SDK client over one kept-open session (the floor)",
      floor: null,
      measure: loop(() => direct.stock.echo()),
    },
    {
      ...peer,
      name: "direct_sdk_echo_host",
      description: "the same on the in-process host of server-everything the tests use (its floor)",
      floor: null,
      measure: loop(() => direct.host.echo()),
    },
    {
      ...peer,
      name: "mcp_hub_echo",
      description: "mcp-hub 4.2 in front of the stock upstream: `POST /api/servers/tools` of `echo` (the peer)",
      floor: "direct_sdk_echo",
      measure: loop(hubEchoCall(hub)),
    },
  ];
}

/** The service's scenarios on one runner listening at `url`, session `session` bound and its device connected. */
export function serviceScenarios(runner: string, url: string, session: string, apiKey: string, cell: Cell): Scenario[] {
  const auth = { Authorization: `Bearer ${apiKey}` };
  const jsonHeaders = { ...auth, "Content-Type": "application/json" };
  const http =
    (path: string, init: { method?: "GET" | "POST"; body?: unknown } = {}) =>
    (connections: number) =>
      httpLoad({
        url: url + path,
        method: init.method,
        // Connect's JSON protocol is a plain POST with a JSON body, so the same headers serve both APIs.
        headers: init.body === undefined ? auth : jsonHeaders,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        connections,
        ...cell,
      });
  const loop = (call: () => Promise<boolean>) => (connections: number) => loopLoad({ call, connections, ...cell });
  const post = async (path: string, body: unknown): Promise<Response> =>
    fetch(url + path, { method: "POST", headers: jsonHeaders, body: JSON.stringify(body) });
  const execute = (tool: string) => executeCall(url, session, apiKey, tool);
  const threeEchoes = [1, 2, 3].map(() => ({ tool_name: "mcp_stock_echo", arguments: ECHO_ARGS }));
  const sequential = async () => {
    for (const call of threeEchoes) if (!(await execute(call.tool_name)())) return false;
    return true;
  };
  const batch = async () => {
    const res = await post("/api/v1/mcp/tools/batch", { session_id: session, calls: threeEchoes });
    const body = (await res.json()) as { results?: Array<{ success: boolean }> };
    return res.ok && body.results?.length === 3 && body.results.every((r) => r.success);
  };
  const own = (scenario: Omit<Scenario, "runner" | "peer"> & { peer?: string }): Scenario => ({
    peer: null,
    ...scenario,
    runner,
  });
  return [
    own({
      name: "health",
      description: "`GET /health`: no auth, no Durable Object (the runtime's bare-route floor)",
      floor: null,
      measure: http("/health"),
    }),
    own({
      name: "tools_list",
      description: "`GET /api/v1/mcp/tools` for a bound session",
      floor: "health",
      measure: http(`/api/v1/mcp/tools?session_id=${session}`),
    }),
    own({
      name: "local_execute",
      description: "execute `local_get_time` (auth, validation, one Durable Object call)",
      floor: "health",
      measure: http("/api/v1/mcp/tools/local_get_time/execute", { method: "POST", body: { session_id: session } }),
    }),
    own({
      name: "external_execute",
      description:
        "execute `echo` of the stock upstream through the service (`mcp_stock_echo`): auth, validation, Durable Object, its kept-open upstream session",
      floor: "direct_sdk_echo",
      peer: "mcp_hub_echo",
      measure: loop(execute("mcp_stock_echo")),
    }),
    own({
      name: "external_execute_host",
      description: "the same on the in-process host (`mcp_host_echo`)",
      floor: "direct_sdk_echo_host",
      measure: loop(execute("mcp_host_echo")),
    }),
    own({
      name: "sequential_3_echo",
      description: "three `mcp_stock_echo` executes one after the other (one loop iteration)",
      floor: null,
      measure: loop(sequential),
    }),
    own({
      name: "batch_3_echo",
      description: "the same three calls as one `POST /api/v1/mcp/tools/batch` (compared with the sequential three)",
      floor: "sequential_3_echo",
      measure: loop(batch),
    }),
    own({
      name: "device_execute",
      description: "execute `self_get_device_status` on a simulated device behind the relay WebSocket, answering at once",
      floor: "health",
      measure: http("/api/v1/mcp/tools/self_get_device_status/execute", { method: "POST", body: { session_id: session } }),
    }),
    own({
      name: "connect_get_tools",
      description: "`mcp.MCPService/GetTools` over the Connect protocol (JSON)",
      floor: "health",
      measure: http("/mcp.MCPService/GetTools", { method: "POST", body: { sessionId: session } }),
    }),
    own({
      name: "connect_execute_local",
      description: "`mcp.MCPService/ExecuteTool` of `local_get_time` over the Connect protocol (JSON)",
      floor: "health",
      measure: http("/mcp.MCPService/ExecuteTool", { method: "POST", body: { sessionId: session, toolName: "local_get_time" } }),
    }),
  ];
}
