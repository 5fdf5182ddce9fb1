/**
 * @module tools/device/drop-log
 * The log of the frames a session drops, bounded however many arrive: the first drop after a quiet spell is
 * logged at once with its reason (`device_frame_dropped`); the drops that follow within {@link DROP_SUMMARY_INTERVAL_MS} are counted by
 * {@link FrameDrop} and logged as one summary line (`device_frames_dropped`) when the interval ends. A flood of bad frames therefore
 * writes one line per interval, not one per frame.
 *
 * ## Lifecycle
 * quiet → (a drop: logged) → counting → (interval ends: a summary if anything was counted, and counting goes on
 * for another interval; otherwise) → quiet. {@link FrameDropLog.flush} (the relay closed) logs the summary of
 * what was counted so far and goes back to quiet.
 */
import type { Logger } from "../../observability/log";
import type { FrameDrop } from "./frames";

/** How long drops are counted before their summary is logged. */
export const DROP_SUMMARY_INTERVAL_MS = 10_000;

export class FrameDropLog {
  readonly #counts = new Map<FrameDrop, number>();
  #lastReason = "";
  /** When counting began (ms since the epoch). */
  #since = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `logger`: the session's, which names it on every line. */
  constructor(private readonly logger: Logger) {}

  /** Records one dropped frame: logged now after a quiet spell, counted into the next summary otherwise. */
  record(drop: FrameDrop, reason: string): void {
    if (this.#timer === undefined) {
      this.logger.warn("device_frame_dropped", { drop, reason });
      this.#startCounting();
      return;
    }
    this.#counts.set(drop, (this.#counts.get(drop) ?? 0) + 1);
    this.#lastReason = reason;
  }

  /** Logs the summary of the drops counted so far, if any, and goes back to quiet. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#log();
  }

  #startCounting(): void {
    this.#since = Date.now();
    this.#timer = setTimeout(() => this.#summarize(), DROP_SUMMARY_INTERVAL_MS);
  }

  #summarize(): void {
    if (this.#log()) this.#startCounting();
    else this.#timer = undefined;
  }

  /** Logs the summary of the counted drops and clears it; false when there was nothing to log. */
  #log(): boolean {
    if (this.#counts.size === 0) return false;
    const dropped = Object.fromEntries(this.#counts);
    const total = [...this.#counts.values()].reduce((sum, n) => sum + n, 0);
    this.logger.warn("device_frames_dropped", {
      over_ms: Date.now() - this.#since,
      total,
      dropped,
      last_reason: this.#lastReason,
    });
    this.#counts.clear();
    return true;
  }
}
