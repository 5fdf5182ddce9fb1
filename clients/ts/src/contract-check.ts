/**
 * Compile-time only: each body type the client declares (types.ts) is the same type as the service's REST
 * schema for it (`npm run typecheck` fails when they drift). Nothing here exists at run time: the imports are
 * type-only, so the client never loads the service's code.
 */
import type { z } from "@hono/zod-openapi";
import type * as Rest from "../../../src/api/rest/schemas.ts";
import type * as Client from "./types.ts";

/** True when A and B are mutually assignable. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type Checks = [
  Assert<Same<Client.ExecutionResult, z.infer<typeof Rest.ExecutionResult>>>,
  Assert<Same<Client.Tool, z.infer<typeof Rest.Tool>>>,
  Assert<Same<Client.SourceReport, z.infer<typeof Rest.SourceReport>>>,
  Assert<Same<Client.ToolsResponse, z.infer<typeof Rest.ToolsResponse>>>,
  Assert<Same<Client.SessionView, z.infer<typeof Rest.SessionView>>>,
  Assert<Same<Client.DeviceView, z.infer<typeof Rest.DeviceView>>>,
  Assert<Same<Client.BindResponse, z.infer<typeof Rest.BindResponse>>>,
  Assert<Same<Client.UnbindResponse, z.infer<typeof Rest.UnbindResponse>>>,
  Assert<Same<Client.MessageResponse, z.infer<typeof Rest.MessageResponse>>>,
  // Requests: what the client may send is what the service accepts.
  Assert<Same<Client.BindRequest, z.input<typeof Rest.BindRequest>>>,
  Assert<Same<Client.ExecuteRequest, z.input<typeof Rest.ExecuteRequest>>>,
  // Errors: the client reads any code (a newer service may add some), so the service's must fit in it.
  Assert<z.infer<typeof Rest.ErrorResponse> extends Client.ErrorResponse ? true : false>,
];
