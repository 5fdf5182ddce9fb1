"""Errors of the service client: one exception type carrying the service's error code and the request id.

Codes are the service's own (``session_not_found``, ``tool_not_found``, ``invalid_request``, …, see the
service README "Errors") or, when the service gave no answer, one of the client's:

- ``service_unavailable``: the connection failed (refused, reset, DNS);
- ``service_timeout``: no answer within the call's timeout;
- ``circuit_open``: the circuit breaker is open, the call was not attempted;
- ``bad_response``: an answer that is not the JSON the API documents (e.g. a proxy's HTML 502).
"""

from __future__ import annotations

from typing import Any, Optional

#: Client-side codes: the service did not answer (or not usefully). Each counts as a service failure.
CLIENT_FAILURE_CODES = frozenset({"service_unavailable", "service_timeout", "circuit_open", "bad_response"})


class ServiceError(Exception):
    """A call to the service failed.

    Attributes:
        code: the service's error code, or a client-side one (see the module doc).
        message: a readable reason.
        status: the HTTP status, or ``None`` when no answer came.
        request_id: the ``X-Request-Id`` (or ``cf-ray``) the service sent back, else the id the client sent.
        details: the service's ``details`` (field errors), when given.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: Optional[int] = None,
        request_id: str = "",
        details: Any = None,
    ) -> None:
        super().__init__(f"{code}: {message} (request {request_id or '-'})")
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id
        self.details = details

    @property
    def is_service_failure(self) -> bool:
        """True when the service is down or misbehaving (no answer, 5xx, garbage, open circuit).

        These count against the circuit breaker, are retried on idempotent calls, and trigger the
        fallback hook. A 4xx (unknown session, bad arguments, …) is the caller's problem and does none of this.
        """
        if self.code in CLIENT_FAILURE_CODES:
            return True
        return self.status is not None and (self.status >= 500 or self.status == 429)

    @property
    def retryable(self) -> bool:
        """Worth another attempt on an idempotent call (never when the circuit is open)."""
        return self.is_service_failure and self.code != "circuit_open"
