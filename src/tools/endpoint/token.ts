/**
 * @module tools/endpoint/token
 * An endpoint's token: the agent object's id (64 hex digits) followed by a random secret (64 hex digits).
 *
 * Why this shape: the Worker finds the agent's object from the token alone (`idFromString` of its first half,
 * which the runtime refuses for anything it did not mint), so a malformed or forged token is refused with 401
 * before any object is reached, and a well-formed one wakes only that agent's endpoint object, never a session.
 * The object keeps only the secret's SHA-256 and compares in constant time, so revoking or rotating is
 * immediate (its storage is strongly consistent; a KV record keyed by the hash would linger up to a minute
 * after a delete). All hex, so gateways' URL checks (xiaozhi-esp32-server refuses "key" and "call") accept it.
 */

const HEX_64 = /^[0-9a-f]{64}$/;
const TOKEN = /^([0-9a-f]{64})([0-9a-f]{64})$/;
const SECRET_BYTES = 32;

/** The two halves of a token. */
export interface TokenParts {
  objectId: string;
  secret: string;
}

/** The name of the endpoint object of `agentId` within `tenant`: one object per tenant and agent. */
export function endpointObjectName(tenant: string, agentId: string): string {
  return JSON.stringify([tenant, agentId]);
}

/** A new random secret: 32 bytes as 64 hex digits. */
export function newSecret(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The token of the object `objectId` (its id as hex) with `secret`. */
export function joinToken(objectId: string, secret: string): string {
  if (!HEX_64.test(objectId) || !HEX_64.test(secret)) throw new Error("an endpoint token is made of two 64-hex-digit halves");
  return objectId + secret;
}

/** The halves of `token`; null when it is not 128 lowercase hex digits. */
export function splitToken(token: string): TokenParts | null {
  const match = TOKEN.exec(token);
  return match ? { objectId: match[1]!, secret: match[2]! } : null;
}

/** The SHA-256 of `secret`, as hex: what the endpoint object stores. */
export async function hashSecret(secret: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret))));
}

/** Whether two hashes are equal, in time that does not depend on where they differ. */
export function sameHash(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
