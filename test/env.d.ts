/** Types `env` and `exports` of `cloudflare:workers` in the tests with this Worker's own. */
// An `import()` type is not allowed in an `extends` clause (and skipLibCheck would hide the error): go through an alias.
type WorkerEnv = import("../src/env").Env;
declare namespace Cloudflare {
  interface Env extends WorkerEnv {}
  interface GlobalProps {
    mainModule: typeof import("../src/index");
    durableNamespaces: "SessionObject";
  }
}
