/**
 * @module contract/time
 * How a moment is carried. Inside the service and across the Durable Object boundary it is a `Date` (RPC keeps
 * it one); each API formats it once at its edge: REST writes it as ISO 8601 in UTC (`Date#toJSON`, when the
 * answer is serialised), RPC as a protobuf Timestamp.
 */
import { z } from "@hono/zod-openapi";

/** A moment as the service holds and passes it. */
export const Moment = z.date();

/** The same moment in a JSON answer: `2026-11-01T08:00:00.000Z`. */
export const IsoMoment = z.string().openapi({ format: "date-time" });

/** Either form: the views below are declared once over it and instantiated for each. */
export type MomentSchema = typeof Moment | typeof IsoMoment;
