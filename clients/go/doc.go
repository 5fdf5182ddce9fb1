// Package mcpservice is the Go client of xiaozhi-mcp-service, for xiaozhi-server-go and other Go gateways.
//
// Two layers:
//
//   - [ServiceClient] is the service's REST API with the original design's surface: [ServiceClient.BindSession],
//     [ServiceClient.GetTools], [ServiceClient.ExecuteTool] (answering the [ExecutionResult] a gateway maps to
//     its ActionResponse), [ServiceClient.GetSession], [ServiceClient.Unbind], [ServiceClient.HandleXiaoZhiMessage],
//     and [ServiceClient.OpenRelay], the WebSocket that carries the device's own MCP frames. Every call has a
//     timeout; bind, tool listing and session reads are retried with jittered backoff (tool executions never
//     are); a circuit breaker fails calls fast while the service is down; every error is a [*ServiceError]
//     carrying the service's code and the request id.
//   - [Router] and [Session] add the rollout controls of the design's 风险控制 section: use_service (the
//     switch), traffic_split (a stable per-device percentage, [InTrafficSplit]) and fallback (on a service
//     failure the session moves to the gateway's own MCP manager, through the hooks in [Fallback], and logs it).
//
// The package uses Go's standard library and github.com/gorilla/websocket, which xiaozhi-server-go already
// depends on.
package mcpservice
