/**
 * @module config/schema
 * The service configuration: the checked-in `config/service.config.json`, validated at start.
 * Each section documents its defaults here, so the file may stay short.
 */
import { z } from "zod";

const MIN_IDLE_TTL_SECONDS = 60;
const MAX_IDLE_TTL_SECONDS = 30 * 24 * 3600;

/** A local tool's switch, with an optional description that replaces the built-in one. */
const LocalToolToggle = z
  .object({ enabled: z.boolean(), description: z.string().min(1).optional() })
  .strict();

/** The local tools by their name without the `local_` prefix; a tool left out is disabled. */
export const LocalToolsConfig = z
  .object({
    get_time: LocalToolToggle,
    exit: LocalToolToggle,
    play_music: LocalToolToggle,
    change_voice: LocalToolToggle,
    change_role: LocalToolToggle,
    switch_agent: LocalToolToggle,
  })
  .partial()
  .strict();
export type LocalToolsConfig = z.infer<typeof LocalToolsConfig>;
export type LocalToolKey = keyof LocalToolsConfig;

/** A role the assistant can switch to; `prompt` becomes the gateway's new system prompt. */
export const RoleConfig = z.object({ name: z.string().min(1), prompt: z.string() }).strict();
export type RoleConfig = z.infer<typeof RoleConfig>;

/** A TTS voice the assistant can switch to; `name` is what the gateway's TTS is given. */
export const VoiceConfig = z
  .object({
    name: z.string().min(1),
    display_name: z.string().optional(),
    gender: z.string().optional(),
    description: z.string().optional(),
  })
  .strict();
export type VoiceConfig = z.infer<typeof VoiceConfig>;

const TimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "not an IANA time zone (for example Asia/Shanghai)" },
);

export const ServiceConfig = z
  .object({
    /** Which local tools are offered. */
    local_tools: LocalToolsConfig.default({}),
    roles: z.array(RoleConfig).default([]),
    voices: z.array(VoiceConfig).default([]),
    /** The zone `local_get_time` reports the time in. */
    timezone: TimeZone.default("Asia/Shanghai"),
    session: z
      .object({
        /** A session unused this long is deleted with everything it holds. */
        idle_ttl_seconds: z
          .number()
          .int()
          .min(MIN_IDLE_TTL_SECONDS)
          .max(MAX_IDLE_TTL_SECONDS)
          .default(24 * 3600),
      })
      .strict()
      .default({ idle_ttl_seconds: 24 * 3600 }),
    limits: z
      .object({
        /** The largest request body the API accepts; larger ones get 413. */
        max_body_bytes: z
          .number()
          .int()
          .min(1024)
          .max(1024 * 1024)
          .default(64 * 1024),
      })
      .strict()
      .default({ max_body_bytes: 64 * 1024 }),
  })
  .strict();
export type ServiceConfig = z.infer<typeof ServiceConfig>;
