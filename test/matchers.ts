/**
 * @module test/matchers
 * vitest's asymmetric matchers (`expect.any`, `expect.stringContaining`, …) are typed `any`, which would make
 * every object literal they sit in unchecked. These are the same matchers, typed `unknown`.
 */
import { expect } from "vitest";

/** Matches any string. */
export const anyString: unknown = expect.any(String);

/** Matches any number. */
export const anyNumber: unknown = expect.any(Number);

/** Matches a string that contains `text`. */
export const stringContaining = (text: string): unknown => expect.stringContaining(text);

/** Matches a string that matches `pattern`. */
export const stringMatching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
