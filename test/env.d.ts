/** Types `env` and `exports` of `cloudflare:workers` in the tests with this Worker's own. */
declare namespace Cloudflare {
  // An interface cannot extend an `import()` type directly (and skipLibCheck hides that error in a .d.ts).
  type WorkerEnv = import("../src/env").Env;
  interface Env extends WorkerEnv {}
  interface GlobalProps {
    mainModule: typeof import("../src/index");
    durableNamespaces: "SessionObject";
  }
}
