/** Types `env` and `exports` of `cloudflare:workers` in the tests with this Worker's own. */
type WorkerEnv = import("../src/env").Env;

declare namespace Cloudflare {
  interface Env extends WorkerEnv {}
  interface GlobalProps {
    mainModule: typeof import("../src/index");
    durableNamespaces: "SessionObject";
  }
}
