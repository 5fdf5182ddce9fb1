/** Types `env` and `exports` of `cloudflare:workers` in the tests with this Worker's own. */
declare namespace Cloudflare {
  interface Env extends import("../src/env").Env {}
  interface GlobalProps {
    mainModule: typeof import("../src/index");
    durableNamespaces: "SessionObject";
  }
}
