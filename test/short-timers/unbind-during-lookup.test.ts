/**
 * @module test/short-timers/unbind-during-lookup.test
 * An unbind that lands while an execute is still finding its tool (listing sources that wait on an upstream)
 * ends that execute too: it answers like any call to an unbound session instead of running afterwards.
 * This file starts with an empty tool-list cache, so the first lookup has to reach the upstream, whose SSE
 * start the test holds back to keep the lookup waiting.
 */
import { expect, it } from "vitest";
import { restBind, restExecute, restUnbind } from "../api";
import { pollUntil } from "../poll";
import { upstream } from "../upstreams/control";

const host = upstream("short_timers");

it(
  "an execute whose tool lookup is still waiting when the session is unbound answers session_not_found",
  { timeout: 20_000 },
  async () => {
    const before = (await host.stats()).open_streams;
    await host.holdSseStart(1_500);
    try {
      await restBind("race");
      const pending = restExecute("race", "local_get_time");
      // The lookup is waiting once the upstream has been asked for its stream.
      await pollUntil(host.stats, (stats) => stats.open_streams > before, "the lookup to ask for the upstream's stream");
      expect((await restUnbind("race")).status).toBe(200);
      const res = await pending;
      expect(res.status).toBe(404);
      expect(res.body.error?.code).toBe("session_not_found");
    } finally {
      await host.holdSseStart("now");
    }
  },
);
