/**
 * @module scripts/prometheus-samples
 * Reads a Prometheus text-format scrape as its samples: each sample line's series (name and labels, exactly as
 * written, which is also how promtool's `input_series` names a series) with its value. Pure, so the workerd tests
 * (test/metrics.test.ts) and the alert-rule check (scripts/check-alerts.ts) read scrapes the same way.
 */

/** Series → value of every sample line of `text` (comments and blank lines skipped). */
export function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}
