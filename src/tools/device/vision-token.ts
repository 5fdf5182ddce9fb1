/**
 * @module tools/device/vision-token
 * The token the device sends to the vision endpoint with each photo. As xiaozhi-server-go does, it is an
 * HS256 JWT signed with the session's bound `token` (the gateway's server secret), with the claims
 * `{device_id, exp, iat}` and a one-hour life, so the vision endpoints that verify GO's tokens accept it.
 */

/** How long a vision token is valid (xiaozhi-server-go's `time.Hour`). */
export const VISION_TOKEN_TTL_MS = 3600_000;

export interface VisionToken {
  token: string;
  /** ms since epoch. */
  expiresAt: number;
}

/** Signs a vision token for `deviceId` with `secret`, issued at `now` (ms since epoch). */
export async function signVisionToken(secret: string, deviceId: string, now: number): Promise<VisionToken> {
  const iat = Math.floor(now / 1000);
  const exp = iat + VISION_TOKEN_TTL_MS / 1000;
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const claims = base64url(JSON.stringify({ device_id: deviceId, exp, iat }));
  const signingInput = `${header}.${claims}`;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(signingInput));
  return { token: `${signingInput}.${base64url(new Uint8Array(signature))}`, expiresAt: exp * 1000 };
}

function base64url(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
