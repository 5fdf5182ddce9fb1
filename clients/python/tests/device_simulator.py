"""A XiaoZhi device's MCP server in miniature, behaving as the firmware's ``McpServer`` does
(78/xiaozhi-esp32 main/mcp_server.cc; the service's test/device-simulator.ts is the fuller twin):

- it reads only ``payload``; drops silently anything whose ``jsonrpc`` is not "2.0", without a string
  ``method``, with non-object ``params``, without a numeric ``id``, and every ``notifications/*``;
- ``tools/list`` pages at 8000 bytes of JSON, ``nextCursor`` being the name of the next page's first tool;
- ``tools/call`` counts an argument only when its JSON type matches (else it is missing unless it has a
  default), checks integer ranges, and answers errors as ``{"message"}`` without ``code``;
- return values become one text item (bool → "true"/"false", int → digits, dict → compact JSON);
- replies go out asynchronously, as the firmware schedules tool calls on its main task.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

MAX_PAYLOAD_SIZE = 8000


@dataclass
class SimTool:
    name: str
    description: str
    run: Callable[[Dict[str, Any]], Any]
    properties: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> Dict[str, Any]:
        schema: Dict[str, Any] = {"type": "object", "properties": self.properties}
        required = [k for k, p in self.properties.items() if "default" not in p]
        if required:
            schema["required"] = required
        return {"name": self.name, "description": self.description, "inputSchema": schema}


class DeviceSimulator:
    """Connect it with :meth:`connect` (where its frames go) and feed it the service's frames with :meth:`receive`."""

    def __init__(self, extra_tools: Optional[List[SimTool]] = None) -> None:
        self.volume = 50
        self.theme = "light"
        self.received: List[Dict[str, Any]] = []
        self.vision: Optional[Dict[str, str]] = None
        #: While True, tools/call requests get no reply (the device is busy).
        self.hold_calls = False
        self._send: Callable[[str], Any] = self._not_connected
        self._tasks: set = set()
        self.tools = [
            SimTool("self.get_device_status", "Current status of the device (volume, screen, battery, network)",
                    lambda _a: {"audio_speaker": {"volume": self.volume}, "screen": {"theme": self.theme}}),
            SimTool("self.audio_speaker.set_volume", "Set the volume of the speaker (0-100)", self._set_volume,
                    {"volume": {"type": "integer", "minimum": 0, "maximum": 100}}),
            SimTool("self.screen.set_theme", "Set the theme of the screen (light or dark)", self._set_theme,
                    {"theme": {"type": "string"}}),
            *(extra_tools or []),
        ]

    @staticmethod
    def _not_connected(_frame: str) -> None:
        raise RuntimeError("the simulated device is not connected")

    def connect(self, send: Callable[[str], Any]) -> None:
        self._send = send

    def requests(self, method: str) -> List[Dict[str, Any]]:
        return [p for p in self.received if p.get("method") == method]

    async def receive(self, frame: str) -> None:
        try:
            envelope = json.loads(frame)
        except ValueError:
            return
        if not isinstance(envelope, dict) or envelope.get("type") != "mcp" or not isinstance(envelope.get("payload"), dict):
            return
        payload = envelope["payload"]
        self.received.append(payload)
        method, params, msg_id = payload.get("method"), payload.get("params"), payload.get("id")
        if payload.get("jsonrpc") != "2.0" or not isinstance(method, str) or method.startswith("notifications"):
            return
        if params is not None and not isinstance(params, dict):
            return
        if isinstance(msg_id, bool) or not isinstance(msg_id, (int, float)):
            return
        msg_id, params = int(msg_id), params or {}
        if method == "initialize":
            vision = (params.get("capabilities") or {}).get("vision")
            if isinstance(vision, dict) and isinstance(vision.get("url"), str):
                self.vision = {"url": vision["url"], "token": str(vision.get("token", ""))}
            self._later(self._reply(msg_id, {"protocolVersion": "2024-11-05", "capabilities": {"tools": {}},
                                             "serverInfo": {"name": "sim-board", "version": "2.0.0"}}))
        elif method == "tools/list":
            self._later(self._list(msg_id, str(params.get("cursor") or "")))
        elif method == "tools/call":
            if not self.hold_calls:
                self._later(self._call(msg_id, params))
        else:
            self._later(self._error(msg_id, f"Method not implemented: {method}"))

    def notify(self, method: str, params: Dict[str, Any]) -> Any:
        return self._send(json.dumps({"session_id": "", "type": "mcp",
                                      "payload": {"jsonrpc": "2.0", "method": method, "params": params}}))

    def _later(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _emit(self, payload: Dict[str, Any]) -> None:
        outcome = self._send(json.dumps({"session_id": "", "type": "mcp", "payload": payload}, separators=(",", ":")))
        if inspect.isawaitable(outcome):
            await outcome

    async def _reply(self, msg_id: int, result: Dict[str, Any]) -> None:
        await self._emit({"jsonrpc": "2.0", "id": msg_id, "result": result})

    async def _error(self, msg_id: int, message: str) -> None:
        await self._emit({"jsonrpc": "2.0", "id": msg_id, "error": {"message": message}})

    async def _list(self, msg_id: int, cursor: str) -> None:
        names = [t.name for t in self.tools]
        start = names.index(cursor) if cursor in names else 0
        page: List[Dict[str, Any]] = []
        next_cursor = ""
        for tool in self.tools[start:]:
            candidate = json.dumps({"tools": page + [tool.to_json()]}, separators=(",", ":"))
            if len(candidate.encode()) > MAX_PAYLOAD_SIZE - 64:
                if not page:
                    await self._error(msg_id, f"Failed to add tool {tool.name} because of payload size limit")
                    return
                next_cursor = tool.name
                break
            page.append(tool.to_json())
        result: Dict[str, Any] = {"tools": page}
        if next_cursor:
            result["nextCursor"] = next_cursor
        await self._reply(msg_id, result)

    async def _call(self, msg_id: int, params: Dict[str, Any]) -> None:
        tool = next((t for t in self.tools if t.name == params.get("name")), None)
        if tool is None:
            await self._error(msg_id, f"Unknown tool: {params.get('name')}")
            return
        given = params.get("arguments") or {}
        args: Dict[str, Any] = {}
        for key, prop in tool.properties.items():
            value = given.get(key)
            kind = prop["type"]
            typed = (kind == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool)) or \
                    (kind == "boolean" and isinstance(value, bool)) or (kind == "string" and isinstance(value, str))
            if not typed:
                if "default" in prop:
                    value = prop["default"]
                else:
                    await self._error(msg_id, f"Missing valid argument: {key}")
                    return
            if kind == "integer":
                value = int(value)
                if "minimum" in prop and value < prop["minimum"]:
                    await self._error(msg_id, f"Value is below minimum allowed: {prop['minimum']}")
                    return
                if "maximum" in prop and value > prop["maximum"]:
                    await self._error(msg_id, f"Value exceeds maximum allowed: {prop['maximum']}")
                    return
            args[key] = value
        try:
            value = tool.run(args)
        except Exception as exc:  # noqa: BLE001 — the firmware answers a tool's exception as an error
            await self._error(msg_id, str(exc))
            return
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            text = json.dumps(value, separators=(",", ":"))
        else:
            text = str(value)
        await self._reply(msg_id, {"content": [{"type": "text", "text": text}], "isError": False})

    def _set_volume(self, args: Dict[str, Any]) -> bool:
        self.volume = args["volume"]
        return True

    def _set_theme(self, args: Dict[str, Any]) -> bool:
        if args["theme"] not in ("light", "dark"):
            return False
        self.theme = args["theme"]
        return True
