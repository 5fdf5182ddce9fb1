/**
 * @module test/router.test
 * The app's router (api/router.ts) answers every request with the same routes, in the same order and with the
 * same parameters, as Hono's TrieRouter holding every route, while the app's own routes are served by
 * RegExpRouter except for the static paths it refuses.
 */
import { env } from "cloudflare:workers";
import type { Result } from "hono/router";
import { TrieRouter } from "hono/router/trie-router";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { SplitRouter } from "../src/api/router";

/** A router's answer as `[handler, params]` pairs, whichever form (index map and stash, or params) it used. */
function matched<T>([handlers, stash]: Result<T>): Array<[T, Record<string, string>]> {
  return handlers.map(([handler, params]) => [
    handler,
    Object.fromEntries(
      Object.entries(params).map(([name, value]) => [name, stash ? (stash[value as number] ?? "") : (value as string)]),
    ),
  ]);
}

const ROUTES: Array<[string, string]> = [
  ["ALL", "/*"],
  ["ALL", "/api/*"],
  ["GET", "/health"],
  ["POST", "/api/tools/:toolName/execute"],
  ["POST", "/api/tools/batch"],
  ["GET", "/api/tools"],
  ["GET", "/api/sessions/:sessionId"],
  ["ALL", "/api/tools/batch"],
  ["ALL", "/api/tools/:toolName/execute"],
];

const REQUESTS: Array<[string, string]> = [
  ["GET", "/health"],
  ["POST", "/api/tools/batch"],
  ["GET", "/api/tools/batch"],
  ["POST", "/api/tools/batch/execute"],
  ["POST", "/api/tools/echo/execute"],
  ["GET", "/api/tools"],
  ["GET", "/api/tools/"],
  ["GET", "/api/sessions/s-1"],
  ["DELETE", "/api/sessions/s-1"],
  ["GET", "/nowhere"],
];

function both(routes: Array<[string, string]>) {
  const split = new SplitRouter<number>();
  const trie = new TrieRouter<number>();
  routes.forEach(([method, path], index) => {
    split.add(method, path, index);
    trie.add(method, path, index);
  });
  return { split, trie };
}

describe("SplitRouter", () => {
  it("matches as the trie does, with RegExpRouter for all but the refused static path", () => {
    const { split, trie } = both(ROUTES);
    for (const [method, path] of REQUESTS) {
      expect(matched(split.match(method, path)), `${method} ${path}`).toEqual(matched(trie.match(method, path)));
    }
    expect(split.name).toBe("SplitRouter (RegExpRouter + TrieRouter)");
  });

  it("is RegExpRouter alone when it takes every route", () => {
    const { split, trie } = both(ROUTES.filter(([, path]) => !path.endsWith("/batch")));
    expect(matched(split.match("POST", "/api/tools/echo/execute"))).toEqual(
      matched(trie.match("POST", "/api/tools/echo/execute")),
    );
    expect(split.name).toBe("SplitRouter (RegExpRouter)");
  });

  it("is the trie for everything when RegExpRouter refuses a pattern", () => {
    // Registered after the literal, the parameter is the path refused: it could match any request.
    const { split, trie } = both([
      ["GET", "/a/b"],
      ["GET", "/a/:id"],
    ]);
    for (const path of ["/a/b", "/a/c"]) expect(matched(split.match("GET", path))).toEqual(matched(trie.match("GET", path)));
    expect(split.name).toBe("SplitRouter (TrieRouter)");
  });

  it("takes no route once it has matched", () => {
    const { split } = both(ROUTES);
    split.match("GET", "/health");
    expect(() => split.add("GET", "/late", 99)).toThrow(/once the router has matched/);
  });

  it("serves the app's routes with RegExpRouter, only the refused static paths with the trie", async () => {
    const app = createApp();
    const res = await app.request("/health", {}, env);
    expect(res.status).toBe(200);
    expect(app.router.name).toBe("SplitRouter (RegExpRouter + TrieRouter)");
  });
});
