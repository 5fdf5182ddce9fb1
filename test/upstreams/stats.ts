/**
 * @module test/upstreams/stats
 * What an upstream host counts, as the control endpoint reports it: shared by the host (Node) and the tests'
 * handle on it (workerd), so this file imports nothing.
 */
export interface UpstreamStats {
  initialize: number;
  /** JSON-RPC messages received, by method. */
  methods: Record<string, number>;
  /** Connections destroyed while the host was stopped. */
  refused: number;
  /** HTTP requests received (redirects included). */
  requests: number;
  running: boolean;
  last_headers: Record<string, string>;
  /** Streamable HTTP sessions a client ended with DELETE. */
  terminated: number;
  /** Event streams open now: SSE sessions, Streamable HTTP GET streams, held-back SSE starts. */
  open_streams: number;
}
