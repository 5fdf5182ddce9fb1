/**
 * @module tools/external/sse-transport
 * The legacy MCP SSE transport (protocol 2024-11-05) as an SDK {@link Transport}: a GET opens an event stream
 * whose first `endpoint` event says where to POST messages; answers come back on the stream.
 *
 * Why not the SDK's `SSEClientTransport`: it reads the stream through the `eventsource` package, which
 * registers `onmessage` both as a property and as a listener. The Workers runtime's `EventTarget` calls
 * `on<type>` properties on dispatch, so every message (and error) arrives twice there; the second copy of
 * each answer is "a response for an unknown message ID" (cloudflare/workerd#7019 adds an opt-in flag, not in
 * the runtime this service pins). This transport parses the stream directly and has no such layer.
 *
 * The stream ending is the session ending: there is no reconnect here (the connection opens a new session).
 *
 * Redirects follow the SDK's `same-origin` policy, as the Streamable HTTP transport does: one within the
 * server's origin is followed, any other fails the request naming where it pointed, so the configured headers
 * never go to another origin.
 */
import { type FetchLike, type JSONRPCMessage, parseJSONRPCMessage, type Transport } from "@modelcontextprotocol/client";
// The v2 client package does not export its redirect helpers; v1's are the same policy.
import { fetchWithinOrigin, unfollowedRedirect } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type EventSourceMessage, EventSourceParserStream } from "eventsource-parser/stream";
import { parseJson } from "../../util/json";

/** An HTTP-level failure of the SSE transport: the stream or a POST was refused. */
export class SseTransportError extends Error {
  override readonly name = "SseTransportError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class SseClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #abort = new AbortController();
  #endpoint: URL | undefined;
  #protocolVersion: string | undefined;
  #closed = false;
  /** fetch() that follows a redirect only within the request's origin, and hands any other one back unfollowed. */
  readonly #fetch: FetchLike;

  constructor(
    private readonly url: URL,
    private readonly headers: Readonly<Record<string, string>>,
    baseFetch: FetchLike = fetch,
  ) {
    this.#fetch = fetchWithinOrigin(baseFetch);
  }

  /** Opens the stream and waits for the `endpoint` event. */
  async start(): Promise<void> {
    const response = await this.#fetch(this.url, {
      headers: { ...this.headers, Accept: "text/event-stream" },
      signal: this.#abort.signal,
    });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      const why = unfollowedRedirect(response, this.url) ?? response.statusText;
      throw new SseTransportError(response.status, `GET ${this.url.pathname} answered ${response.status} ${why}`);
    }
    const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
    for (;;) {
      const { value, done } = await events.read();
      if (done) throw new SseTransportError(response.status, "the event stream ended before naming its message endpoint");
      if (value.event !== "endpoint") continue;
      const endpoint = new URL(value.data, this.url);
      if (endpoint.origin !== this.url.origin) {
        await events.cancel();
        throw new SseTransportError(response.status, `the message endpoint ${endpoint.origin} is not on the server's origin`);
      }
      this.#endpoint = endpoint;
      break;
    }
    void this.#read(events);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#endpoint || this.#closed) throw new SseTransportError(0, "not connected");
    const headers: Record<string, string> = { ...this.headers, "Content-Type": "application/json" };
    if (this.#protocolVersion) headers["mcp-protocol-version"] = this.#protocolVersion;
    const response = await this.#fetch(this.#endpoint, {
      method: "POST",
      headers,
      body: JSON.stringify(message),
      signal: this.#abort.signal,
    });
    const text = await response.text();
    if (!response.ok) {
      const why = unfollowedRedirect(response, this.#endpoint) ?? text;
      throw new SseTransportError(response.status, `POST ${this.#endpoint.pathname} answered ${response.status}: ${why}`);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    this.onclose?.();
  }

  setProtocolVersion(version: string): void {
    this.#protocolVersion = version;
  }

  /** Hands every `message` event on; the stream's end (or failure) closes the transport. */
  async #read(events: ReadableStreamDefaultReader<EventSourceMessage>): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await events.read();
        if (done) break;
        if (value.event !== undefined && value.event !== "message") continue;
        const message = jsonRpcMessage(value.data);
        if (message !== undefined) this.onmessage?.(message);
        else this.onerror?.(new Error(`not a JSON-RPC message on the event stream: ${value.data.slice(0, 200)}`));
      }
      if (!this.#closed) this.onerror?.(new SseTransportError(0, "the event stream ended"));
    } catch (error) {
      if (!this.#closed) this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
    await this.close();
  }
}

/** The JSON-RPC message an event's data holds, or undefined when it holds none. */
function jsonRpcMessage(data: string): JSONRPCMessage | undefined {
  const json = parseJson(data);
  if (!json.ok) return undefined;
  try {
    return parseJSONRPCMessage(json.value);
  } catch {
    return undefined;
  }
}
