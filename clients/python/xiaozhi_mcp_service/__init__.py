"""xiaozhi-mcp-service client for asyncio gateways (xiaozhi-esp32-server and others).

Public surface: :class:`ServiceClient` (bind_session, get_tools, execute_tool, get_session, unbind,
handle_xiaozhi_message, relay), :class:`DeviceRelay`, :class:`ClientOptions`, the answer types, the
rollout helpers and :class:`ServiceError`. The xiaozhi-esp32-server adapter is in
:mod:`xiaozhi_mcp_service.esp32_server`.
"""

from .breaker import CircuitBreaker
from .client import ServiceClient
from .errors import ServiceError
from .options import ClientOptions, FallbackHook
from .relay import CLOSE_REPLACED, CLOSE_UNBOUND, DeviceRelay
from .rollout import in_traffic_split, split_bucket, uses_service
from .types import ExecutionResult, SourceReport, Tool, ToolError, ToolList

__version__ = "0.1.0"

__all__ = [
    "CLOSE_REPLACED",
    "CLOSE_UNBOUND",
    "CircuitBreaker",
    "ClientOptions",
    "DeviceRelay",
    "ExecutionResult",
    "FallbackHook",
    "ServiceClient",
    "ServiceError",
    "SourceReport",
    "Tool",
    "ToolError",
    "ToolList",
    "in_traffic_split",
    "split_bucket",
    "uses_service",
]

import logging as _logging

# A library logs; the gateway decides where it goes.
_logging.getLogger("xiaozhi_mcp_service").addHandler(_logging.NullHandler())
