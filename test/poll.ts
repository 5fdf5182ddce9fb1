/**
 * @module test/poll
 * Waiting for effects that arrive asynchronously (a relay's handshake, a notification, an upstream's stream
 * closing): the tests' one polling helper.
 */

/** How long {@link pollUntil} waits before it fails the test. */
const POLL_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 10;

/**
 * Calls `probe` until `accept` takes its value, and answers that value; fails (naming `what`) after
 * {@link POLL_TIMEOUT_MS}.
 * @example `await pollUntil(host.stats, (stats) => stats.open_streams === 0, "the streams to close")`
 */
export async function pollUntil<T>(probe: () => T | Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() >= deadline) throw new Error(`gave up waiting for ${what}: last saw ${JSON.stringify(value)?.slice(0, 500)}`);
    await scheduler.wait(POLL_INTERVAL_MS);
  }
}
