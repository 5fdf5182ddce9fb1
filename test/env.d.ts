/**
 * @module test/env
 * Types `env` and `exports` of `cloudflare:workers` in the tests with this Worker's own.
 */
import type { Env as WorkerEnv } from "../src/env";
import type * as WorkerModule from "../src/index";

declare global {
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging needs an interface: it makes the Worker's Env the tests' `env`
    interface Env extends WorkerEnv {}
    interface GlobalProps {
      mainModule: typeof WorkerModule;
      durableNamespaces: "SessionObject" | "TenantObject" | "MetricsObject";
    }
  }
}
