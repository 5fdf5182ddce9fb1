/**
 * @module test/upstreams/global-setup
 * Vitest global setup (Node): starts the upstream hosts and a control endpoint on 127.0.0.1, and provides
 * their URLs to the Worker's configuration (vitest.config.ts) and to the tests (`inject("upstreams")`).
 * Tests run inside workerd and cannot start processes or servers themselves: they steer the hosts through
 * the control endpoint:
 * - `GET  /upstreams/<host>`: its {@link UpstreamStats};
 * - `POST /upstreams/<host>/stop`, `/start`;
 * - `POST /upstreams/<host>/tools/<name>` adds a tool, `DELETE` the same path removes it;
 * - `POST /upstreams/<host>/sse-start/<ms|never|now>`: how new SSE streams start (see host.ts; not the 2026-07-28
 *   host, modern-host.ts, which has no SSE transport).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { type SseStart, UpstreamHost } from "./host";
import { ModernHost } from "./modern-host";
import { UPSTREAM_HOSTS, type UpstreamHostName } from "./servers";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const hosts = new Map<string, UpstreamHost | ModernHost>();
  const urls = {} as Record<UpstreamHostName, string>;
  const entries = Object.entries(UPSTREAM_HOSTS) as Array<[UpstreamHostName, { requiredToken?: string; era?: string }]>;
  for (const [name, options] of entries) {
    const host = options.era === "2026-07-28" ? new ModernHost() : new UpstreamHost(options);
    hosts.set(name, host);
    urls[name] = await host.listen();
  }

  const steer = async (req: IncomingMessage, res: ServerResponse) => {
    const [, root, name, action, arg] = new URL(req.url ?? "/", "http://control.test").pathname.split("/");
    const host = root === "upstreams" ? hosts.get(name ?? "") : undefined;
    if (!host) return void res.writeHead(404).end();
    if (req.method === "GET" && action === undefined) {
      return void res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(host.stats()));
    }
    if (req.method === "POST" && action === "stop") await host.stop();
    else if (req.method === "POST" && action === "start") host.start();
    else if (req.method === "POST" && action === "tools" && arg) host.addTool(arg);
    else if (req.method === "DELETE" && action === "tools" && arg) host.removeTool(arg);
    else if (req.method === "POST" && action === "sse-start" && arg && host instanceof UpstreamHost)
      host.holdSseStart(sseStart(arg));
    else return void res.writeHead(404).end();
    res.writeHead(204).end();
  };
  const control = createServer((req, res) => {
    steer(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  const controlUrl = await new Promise<string>((resolve) =>
    control.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(control.address() as AddressInfo).port}`)),
  );

  project.provide("upstreams", { control: controlUrl, urls });

  return async () => {
    control.closeAllConnections();
    await new Promise((resolve) => control.close(resolve));
    await Promise.all([...hosts.values()].map((host) => host.close()));
  };
}

function sseStart(text: string): SseStart {
  return text === "now" || text === "never" ? text : Number(text);
}
