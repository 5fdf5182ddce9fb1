"""The service's tools in the shape of xiaozhi-esp32-server's ``ToolExecutor``: :class:`ServiceToolExecutor`.

It caches the session's tool list (the gateway's ``get_tools`` is synchronous), offers it as the gateway's
``SERVER_MCP`` tool definitions, and runs a call on the service (or the gateway's fallback), answering the
gateway's ``ActionResponse`` through :func:`~xiaozhi_mcp_service.esp32_actions.to_action_response`. The gateway's
modules are imported lazily, so this module imports without the gateway. Users import it from
:mod:`xiaozhi_mcp_service.esp32_server`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional, Tuple

from .client import ServiceClient
from .errors import ServiceError
from .esp32_actions import Handler, gateway_action_types, logger, to_action_response
from .types import Tool


@dataclass
class _Definition:
    """Stand-in for the gateway's ``ToolDefinition`` when it cannot be imported (tests, other gateways)."""

    name: str
    description: Dict[str, Any]
    tool_type: Any
    parameters: Optional[Dict[str, Any]] = None


def _gateway_definition() -> Tuple[Any, Any]:
    try:
        from core.providers.tools.base import ToolDefinition, ToolType  # type: ignore[import-not-found]

        return ToolDefinition, ToolType.SERVER_MCP
    except ImportError:
        return _Definition, "server_mcp"


#: ``fallback(conn, tool_name, arguments) -> ActionResponse``: e.g. the gateway's ServerMCPExecutor.execute.
GatewayFallback = Callable[[Any, str, Dict[str, Any]], Awaitable[Any]]


class ServiceToolExecutor:
    """The session's service tools, in the shape of the gateway's ``ToolExecutor``.

    ``get_tools`` is synchronous in the gateway, so the tools are cached: :meth:`refresh` reads them from the
    service (on bind, when the device's tools arrive) and calls ``on_tools_changed`` (the gateway's
    ``tool_manager.refresh_tools``). Register it in place of the ``SERVER_MCP`` executor: its definitions
    carry that tool type, so the gateway's ToolManager routes their calls here.
    """

    def __init__(
        self,
        client: ServiceClient,
        session_id: str,
        device_id: str,
        *,
        conn: Any = None,
        handlers: Optional[Dict[str, Handler]] = None,
        hide: Iterable[str] = (),
        errors_to_llm: bool = False,
        fallback: Optional[GatewayFallback] = None,
        on_tools_changed: Optional[Callable[[], Any]] = None,
        action_types: Optional[Tuple[Any, Any]] = None,
        timeout_ms: Optional[int] = None,
    ) -> None:
        self.client = client
        self.session_id = session_id
        self.device_id = device_id
        self.conn = conn
        self.handlers = handlers
        self.hide = set(hide)
        self.errors_to_llm = errors_to_llm
        self.fallback = fallback
        self.on_tools_changed = on_tools_changed
        self.action_types = action_types
        self.timeout_ms = timeout_ms
        self.tools: Dict[str, Tool] = {}
        self.device_status = "unavailable"
        self._definition, self.tool_type = _gateway_definition()

    async def refresh(self) -> Dict[str, Tool]:
        """Re-reads the session's tools from the service. On failure the previous list stays."""
        try:
            listing = await self.client.get_tools(self.session_id)
        except ServiceError as err:
            logger.warning("tools not refreshed (%s, request %s)", err.code, err.request_id)
            return self.tools
        self.tools = {t.name: t for t in listing.tools if t.name not in self.hide}
        device = listing.source("device")
        self.device_status = device.status if device else "unavailable"
        if self.on_tools_changed is not None:
            self.on_tools_changed()
        return self.tools

    def get_tools(self) -> Dict[str, Any]:
        return {
            name: self._definition(name=name, description=tool.openai_function(), tool_type=self.tool_type)
            for name, tool in self.tools.items()
        }

    def has_tool(self, tool_name: str) -> bool:
        return tool_name in self.tools

    async def execute(self, conn: Any, tool_name: str, arguments: Dict[str, Any]) -> Any:
        conn = conn if conn is not None else self.conn
        hook = None
        if self.fallback is not None:
            fallback = self.fallback

            async def hook(name: str, args: Dict[str, Any], _sid: str, _err: Optional[Exception]) -> Any:
                return await fallback(conn, name, args)

        types = self.action_types or gateway_action_types()
        try:
            result = await self.client.execute_tool(
                tool_name, arguments, self.session_id, timeout_ms=self.timeout_ms, fallback_hook=hook
            )
        except ServiceError as err:
            logger.error("%s failed (%s, request %s)", tool_name, err.code, err.request_id)
            action, response = types
            return response(action=action.ERROR, response=f"工具调用失败({err.code})")
        return await to_action_response(
            result, conn=conn, handlers=self.handlers, errors_to_llm=self.errors_to_llm, action_types=types
        )
