"""Adapter for xiaozhi-esp32-server (xinnan-tech): the service behind its unified tool handler.

- :func:`to_action_response` maps an :class:`ExecutionResult` to the gateway's ``ActionResponse``
  (``plugins_func.register``): ``req_llm`` → ``Action.REQLLM`` (result = the text), ``response`` →
  ``Action.RESPONSE``, ``none`` → ``Action.NONE``, ``error`` → ``Action.ERROR`` (spoken, as the gateway's own
  executors do) or, with ``errors_to_llm``, ``Action.REQLLM`` with the failure for the LLM to explain, and
  ``call_handler`` → the handler registered under its ``func_name`` (:data:`DEFAULT_HANDLERS` map the
  service's ``mcp_handler_*`` names to the gateway's plugins).
- :class:`ServiceToolExecutor` has the gateway's ``ToolExecutor`` shape (``execute``/``get_tools``/
  ``has_tool``) and serves the session's tools from the service; register it in ``UnifiedToolHandler``.
- :class:`ServiceConnection` is the per-device-connection glue: bind on hello, the relay, the tool cache,
  unbind on disconnect.

The gateway's modules are imported lazily (and can be injected), so this module imports without the gateway.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional, Tuple

from .client import ServiceClient
from .errors import ServiceError
from .options import ClientOptions
from .relay import DeviceRelay
from .types import ExecutionResult, Tool

logger = logging.getLogger("xiaozhi_mcp_service.esp32_server")

#: ``handler(conn, args, action_types) -> ActionResponse`` (sync or async).
Handler = Callable[[Any, Any, Tuple[Any, Any]], Any]


def gateway_action_types() -> Tuple[Any, Any]:
    """``(Action, ActionResponse)`` from the gateway (``plugins_func.register``)."""
    from plugins_func.register import Action, ActionResponse  # type: ignore[import-not-found]

    return Action, ActionResponse


def _plugin(name: str) -> Any:
    from plugins_func.register import all_function_registry  # type: ignore[import-not-found]

    item = all_function_registry.get(name)
    if item is None:
        raise LookupError(f"plugin {name} is not loaded")
    return item.func


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def _exit(conn: Any, args: Any, _types: Tuple[Any, Any]) -> Any:
    return await _maybe_await(_plugin("handle_exit_intent")(conn, say_goodbye=args if isinstance(args, str) else None))


async def _play_music(conn: Any, args: Any, _types: Tuple[Any, Any]) -> Any:
    song = args if isinstance(args, str) and args else "random"
    return await _maybe_await(_plugin("play_music")(conn, song_name=song))


async def _change_role(conn: Any, args: Any, types: Tuple[Any, Any]) -> Any:
    action, response = types
    role = args.get("role", "") if isinstance(args, dict) else str(args)
    prompt = args.get("prompt") if isinstance(args, dict) else None
    if not prompt:
        return response(action=action.RESPONSE, result="切换角色失败", response="不支持的角色")
    conn.change_system_prompt(prompt)
    return response(action=action.RESPONSE, result="切换角色已处理", response=f"切换角色成功,我是{role}")


async def _change_voice(conn: Any, args: Any, types: Tuple[Any, Any]) -> Any:
    action, response = types
    tts = getattr(conn, "tts", None)
    if tts is None or not hasattr(tts, "voice") or not isinstance(args, str):
        return response(action=action.RESPONSE, result="切换音色失败", response="当前语音合成不支持切换音色")
    tts.voice = args
    return response(action=action.RESPONSE, result="切换音色已处理", response=f"已切换音色: {args}")


async def _take_photo(_conn: Any, args: Any, types: Tuple[Any, Any]) -> Any:
    # args: the vision endpoint's answer. The gateway's /mcp/vision/explain answers
    # {"success": true, "action": "RESPONSE", "response": "<text>"}: speak it without a second LLM pass,
    # as the gateway's own device executor does.
    action, response = types
    parsed: Any = None
    if isinstance(args, str):
        try:
            parsed = json.loads(args)
        except ValueError:
            parsed = None
    elif isinstance(args, dict):
        parsed = args
    if isinstance(parsed, dict) and isinstance(parsed.get("action"), str) and parsed["action"] in action.__members__:
        return response(action=action[parsed["action"]], response=parsed.get("response", ""))
    if isinstance(parsed, dict) and parsed.get("success") is False:
        return response(action=action.RESPONSE, response=str(parsed.get("message") or "拍照识别失败"))
    text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
    return response(action=action.REQLLM, result=text)


#: The service's ``call_handler`` names → the gateway's way of doing it.
DEFAULT_HANDLERS: Dict[str, Handler] = {
    "mcp_handler_exit": _exit,
    "mcp_handler_play_music": _play_music,
    "mcp_handler_change_role": _change_role,
    "mcp_handler_change_voice": _change_voice,
    "mcp_handler_take_photo": _take_photo,
}


async def to_action_response(
    result: ExecutionResult,
    *,
    conn: Any = None,
    handlers: Optional[Dict[str, Handler]] = None,
    errors_to_llm: bool = False,
    action_types: Optional[Tuple[Any, Any]] = None,
) -> Any:
    """The gateway's ``ActionResponse`` for a service answer (see the module doc for the mapping).

    A fallback result holding the gateway's own answer (``result.native``) is returned as it is.
    ``handlers`` extends/overrides :data:`DEFAULT_HANDLERS`; an unknown handler is ``Action.NOTFOUND``.
    """
    if result.native is not None:
        return result.native
    types = action_types or gateway_action_types()
    action, response = types
    kind = result.action
    if kind == "req_llm":
        return response(action=action.REQLLM, result=result.text())
    if kind == "response":
        return response(action=action.RESPONSE, response=result.response or "")
    if kind == "none":
        return response(action=action.NONE, result=result.text() or None)
    if kind == "call_handler":
        name = result.handler_name or ""
        handler = {**DEFAULT_HANDLERS, **(handlers or {})}.get(name)
        if handler is None:
            return response(action=action.NOTFOUND, response=f"没有处理函数 {name}")
        try:
            return await _maybe_await(handler(conn, result.handler_args, types))
        except Exception as exc:  # noqa: BLE001 — a handler's failure is the turn's error, not a crash
            logger.error("handler %s failed: %s", name, exc)
            return response(action=action.ERROR, response=str(exc))
    message = result.error.message if result.error else "工具调用失败"
    if errors_to_llm:
        code = result.error.code if result.error else "error"
        return response(action=action.REQLLM, result=f"工具调用失败({code}): {message}")
    return response(action=action.ERROR, response=message)


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
