/**
 * The layering rules `npm run lint` enforces (dependency-cruiser). Type-only imports count: a type circle is
 * still a circle for the reader.
 *
 *   src/contract/            the API contract: imports nothing of ours
 *   src/util/                shared leaves (JSON parsing, abort helpers): import nothing of ours
 *   src/config/, src/cache/  import the contract only (and each other's leaves)
 *   src/tools/*.ts           the shared tool model: never one source's folder
 *   src/tools/<source>/      one source each: never another source's folder
 *   durable-objects/         the session: never the HTTP surface (src/api/, src/app.ts)
 *   src/api/                 the HTTP surface, on top of everything
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A module must not depend on itself through others (type-only imports included).",
      from: {},
      to: { circular: true },
    },
    {
      name: "contract-is-a-leaf",
      severity: "error",
      comment: "The API contract is the bottom layer: it imports no other module of the service.",
      from: { path: "^src/contract/" },
      to: { path: "^(src|durable-objects)/", pathNot: "^src/contract/" },
    },
    {
      name: "util-is-a-leaf",
      severity: "error",
      comment: "src/util/ holds helpers every layer may import: it imports no other module of the service.",
      from: { path: "^src/util/" },
      to: { path: "^(src|durable-objects)/", pathNot: "^src/util/" },
    },
    {
      name: "shared-layers-stay-below",
      severity: "error",
      comment: "config, cache and tools never reach up to the HTTP surface or the Durable Objects.",
      from: { path: "^src/(config|cache|tools)/" },
      to: { path: "^(src/api/|src/app\\.ts$|src/index\\.ts$|durable-objects/)" },
    },
    {
      name: "config-knows-no-tools",
      severity: "error",
      comment: "The configuration is read before any tool exists: it does not import the tool layer.",
      from: { path: "^src/config/" },
      to: { path: "^src/tools/" },
    },
    {
      name: "tool-model-knows-no-source",
      severity: "error",
      comment: "The shared tool model (src/tools/*.ts) never imports one source's folder.",
      from: { path: "^src/tools/[^/]+\\.ts$" },
      to: { path: "^src/tools/[^/]+/" },
    },
    {
      name: "sources-are-apart",
      severity: "error",
      comment: "A tool source (src/tools/<source>/) never imports another source's folder.",
      from: { path: "^src/tools/([^/]+)/" },
      to: { path: "^src/tools/[^/]+/", pathNot: "^src/tools/$1/" },
    },
    {
      name: "session-below-http",
      severity: "error",
      comment: "The Durable Objects never import the HTTP surface.",
      from: { path: "^durable-objects/" },
      to: { path: "^(src/api/|src/app\\.ts$)" },
    },
    {
      name: "no-test-code-in-the-service",
      severity: "error",
      from: { path: "^(src|durable-objects)/" },
      to: { path: "^(test|bench)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/gen/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
