/**
 * @module test/quiet-output
 * Keeps a green `npm test` down to results and real warnings (Node side, used by vitest.config.ts):
 * - {@link withoutBrokenSourcemaps} stops Vite from reading the sourcemaps of packages that publish maps naming
 *   sources they do not ship (each such file printed "Sourcemap for … points to missing source files");
 * - {@link dropWorkerdNoise} drops the few workerd log lines that expected disconnections produce.
 */
import { readFile } from "node:fs/promises";
import type { Plugin } from "vitest/config";

/** Packages whose `dist/**.js.map` point at `../src/*.ts` files the published package leaves out. */
const PACKAGES_WITH_BROKEN_SOURCEMAPS = ["@modelcontextprotocol/sdk"];
const SOURCE_MAPPING_URL_COMMENT = /^\/\/# sourceMappingURL=.*$/gm;

/**
 * A Vite plugin that loads the JavaScript of {@link PACKAGES_WITH_BROKEN_SOURCEMAPS} without its sourcemap
 * comment, so Vite neither follows the map nor looks for its missing sources. Stack traces then point at the
 * package's JavaScript, which is all the package ships anyway.
 */
export function withoutBrokenSourcemaps(): Plugin {
  const folders = PACKAGES_WITH_BROKEN_SOURCEMAPS.map((name) => `/node_modules/${name}/`);
  return {
    name: "without-broken-sourcemaps",
    enforce: "pre",
    async load(id) {
      const file = id.split("?", 1)[0] ?? id;
      if (!file.endsWith(".js") || !folders.some((folder) => file.includes(folder))) return null;
      const code = await readFile(file, "utf8");
      return { code: code.replace(SOURCE_MAPPING_URL_COMMENT, ""), map: null };
    },
  };
}

/**
 * What workerd logs (in verbose mode, which the Workers pool turns on) when a peer drops a connection: the tests
 * stop upstream hosts and close relays on purpose. Each pattern matches the start of one log message.
 */
const WORKERD_DISCONNECT_NOISE = [
  // A socket to an upstream host that was stopped or reset, seen by workerd's HTTP client.
  /^exception = rust\/worker\/ffi\.rs:\d+: disconnected: /,
  // The same disconnection, reported again for the fetch body stream that was reading from it.
  /^uncaught exception; source = Uncaught \(in promise\); stack = Error: Network connection lost\.\s*$/,
  /^uncaught exception; exception = workerd\/jsg\/value\.h:\d+: disconnected: jsg\.Error: Network connection lost\./,
];

/**
 * Drops workerd's disconnection noise ({@link WORKERD_DISCONNECT_NOISE}) from this process's stdout and stderr,
 * and passes everything else through. The Workers pool prints workerd's structured logs with one write per
 * message and offers no hook to filter them (its Miniflare has no `handleRuntimeStdio`, and it sets
 * `handleStructuredLogs` itself), so the filter sits on the two streams.
 */
export function dropWorkerdNoise(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    const filtered = (chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === "string" && WORKERD_DISCONNECT_NOISE.some((noise) => noise.test(chunk))) return true;
      return write(chunk, ...rest);
    };
    stream.write = filtered;
  }
}
