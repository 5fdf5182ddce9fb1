/**
 * @module index
 * The Worker entry: the HTTP app and the Durable Object classes it binds.
 */
import { createApp } from "./app";

export { SessionObject } from "../durable-objects/session";

export default createApp() satisfies ExportedHandler<import("./env").Env>;
