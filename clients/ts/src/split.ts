/**
 * The traffic split: a device is in or out by a stable hash of its id, the same in the Go, Python and
 * TypeScript clients, so one device never flips between paths and every gateway puts it on the same one.
 * Bucket: the first 8 bytes of SHA-256 of the UTF-8 device id, as a big-endian unsigned integer, mod 10000.
 */
import { createHash } from "node:crypto";

/** Buckets a device can fall into (0 … 9999): a split is settable to 0.01 %. */
export const SPLIT_BUCKETS = 10_000;

/** The device's bucket, 0 … 9999. */
export function splitBucket(deviceId: string): number {
  const digest = createHash("sha256").update(deviceId, "utf8").digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(SPLIT_BUCKETS));
}

/** Whether the device is among the `percent` (0 … 100) of devices sent to the service. */
export function inTrafficSplit(deviceId: string, percent: number): boolean {
  if (!(percent > 0)) return false;
  if (percent >= 100) return true;
  return splitBucket(deviceId) < percent * 100;
}
