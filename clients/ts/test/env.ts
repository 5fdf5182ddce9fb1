/** The running service the suite talks to (test.sh sets these, or starts one), and a port nothing listens on. */
import { freePort } from "../../../scripts/service.ts";

export const SERVICE_URL = required("XIAOZHI_MCP_SERVICE_URL");
export const SERVICE_KEY = required("XIAOZHI_MCP_SERVICE_KEY");

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run clients/ts/test.sh (it starts the service when needed)`);
  return value;
}

/** A session id no other test (or earlier run) uses. */
export function sessionId(name: string): string {
  return `ts-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A loopback URL where nothing listens: the service "down". */
export async function closedUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}
