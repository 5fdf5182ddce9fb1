/**
 * @module api/router
 * The app's router: Hono's RegExpRouter (one regular expression per method, the fast one) for every path it
 * accepts, and Hono's TrieRouter for the few static paths it refuses. RegExpRouter refuses a literal segment
 * where another route has a parameter (`/tools/batch` beside `/tools/:toolName/execute`); Hono's default
 * SmartRouter then falls back to the trie for every request. Here only requests for exactly such a path go to
 * the trie, which holds every route: a static path matches no other request, so each request sees the same
 * routes, in the same order, as with the trie alone.
 */
import { type Result, type Router, UnsupportedPathError } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { TrieRouter } from "hono/router/trie-router";

type Route<T> = [method: string, path: string, handler: T];
type Match<T> = (method: string, path: string) => Result<T>;

/** RegExpRouter where it can, TrieRouter for the static paths RegExpRouter refuses. */
export class SplitRouter<T> implements Router<T> {
  name = "SplitRouter";
  readonly #routes: Route<T>[] = [];
  #match: Match<T> | undefined;

  add(method: string, path: string, handler: T): void {
    if (this.#match) throw new Error("routes cannot be added once the router has matched a request");
    this.#routes.push([method, path, handler]);
  }

  match(method: string, path: string): Result<T> {
    this.#match ??= this.#build();
    return this.#match(method, path);
  }

  #build(): Match<T> {
    const trie = new TrieRouter<T>();
    for (const route of this.#routes) trie.add(...route);
    const triePaths = new Set<string>();
    let regExp = this.#regExpWithout(triePaths);
    while (typeof regExp === "string") {
      // A refused pattern (a parameter or wildcard) could match any request: the trie then serves them all.
      if (/[:*]/.test(regExp)) {
        this.name = "SplitRouter (TrieRouter)";
        return trie.match.bind(trie);
      }
      triePaths.add(regExp);
      regExp = this.#regExpWithout(triePaths);
    }
    const regExpRouter = regExp;
    this.name = triePaths.size === 0 ? "SplitRouter (RegExpRouter)" : "SplitRouter (RegExpRouter + TrieRouter)";
    return (method, path) => (triePaths.has(path) ? trie : regExpRouter).match(method, path);
  }

  /** A RegExpRouter of every route whose path is not left out, or the first path it refuses. */
  #regExpWithout(leftOut: Set<string>): RegExpRouter<T> | string {
    const regExp = new RegExpRouter<T>();
    for (const [method, path, handler] of this.#routes) {
      if (leftOut.has(path)) continue;
      try {
        regExp.add(method, path, handler);
      } catch (error) {
        if (error instanceof UnsupportedPathError) return path;
        throw error;
      }
    }
    return regExp;
  }
}
