/**
 * @module index
 * The Worker entry: the HTTP app and the Durable Object classes it binds.
 */
import { createApp } from "./app";
import type { Env } from "./env";

export { SessionObject } from "../durable-objects/session";

export default createApp() satisfies ExportedHandler<Env>;
