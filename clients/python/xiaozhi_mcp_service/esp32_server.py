"""Adapter for xiaozhi-esp32-server (xinnan-tech): the service behind its unified tool handler.

- :class:`ServiceToolExecutor` (in :mod:`.esp32_executor`, importable from here) has the gateway's
  ``ToolExecutor`` shape (``execute``/``get_tools``/``has_tool``) and serves the session's tools from the
  service; register it in ``UnifiedToolHandler``.
- :class:`ServiceConnection` is the per-device-connection glue: bind on hello, the relay, the tool cache,
  unbind on disconnect.
- :func:`client_from_config` and :func:`connection_for` build them from the gateway's config and connection.
- :func:`to_action_response`, :data:`DEFAULT_HANDLERS`, :data:`Handler` and :func:`gateway_action_types`, the
  mapping of a service answer to the gateway's ``ActionResponse``, live in :mod:`.esp32_actions` and are
  importable from here.

The gateway's modules are imported lazily (and can be injected), so this module imports without the gateway.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Dict, Optional, Tuple

from .client import ServiceClient
from .errors import ServiceError
from .esp32_actions import DEFAULT_HANDLERS, Handler, gateway_action_types, logger, to_action_response
from .esp32_executor import GatewayFallback, ServiceToolExecutor
from .options import ClientOptions
from .relay import DeviceRelay

__all__ = [
    "DEFAULT_HANDLERS",
    "GatewayFallback",
    "Handler",
    "ServiceConnection",
    "ServiceToolExecutor",
    "client_from_config",
    "connection_for",
    "gateway_action_types",
    "logger",
    "to_action_response",
]


class ServiceConnection:
    """One device connection's use of the service: bind on hello, relay, tool cache, unbind on disconnect.

    Args:
        client: the process-wide :class:`ServiceClient`.
        session_id, device_id, client_id: the connection's ids (the gateway's ``conn.session_id``,
            ``device-id`` and ``client-id`` headers).
        send_to_device: sends a text frame to the device (``conn.websocket.send``).
        vision_url, token: the gateway's vision endpoint and its ``server.auth_key``.
        executor_options: passed to :class:`ServiceToolExecutor` (``handlers``, ``hide``, ``fallback``, …).
    """

    #: After the device's last tools/list page, how often and how long to look for the listed tools.
    TOOLS_POLL_S = 0.3
    TOOLS_POLL_TRIES = 10

    def __init__(
        self,
        client: ServiceClient,
        *,
        session_id: str,
        device_id: str,
        client_id: str,
        send_to_device: Callable[[str], Any],
        vision_url: Optional[str] = None,
        token: Optional[str] = None,
        **executor_options: Any,
    ) -> None:
        self.client = client
        self.session_id = session_id
        self.device_id = device_id
        self.client_id = client_id or device_id
        self.vision_url = vision_url
        self.token = token
        self._send_to_device = send_to_device
        self.executor = ServiceToolExecutor(client, session_id, device_id, **executor_options)
        self.relay: Optional[DeviceRelay] = None
        self.bound = False
        self._refresh_task: Optional[asyncio.Task] = None

    async def start(self, device_mcp: bool) -> bool:
        """Binds the session, opens the relay when the device speaks MCP, reads the tools.

        Call it after the server hello went to the device. False when the service could not bind (the
        gateway then keeps its own path for this connection); a relay that cannot open leaves the device
        tools out (logged) and the other tools in.
        """
        try:
            await self.client.bind_session(self.session_id, self.device_id, self.client_id, self.vision_url, self.token)
        except ServiceError as err:
            logger.error("bind failed (%s, request %s): the gateway's own tools serve this connection", err.code, err.request_id)
            return False
        self.bound = True
        if device_mcp:
            relay = self.client.relay(self.session_id, self._send_to_device)
            try:
                self.relay = await relay.open()
            except ServiceError as err:
                logger.error("relay not opened (%s): device tools unavailable", err.code)
        await self.executor.refresh()
        return True

    async def on_device_frame(self, frame: Any) -> bool:
        """A ``type:"mcp"`` frame from the device: to the relay, unchanged. After the device's last
        ``tools/list`` page, the tool cache is refreshed. False when no relay is open."""
        relay = self.relay
        if relay is None:
            return False
        sent = await relay.forward(frame)
        payload = (json.loads(frame) if isinstance(frame, str) else frame).get("payload")
        result = payload.get("result") if isinstance(payload, dict) else None
        if sent and isinstance(result, dict) and isinstance(result.get("tools"), list) and not result.get("nextCursor"):
            self._schedule_refresh()
        return sent

    def _schedule_refresh(self) -> None:
        if self._refresh_task is not None and not self._refresh_task.done():
            return

        async def poll() -> None:
            for _ in range(self.TOOLS_POLL_TRIES):
                await asyncio.sleep(self.TOOLS_POLL_S)
                await self.executor.refresh()
                if self.executor.device_status == "ok":
                    return

        self._refresh_task = asyncio.create_task(poll())

    async def close(self) -> None:
        """The device went: close the relay and unbind (the service cancels the session's pending calls)."""
        if self._refresh_task is not None:
            self._refresh_task.cancel()
        if self.bound:
            # Unbinding first: the service then closes the relay itself (4001) and cancels pending calls.
            try:
                await self.client.unbind(self.session_id)
            except ServiceError as err:
                logger.warning("unbind failed (%s); the session expires on its own", err.code)
            self.bound = False
        if self.relay is not None:
            await self.relay.close()


_clients: Dict[Tuple[str, str], ServiceClient] = {}


def client_from_config(section: Dict[str, Any]) -> Optional[ServiceClient]:
    """The process-wide client for a gateway config's ``mcp_service`` section (one per URL and key), or
    ``None`` when the section is absent or ``use_service`` is off. Keys: ``service_url``, ``api_key``,
    ``use_service``, ``fallback``, ``traffic_split``, ``timeout`` (s), ``execute_timeout_ms``, ``retries``,
    ``breaker_failures``, ``breaker_reset`` (s)."""
    if not section or not section.get("use_service") or not section.get("service_url"):
        return None
    key = (str(section["service_url"]), str(section.get("api_key", "")))
    if key not in _clients:
        options = ClientOptions(
            use_service=True,
            fallback=bool(section.get("fallback", True)),
            traffic_split=float(section.get("traffic_split", 100)),
            timeout_s=float(section.get("timeout", ClientOptions.timeout_s)),
            execute_timeout_ms=section.get("execute_timeout_ms"),
            retries=int(section.get("retries", ClientOptions.retries)),
            breaker_failures=int(section.get("breaker_failures", ClientOptions.breaker_failures)),
            breaker_reset_s=float(section.get("breaker_reset", ClientOptions.breaker_reset_s)),
        )
        _clients[key] = ServiceClient(key[0], key[1], options)
    client = _clients[key]
    # The rollout controls follow the config as it is now (the gateway may reload it).
    client.options.fallback = bool(section.get("fallback", True))
    client.options.traffic_split = float(section.get("traffic_split", 100))
    return client


def connection_for(conn: Any) -> Optional[ServiceConnection]:
    """The :class:`ServiceConnection` for one of xiaozhi-esp32-server's ``ConnectionHandler`` s, or ``None``
    when its config's ``mcp_service`` section is off or the rollout keeps this device on the gateway's path.

    Reads ``conn.config`` (``mcp_service``; ``server.auth_key`` as the vision token's secret; the vision URL
    as the gateway computes it), ``conn.headers`` (``device-id``, ``client-id``), ``conn.session_id`` and
    ``conn.websocket``. With ``fallback`` on, a service failure runs the tool on the gateway's own
    ``ServerMCPExecutor`` (``conn.func_handler.server_mcp_executor``). Optional keys of the section:
    ``errors_to_llm`` (bool), ``hide_tools`` (names kept from the LLM, e.g. local tools the gateway's plugins
    already offer), ``execute_timeout_ms``.
    """
    section = (getattr(conn, "config", None) or {}).get("mcp_service") or {}
    client = client_from_config(section)
    headers = getattr(conn, "headers", None) or {}
    device_id = headers.get("device-id") or getattr(conn, "device_id", None) or ""
    if client is None or not device_id or not client.uses_service(device_id):
        return None
    try:
        from core.utils.util import get_vision_url  # type: ignore[import-not-found]

        vision_url: Optional[str] = get_vision_url(conn.config)
    except ImportError:
        vision_url = None

    async def gateway_fallback(c: Any, name: str, args: Dict[str, Any]) -> Any:
        return await c.func_handler.server_mcp_executor.execute(c, name, args)

    def tools_changed() -> None:
        handler = getattr(conn, "func_handler", None)
        if handler is not None:
            handler.tool_manager.refresh_tools()

    return ServiceConnection(
        client,
        session_id=conn.session_id,
        device_id=device_id,
        client_id=headers.get("client-id") or device_id,
        vision_url=vision_url,
        token=(conn.config.get("server") or {}).get("auth_key"),
        send_to_device=conn.websocket.send,
        conn=conn,
        fallback=gateway_fallback if section.get("fallback", True) else None,
        on_tools_changed=tools_changed,
        errors_to_llm=bool(section.get("errors_to_llm", False)),
        hide=section.get("hide_tools") or (),
        timeout_ms=section.get("execute_timeout_ms"),
    )
