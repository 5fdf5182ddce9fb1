/**
 * @module test/vision-token-check
 * How a gateway's vision endpoint checks the token the service gives the device (xiaozhi-server-go verifies an
 * HS256 JWT signed with its server secret): used by the device simulator's camera and by the tests that read
 * the token's claims.
 */
import { z } from "zod";

const Header = z.looseObject({ alg: z.literal("HS256") });
const Claims = z.record(z.string(), z.unknown());

/** The claims of an HS256 JWT signed with `secret`, or undefined when the signature is wrong. */
export async function verifyHs256(token: string, secret: string): Promise<Record<string, unknown> | undefined> {
  const [header, claims, signature] = token.split(".");
  if (!header || !claims || !signature) return undefined;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  const valid = await crypto.subtle.verify(
    "HMAC",
    key,
    base64urlDecode(signature),
    new TextEncoder().encode(`${header}.${claims}`),
  );
  if (!valid) return undefined;
  if (!Header.safeParse(decodeJson(header)).success) return undefined;
  return Claims.safeParse(decodeJson(claims)).data;
}

function base64urlDecode(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function decodeJson(part: string): unknown {
  return JSON.parse(new TextDecoder().decode(base64urlDecode(part)));
}
