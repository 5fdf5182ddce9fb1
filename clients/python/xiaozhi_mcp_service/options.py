"""The client's settings, each with its default (see README "Configuration")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

#: ``fallback_hook(tool_name, arguments, session_id, error)``: the gateway's own way of running the tool
#: (its MCP manager). It may return an ExecutionResult, a dict shaped like one, or the gateway's own answer
#: (e.g. xiaozhi-esp32-server's ActionResponse), which the client passes through as ``result.native``.
FallbackHook = Callable[[str, dict, str, Optional[Exception]], Awaitable[Any]]


@dataclass
class ClientOptions:
    """Timeouts, retries, breaker and the seed's rollout controls.

    Attributes:
        timeout_s: per-call timeout of bind, get tools, get session, unbind and messages (seconds).
        execute_timeout_ms: ``timeout_ms`` sent on every execute unless the call gives one; ``None`` lets the
            service use the source's default (30 s).
        execute_margin_s: added to the execute's ``timeout_ms`` for the HTTP wait, so the service's own
            ``device_timeout``/``upstream_timeout`` answer arrives before the client gives up.
        retries: further attempts of an idempotent call (bind, get tools, get session, unbind) after a
            service failure; a tool execution is never retried.
        backoff_base_s, backoff_max_s: full-jitter exponential backoff between attempts
            (a random wait in ``[0, min(max, base * 2**attempt)]``).
        breaker_failures, breaker_reset_s: the circuit opens after that many consecutive service failures,
            for that long.
        use_service: the switch: ``False`` sends every device down the gateway's own path.
        traffic_split: percentage (0 … 100) of devices, by the stable hash of their device id, that use the
            service when ``use_service`` is on.
        fallback: on a service failure during an execute, call ``fallback_hook`` (when one is set) and mark
            the result ``via="fallback"``; off, the failure is raised.
        fallback_hook: the gateway's own MCP manager (see :data:`FallbackHook`).
        relay_keepalive_s: interval of the text ``ping`` the relay sends (the service answers ``pong``
            without waking the session); ``0`` disables it.
        relay_open_timeout_s: how long opening the relay may take.
    """

    timeout_s: float = 5.0
    execute_timeout_ms: Optional[int] = None
    execute_margin_s: float = 2.0
    retries: int = 2
    backoff_base_s: float = 0.1
    backoff_max_s: float = 2.0
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0
    use_service: bool = True
    traffic_split: float = 100.0
    fallback: bool = True
    fallback_hook: Optional[FallbackHook] = None
    relay_keepalive_s: float = 30.0
    relay_open_timeout_s: float = 10.0
