/**
 * @module tools/external/redact
 * What tenants may see of the operator's upstream URLs: scheme, host, port and path, never credentials
 * (`user:password@`), a query string (where API keys often sit) or a fragment. The one redaction for the status
 * view's `url` and for every message that may quote a URL (errors from fetch, the SDK or a server).
 */

/** A URL anywhere in a text: a scheme, `://`, and everything up to whitespace, a quote or a bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()[\]{}]+/gi;

/**
 * `url` without credentials, query string or fragment.
 *
 * @example
 * ```ts
 * redactUrl("https://user:pw@maps.example.com:8443/mcp?key=abc"); // "https://maps.example.com:8443/mcp"
 * ```
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return url.replace(/\/\/[^/@]*@/, "//").replace(/[?#].*$/, "");
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** `text` with every URL in it redacted by {@link redactUrl}. */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, redactUrl);
}
