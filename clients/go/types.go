package mcpservice

import (
	"encoding/json"
	"fmt"
)

// Action is what the gateway does with an [ExecutionResult].
type Action string

// The actions of an execution, as the service names them.
const (
	ActionNone        Action = "none"         // nothing to do
	ActionResponse    Action = "response"     // speak Response to the user directly
	ActionCallHandler Action = "call_handler" // run the gateway's handler Result.func_name with Result.args
	ActionReqLLM      Action = "req_llm"      // give Result (text) to the LLM for its next turn
	ActionError       Action = "error"        // the execution failed: Error says why; tell the LLM
)

// ExecutionResult is the service's answer to a tool execution (the design's ExecutionResult).
type ExecutionResult struct {
	Success bool   `json:"success"`
	Action  Action `json:"action"`
	// Result is text (string) for req_llm, {func_name, args} for call_handler (see [ExecutionResult.Handler]).
	Result interface{} `json:"result"`
	// Response is the text to speak for the response action.
	Response *string `json:"response"`
	// Content is an external tool's full MCP content when it held more than text.
	Content []interface{} `json:"content,omitempty"`
	// Error says why an execution failed (Action is error).
	Error *ExecutionError `json:"error,omitempty"`
	// RequestID identifies the HTTP request that produced this result.
	RequestID string `json:"-"`
}

// ExecutionError is why an execution failed: code is one of invalid_arguments, tool_error, upstream_timeout,
// upstream_unavailable, upstream_unsupported_result, device_timeout, device_unavailable, cancelled.
type ExecutionError struct {
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Details interface{} `json:"details,omitempty"`
}

// HandlerCall is the result of a call_handler action: the gateway runs its handler FuncName with Args.
type HandlerCall struct {
	FuncName string      `json:"func_name"`
	Args     interface{} `json:"args"`
}

// Handler returns the handler call of a call_handler result.
func (r *ExecutionResult) Handler() (HandlerCall, bool) {
	if r == nil || r.Action != ActionCallHandler {
		return HandlerCall{}, false
	}
	m, ok := r.Result.(map[string]interface{})
	if !ok {
		return HandlerCall{}, false
	}
	name, ok := m["func_name"].(string)
	if !ok || name == "" {
		return HandlerCall{}, false
	}
	return HandlerCall{FuncName: name, Args: m["args"]}, true
}

// StringArgs returns the call's object arguments as strings (xiaozhi-server-go's mcp_handler_change_role
// takes a map[string]string); nil when Args is not an object.
func (c HandlerCall) StringArgs() map[string]string {
	m, ok := c.Args.(map[string]interface{})
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		} else {
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}

// Text is the text for the LLM: Result for req_llm (non-text results as JSON), the failure for error,
// Response for response; "" otherwise.
func (r *ExecutionResult) Text() string {
	if r == nil {
		return ""
	}
	switch r.Action {
	case ActionReqLLM:
		if s, ok := r.Result.(string); ok {
			return s
		}
		if r.Result == nil {
			return ""
		}
		b, _ := json.Marshal(r.Result)
		return string(b)
	case ActionError:
		if r.Error != nil {
			return fmt.Sprintf("工具调用失败 (%s): %s", r.Error.Code, r.Error.Message)
		}
		return "工具调用失败"
	case ActionResponse:
		if r.Response != nil {
			return *r.Response
		}
	}
	return ""
}

// Tool is a tool as the LLM sees it. InputSchema is the JSON Schema of its arguments ({type: object, …}), ready
// to be an OpenAI function's parameters.
type Tool struct {
	Name         string                 `json:"name"`
	Description  string                 `json:"description"`
	InputSchema  map[string]interface{} `json:"input_schema"`
	Source       string                 `json:"source"` // local, external or device
	OriginalName string                 `json:"original_name"`
	Server       string                 `json:"server,omitempty"`
}

// SourceReport is how one tool source answered a listing.
type SourceReport struct {
	Source    string `json:"source"`
	Kind      string `json:"kind"`   // local, external, device
	Status    string `json:"status"` // ok, unavailable, incomplete, unsupported
	ToolCount int    `json:"tool_count"`
	Error     string `json:"error,omitempty"`
}

// ToolsResponse is the session's tool list and each source's report.
type ToolsResponse struct {
	Tools   []Tool         `json:"tools"`
	Sources []SourceReport `json:"sources"`
}

// DeviceView is the device side of a session: its relay and its tool list.
type DeviceView struct {
	Relay            string           `json:"relay"` // open, closed
	RelayOpenedAt    *string          `json:"relay_opened_at"`
	ToolsStatus      string           `json:"tools_status"` // ok, incomplete, unavailable
	LastNotification *json.RawMessage `json:"last_notification"`
}

// SessionView is a bound session as the service reports it (never the token: HasToken instead).
type SessionView struct {
	SessionID  string  `json:"session_id"`
	DeviceID   string  `json:"device_id"`
	ClientID   string  `json:"client_id"`
	VisionURL  *string `json:"vision_url"`
	HasToken   bool    `json:"has_token"`
	BoundAt    string  `json:"bound_at"`
	LastUsedAt string  `json:"last_used_at"`
	ExpiresAt  string  `json:"expires_at"`
	Tools      *struct {
		Count   int            `json:"count"`
		Sources []SourceReport `json:"sources"`
	} `json:"tools,omitempty"`
	Device DeviceView `json:"device"`
}

// BindRequest is what a session is bound with: the device hello's ids, the gateway's vision endpoint and its
// server secret (the vision JWT's signing key). Empty optional fields are left out.
type BindRequest struct {
	DeviceID  string `json:"device_id"`
	ClientID  string `json:"client_id"`
	VisionURL string `json:"vision_url,omitempty"`
	Token     string `json:"token,omitempty"`
}

// BindResponse is the answer to a bind.
type BindResponse struct {
	Success bool        `json:"success"`
	Created bool        `json:"created"`
	Message string      `json:"message"`
	Session SessionView `json:"session"`
}

// MessageResult is the answer to a device frame delivered over HTTP: Success is false when nothing waited for it.
type MessageResult struct {
	Success bool   `json:"success"`
	Result  string `json:"result"`
}
