/**
 * @module test/limits/session-cap.test
 * `limits.max_sessions_per_tenant` (3 in this project): binding one more is refused with 429
 * `session_limit_reached` over REST and `resource_exhausted` over Connect; a rebind never counts twice; unbind,
 * idle expiry (even with the tenant's object evicted) and a failed bind free the slot, and a release the tenant's
 * object failed is retried by the session's alarm; tenants count apart.
 */
import { Code } from "@connectrpc/connect";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { type BindBody, type ErrorBody, restBind, restRequest, restUnbind } from "../api";
import { TENANT_A_KEY, TENANT_B_KEY, TEST_API_KEYS } from "../keys";
import { rpcClient, rpcError } from "../rpc-client";
import { sessionObject } from "../session-object";
import { TEST_SESSION_CAP } from "./settings";

const DAY_MS = 24 * 3600 * 1000;
const TENANT_A = TEST_API_KEYS[TENANT_A_KEY];

const tenantObject = (tenant = TENANT_A) => env.TENANTS.getByName(tenant);
const boundSessions = (tenant = TENANT_A) => tenantObject(tenant).boundSessions();

/** A bind that may be refused: the status and body as answered. */
const tryBind = (sessionId: string, key = TENANT_A_KEY) =>
  restRequest<BindBody>(`/api/v1/mcp/sessions/${sessionId}/bind`, {
    body: { device_id: "AA:BB:CC:DD:EE:FF", client_id: "client-1" },
    key,
  });

/** Binds tenant A's sessions `cap-1` … `cap-<cap>`: the tenant is then at its cap. */
async function fillTenant(): Promise<string[]> {
  const ids = Array.from({ length: TEST_SESSION_CAP }, (_, i) => `cap-${i + 1}`);
  for (const id of ids) await restBind(id);
  return ids;
}

afterEach(async () => {
  // Each test starts with tenant A holding no session (storage is shared within this file).
  for (const id of ["cap-1", "cap-2", "cap-3", "cap-4", "extra"]) await restUnbind(id);
  expect(await boundSessions()).toBe(0);
});

describe("the cap on bound sessions per tenant", () => {
  it("refuses one session more with 429 session_limit_reached naming the cap, and changes nothing", async () => {
    await fillTenant();
    expect(await boundSessions()).toBe(TEST_SESSION_CAP);

    const refused = await tryBind("extra");
    expect(refused.status).toBe(429);
    expect(refused.body as ErrorBody).toEqual({
      error: {
        code: "session_limit_reached",
        message: expect.stringContaining("the most limits.max_sessions_per_tenant allows") as string,
        details: { limit: TEST_SESSION_CAP, bound: TEST_SESSION_CAP },
        request_id: refused.headers.get("X-Request-Id"),
      },
    });
    expect((await restRequest(`/api/v1/mcp/sessions/extra`)).status).toBe(404);
    expect(await boundSessions()).toBe(TEST_SESSION_CAP);
  });

  it("lets a bound session bind again at the cap, counted once", async () => {
    await fillTenant();
    const again = await tryBind("cap-2");
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(await boundSessions()).toBe(TEST_SESSION_CAP);
  });

  it("frees a slot on unbind", async () => {
    await fillTenant();
    expect((await restUnbind("cap-1")).status).toBe(200);
    expect(await boundSessions()).toBe(TEST_SESSION_CAP - 1);
    expect((await tryBind("extra")).status).toBe(200);
  });

  it("frees a slot on idle expiry, the tenant's object evicted meanwhile", async () => {
    await fillTenant();
    const stub = sessionObject("cap-3");
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", Date.now() - DAY_MS - 1000);
    });
    await evictDurableObject(stub);
    await evictDurableObject(tenantObject());
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    expect((await restRequest(`/api/v1/mcp/sessions/cap-3`)).status).toBe(404);
    expect(await boundSessions()).toBe(TEST_SESSION_CAP - 1);
    expect((await tryBind("extra")).status).toBe(200);
  });

  it("gives the slot back when the bind fails after taking it", async () => {
    await fillTenant();
    await restUnbind("cap-1");
    await runInDurableObject(sessionObject("extra"), async (instance, state) => {
      state.storage.setAlarm = () => Promise.reject(new Error("injected storage failure"));
      await expect(
        instance.bind({ tenant: TENANT_A, sessionId: "extra", device_id: "AA:BB:CC:DD:EE:FF", client_id: "client-1" }),
      ).rejects.toThrow("injected storage failure");
    });
    expect(await boundSessions()).toBe(TEST_SESSION_CAP - 1);
    expect((await restRequest(`/api/v1/mcp/sessions/extra`)).status).toBe(404);
    await evictDurableObject(sessionObject("extra"));
    expect((await tryBind("cap-4")).status).toBe(200);
  });

  it("retries giving the slot back from the session's alarm when the tenant's object failed to take it", async () => {
    await fillTenant();
    await runInDurableObject(tenantObject(), (instance) => {
      instance.releaseSeat = () => {
        throw new Error("injected tenant failure");
      };
    });
    expect((await restUnbind("cap-1")).status).toBe(200);
    expect(await boundSessions()).toBe(TEST_SESSION_CAP);
    expect((await tryBind("extra")).status).toBe(429);

    await evictDurableObject(tenantObject()); // back to the real releaseSeat
    expect(await runDurableObjectAlarm(sessionObject("cap-1"))).toBe(true);
    expect(await boundSessions()).toBe(TEST_SESSION_CAP - 1);
    const leftover = await runInDurableObject(sessionObject("cap-1"), (_i, state) => state.storage.get("pending_seat_release"));
    expect(leftover).toBeUndefined();
    expect((await tryBind("extra")).status).toBe(200);
  });

  it("counts each tenant apart", async () => {
    await fillTenant();
    expect((await tryBind("cap-1", TENANT_B_KEY)).status).toBe(200);
    expect(await boundSessions(TEST_API_KEYS[TENANT_B_KEY])).toBe(1);
    await restUnbind("cap-1", { key: TENANT_B_KEY });
  });

  it("answers resource_exhausted over Connect, with the REST code in the detail", async () => {
    await fillTenant();
    const client = rpcClient("connect-json");
    const err = await rpcError(
      client.bindSession({ sessionId: "extra", deviceId: "AA:BB:CC:DD:EE:FF", clientId: "client-1" }),
      Code.ResourceExhausted,
      "session_limit_reached",
    );
    expect(err.rawMessage).toContain(`has ${TEST_SESSION_CAP} bound sessions`);
  });
});
