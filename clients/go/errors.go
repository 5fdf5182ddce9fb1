package mcpservice

import (
	"errors"
	"fmt"
)

// Codes the client gives failures that never reached an answer from the service. Every other code is the
// service's own (session_not_found, tool_not_found, invalid_request, unauthorized, …: see the README's Errors).
const (
	CodeUnavailable = "service_unavailable" // the service could not be reached (connection refused, reset, DNS)
	CodeTimeout     = "service_timeout"     // no answer within the call's timeout
	CodeCircuitOpen = "circuit_open"        // the breaker is open after repeated failures: not tried
	CodeBadResponse = "bad_response"        // an answer that is not the API's JSON
	CodeCancelled   = "client_cancelled"    // the caller's context was cancelled (not a service failure)
)

// ServiceError is a failed call: the service's error code and message (or one of the client's Code*
// constants), the HTTP status (0 when no answer came) and the request id.
type ServiceError struct {
	Op        string      // the client method, e.g. "ExecuteTool"
	Status    int         // HTTP status; 0 when there was no answer
	Code      string      // the service's error code, or a Code* constant
	Message   string      // the service's message, or the client's
	Details   interface{} // the service's details, when given
	RequestID string      // X-Request-Id / cf-ray of the answer, else the X-Request-Id the client sent
	Attempts  int         // how many times the call was sent
	Err       error       // the underlying transport error, when there was no answer
}

func (e *ServiceError) Error() string {
	s := fmt.Sprintf("mcpservice %s: %s: %s", e.Op, e.Code, e.Message)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	return s + " [request " + e.RequestID + "]"
}

func (e *ServiceError) Unwrap() error { return e.Err }

// ErrorCode returns the code of a *ServiceError in err's chain, or "".
func ErrorCode(err error) string {
	var se *ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

// IsServiceFailure reports whether err means the service itself failed — unreachable, too slow, a 5xx, an
// open circuit, a rejected or unconfigured API key, a garbled answer — as opposed to an answer about the
// request (an unknown session or tool, bad arguments). Service failures are what fallback covers.
func IsServiceFailure(err error) bool {
	var se *ServiceError
	if !errors.As(err, &se) {
		return err != nil
	}
	switch se.Code {
	case CodeUnavailable, CodeTimeout, CodeCircuitOpen, CodeBadResponse:
		return true
	}
	return se.Status >= 500 || se.Status == 401 || se.Status == 429
}

// countsAgainstBreaker: failures that say the service is unhealthy (not a bad key or config, not a client mistake).
func countsAgainstBreaker(se *ServiceError) bool {
	switch se.Code {
	case CodeUnavailable, CodeTimeout, CodeBadResponse:
		return true
	case "config_invalid", "not_configured":
		return false
	}
	return se.Status >= 500
}

// retryable: worth sending again (for idempotent calls only).
func retryable(se *ServiceError) bool {
	return countsAgainstBreaker(se) || se.Status == 429
}
