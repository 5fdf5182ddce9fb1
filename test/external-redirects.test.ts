/**
 * @module test/external-redirects.test
 * Configured headers never go to another origin: an upstream that redirects elsewhere fails clearly as
 * `upstream_unavailable` naming the redirect, while a redirect within the server's origin is followed, headers
 * and all. And what tenants see of the operator's URLs: no credentials, no query string. The `stable` host
 * redirects (`/redirect?to=`); the `guarded` host, which needs the bearer token, is where the redirects point.
 */
import { describe, expect, inject, it } from "vitest";
import { redactUrl, redactUrls } from "../src/tools/external/redact";
import { newExternalSource } from "./external-source";
import { CONTRACT_SESSION } from "./tool-sources/contract";
import { stringContaining } from "./matchers";
import { upstream } from "./upstreams/control";
import { UPSTREAM_HOSTS } from "./upstreams/servers";

const { stable, guarded } = inject("upstreams").urls;
const guardedHost = upstream("guarded");
const headers = { Authorization: `Bearer ${UPSTREAM_HOSTS.guarded.requiredToken}` };

/** `from`'s redirect to `to`, with a query string of its own (which tenants must not see). */
const redirect = (from: string, to: string) => `${from}/redirect?to=${encodeURIComponent(to)}`;

describe("redirects", () => {
  for (const transport of ["streamable-http", "sse"] as const) {
    const path = transport === "sse" ? "/sse" : "/mcp";

    it(`${transport}: a redirect to another origin is not followed; the call fails naming it, and the headers stay home`, async () => {
      const { source, close } = newExternalSource({ moved: { url: redirect(stable, `${guarded}${path}`), transport, headers } });
      try {
        const before = (await guardedHost.stats()).requests;
        const [listing] = await source.listTools();
        expect(listing).toMatchObject({
          status: "unavailable",
          error: stringContaining(`Redirect to ${guarded}${path} not followed`),
        });
        expect((await guardedHost.stats()).requests).toBe(before);

        const [status] = source.status();
        expect(status).toMatchObject({ status: "failed", url: `${stable}/redirect` });
        expect(status?.last_error).toContain(`Redirect to ${guarded}${path} not followed`);
        expect(status?.last_error).not.toContain("?");
      } finally {
        await close();
      }
    });

    it(`${transport}: a redirect within the server's origin is followed, with the configured headers`, async () => {
      const { source, close } = newExternalSource({ moved: { url: redirect(guarded, `${guarded}${path}`), transport, headers } });
      try {
        expect((await source.listTools())[0]).toMatchObject({ status: "ok" });
        const echo = source.resolveAlias("mcp_echo")!;
        expect(await source.callTool(echo, { message: "moved" }, { session: CONTRACT_SESSION })).toMatchObject({
          success: true,
          result: "Echo: moved",
        });
      } finally {
        await close();
      }
    });
  }
});

describe("what tenants see of upstream URLs", () => {
  it("credentials, query strings and fragments are left out, in the status view and in messages", () => {
    expect(redactUrl("https://user:secret@maps.example.com:8443/v1/mcp?key=abc#top")).toBe(
      "https://maps.example.com:8443/v1/mcp",
    );
    expect(redactUrls("fetch https://u:p@a.example/x?key=1 failed (see http://b.example:81/y?t=2#f), retry")).toBe(
      "fetch https://a.example/x failed (see http://b.example:81/y), retry",
    );
    expect(redactUrls("no address here")).toBe("no address here");
  });

  it("an upstream's error that quotes the URL with its query string reaches neither the caller nor the status view", async () => {
    const url = `${stable}/nowhere?api_key=secret-key`;
    const { source, close } = newExternalSource({ keyed: { url, transport: "streamable-http" } });
    try {
      const [listing] = await source.listTools();
      expect(listing).toMatchObject({ status: "unavailable", error: stringContaining(`no MCP endpoint at ${stable}/nowhere`) });
      expect(listing?.error).not.toContain("secret-key");
      const [status] = source.status();
      expect(status).toMatchObject({ url: `${stable}/nowhere`, last_error: stringContaining(`${stable}/nowhere`) });
      expect(status?.last_error).not.toContain("secret-key");
    } finally {
      await close();
    }
  });

  it("a server's URL in the status view has no credentials or query string", async () => {
    const { source, close } = newExternalSource({ keyed: { url: `http://user:secret@127.0.0.1:9/mcp?api_key=secret` } });
    try {
      expect(source.status()[0]).toMatchObject({ url: "http://127.0.0.1:9/mcp" });
    } finally {
      await close();
    }
  });
});
