/**
 * Generated input on every REST route and every rpc (Connect JSON and binary, gRPC-Web), as two tenants,
 * without a key and with an unknown one: no answer is a 5xx, every refusal has its surface's error shape, and
 * the state is as it was: each tenant's bound session reads the same before and after the storm, and no id
 * only bad requests touched is bound.
 *
 * Bounded in time (each storm stops after its time limit) and replayable: the seed is fixed, and a failure
 * names it with the request that failed. Set another seed here to explore further.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { SessionId } from "../../src/contract/session";
import { restBind, restGetSession, restListTools } from "../api";
import { TENANT_A_KEY, TENANT_B_KEY } from "../keys";
import { BASELINE_ID, type GeneratedRequest, restRequests, rpcRequests, STORM_IDS } from "./requests";
import { judge } from "./verdict";

const SEED = 20_261_117;
/** Each storm's time limit: the two add about 25 s to `npm test`, whatever the machine (a slower one runs fewer requests; the seed keeps their order). */
const STORM_MS = 10_000;
const RUNS = 1500;

const TENANTS = { [TENANT_A_KEY]: "AA:AA:AA:AA:AA:AA", [TENANT_B_KEY]: "BB:BB:BB:BB:BB:BB" };

/** Which (key, id) the storm bound with a request answered 200, and every valid id it named. */
const boundByStorm = new Set<string>();
const namedIds = new Set<string>(STORM_IDS);

function keyOf(request: GeneratedRequest): string | undefined {
  return /^Bearer (.*)$/.exec(request.headers.Authorization ?? "")?.[1];
}

/** Sends and judges one request, and keeps the books on what it bound. */
async function storm(request: GeneratedRequest): Promise<void> {
  const verdict = await judge(request);
  const id = request.sessionId;
  if (id === undefined || id === BASELINE_ID || !SessionId.safeParse(id).success) return;
  namedIds.add(id);
  const entry = `${keyOf(request)}|${id}`;
  if (verdict.ok && /bind$|BindSession$/.test(request.action) && !/Unbind/.test(request.action)) boundByStorm.add(entry);
  if (verdict.ok && /^DELETE session$|UnbindSession$/.test(request.action)) boundByStorm.delete(entry);
}

/** What must not change: the session as GET shows it (but the moments reading it moves) and its tools. */
async function baselineState(key: string) {
  const session = await restGetSession(BASELINE_ID, { key });
  const tools = await restListTools(BASELINE_ID, { key });
  const { last_used_at: _used, expires_at: _expires, ...view } = session.body;
  return { status: session.status, view, tools: tools.body };
}

function run(arbitrary: fc.Arbitrary<GeneratedRequest>) {
  return fc.assert(fc.asyncProperty(arbitrary, storm), {
    seed: SEED,
    numRuns: RUNS,
    interruptAfterTimeLimit: STORM_MS,
    markInterruptAsFailure: false,
  });
}

describe("generated input", () => {
  const before: Record<string, Awaited<ReturnType<typeof baselineState>>> = {};

  beforeAll(async () => {
    for (const [key, device] of Object.entries(TENANTS)) {
      await restBind(BASELINE_ID, { device_id: device, client_id: "gen-client" }, { key });
      before[key] = await baselineState(key);
    }
  });

  it("on every REST route: no 5xx, every refusal in the error shape", { timeout: 60_000 }, async () => {
    await run(restRequests);
  });

  it("on every rpc, over Connect and gRPC-Web: no 5xx, every refusal a Connect error", { timeout: 60_000 }, async () => {
    await run(rpcRequests);
  });

  it("leaves each tenant's session as it was, and binds no id only bad requests named", async () => {
    for (const key of Object.keys(TENANTS)) expect(await baselineState(key)).toEqual(before[key]);
    for (const id of namedIds) {
      for (const key of Object.keys(TENANTS)) {
        const bound = boundByStorm.has(`${key}|${id}`);
        const { status } = await restGetSession(encodeURIComponent(id), { key });
        expect({ id, key, status }).toEqual({ id, key, status: bound ? 200 : 404 });
      }
    }
  });
});
