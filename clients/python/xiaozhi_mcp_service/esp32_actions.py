"""The action mapping for xiaozhi-esp32-server (xinnan-tech): a service answer as the gateway's reply.

:func:`to_action_response` maps an :class:`ExecutionResult` to the gateway's ``ActionResponse``
(``plugins_func.register``): ``req_llm`` → ``Action.REQLLM`` (result = the text), ``response`` →
``Action.RESPONSE``, ``none`` → ``Action.NONE``, ``error`` → ``Action.ERROR`` (spoken, as the gateway's own
executors do) or, with ``errors_to_llm``, ``Action.REQLLM`` with the failure for the LLM to explain, and
``call_handler`` → the handler registered under its ``func_name`` (:data:`DEFAULT_HANDLERS` map the
service's ``mcp_handler_*`` names to the gateway's plugins).

The gateway's modules are imported lazily (and the action types can be injected), so this module imports
without the gateway. Users import these names from :mod:`xiaozhi_mcp_service.esp32_server`.
"""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any, Callable, Dict, Optional, Tuple

from .types import ExecutionResult

#: The adapter's logger (this module's and :mod:`xiaozhi_mcp_service.esp32_server`'s).
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
