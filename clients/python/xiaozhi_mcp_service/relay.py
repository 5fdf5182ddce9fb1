"""``DeviceRelay``: pipes the device's ``type:"mcp"`` frames between the gateway's device connection and the
session's relay WebSocket (``GET /api/v1/mcp/sessions/{id}/relay``, see the service README "Device tools").

Lifecycle (one relay per device connection)::

    DeviceRelay(...)  --open()-->  open  --close() / service closes / network drops-->  closed

- open it after the server hello went to the device, when the device's hello says ``features.mcp``;
- every text frame from the service goes to ``send_to_device`` unchanged (the service's ``pong`` answers to
  the keepalive excepted); ``forward(frame)`` sends the device's frame to the service unchanged;
- the service closes it with 4000 when a newer relay replaced it (the device reconnected) and 4001 when the
  session was unbound or expired; ``on_close(code, reason)`` is told either way;
- close it when the device goes.

Works with websockets 10.x (Debian 12's) and with the new asyncio implementation of websockets ≥ 14.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Union

import websockets

logger = logging.getLogger("xiaozhi_mcp_service.relay")

SendToDevice = Callable[[str], Union[Awaitable[Any], Any]]
OnClose = Callable[[Optional[int], str], Union[Awaitable[Any], Any]]

#: The service closed this relay because a newer one replaced it.
CLOSE_REPLACED = 4000
#: The service closed this relay because the session was unbound or expired.
CLOSE_UNBOUND = 4001
#: How long closing waits for the service's close frame (the device is gone either way). Under ``npm start``
#: the service does not answer a client's close frame, so each wait runs out (websockets waits up to twice).
CLOSE_WAIT_S = 1.0


def _major_version() -> int:
    try:
        return int(str(getattr(websockets, "__version__", "0")).split(".")[0])
    except ValueError:
        return 0


async def _connect(url: str, headers: Dict[str, str], open_timeout_s: float) -> Any:
    if _major_version() >= 14:
        from websockets.asyncio.client import connect  # type: ignore[import-not-found]

        return await connect(
            url, additional_headers=headers, open_timeout=open_timeout_s, ping_interval=None, close_timeout=CLOSE_WAIT_S
        )
    return await websockets.connect(
        url, extra_headers=headers, open_timeout=open_timeout_s, ping_interval=None, close_timeout=CLOSE_WAIT_S
    )


class DeviceRelay:
    """The relay of one device connection.

    Args:
        url: the relay URL (``ServiceClient.relay_url(session_id)``).
        api_key: the tenant's key.
        send_to_device: called with each service frame (a str), sync or async, e.g. ``device_ws.send``.
        on_close: called once with ``(code, reason)`` when the relay ends, whoever closed it.
        keepalive_s: interval of the text ``ping``; 0 disables it.
        open_timeout_s: how long the WebSocket handshake may take.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        send_to_device: SendToDevice,
        *,
        on_close: Optional[OnClose] = None,
        keepalive_s: float = 30.0,
        open_timeout_s: float = 10.0,
    ) -> None:
        self.url = url
        self._api_key = api_key
        self._send_to_device = send_to_device
        self.on_close = on_close
        self._keepalive_s = keepalive_s
        self._open_timeout_s = open_timeout_s
        self._ws: Any = None
        self._tasks: list = []
        self._closed = asyncio.Event()
        self.close_code: Optional[int] = None
        self.close_reason = ""
        self.frames_to_device = 0
        self.frames_to_service = 0

    @property
    def is_open(self) -> bool:
        return self._ws is not None and not self._closed.is_set()

    async def open(self) -> "DeviceRelay":
        """Opens the relay; raises ``ServiceError`` (``service_unavailable``/``service_timeout``/the HTTP status) when refused."""
        from .errors import ServiceError

        try:
            self._ws = await _connect(self.url, {"Authorization": f"Bearer {self._api_key}"}, self._open_timeout_s)
        except asyncio.TimeoutError:
            raise ServiceError("service_timeout", f"relay not open within {self._open_timeout_s:g}s") from None
        except (OSError, websockets.exceptions.WebSocketException) as exc:
            status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
            code = "service_unavailable" if status is None else f"http_{status}"
            raise ServiceError(code, f"relay refused: {exc}", status=status) from exc
        self._tasks.append(asyncio.create_task(self._pump(), name="relay-pump"))
        if self._keepalive_s > 0:
            self._tasks.append(asyncio.create_task(self._keepalive(), name="relay-keepalive"))
        return self

    async def forward(self, frame: Union[str, Dict[str, Any]]) -> bool:
        """Sends one device frame to the service unchanged; False when the relay is not open."""
        if not self.is_open:
            return False
        text = frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False)
        try:
            await self._ws.send(text)
        except websockets.exceptions.ConnectionClosed:
            return False
        self.frames_to_service += 1
        return True

    async def close(self) -> None:
        """Closes the relay (the device went); idempotent."""
        if self._ws is not None and not self._closed.is_set():
            try:
                await self._ws.close(code=1000, reason="device disconnected")
            except Exception:  # noqa: BLE001 — closing a dead socket is fine
                pass
        await self._finish(1000, "device disconnected")

    async def wait_closed(self) -> None:
        await self._closed.wait()

    async def _pump(self) -> None:
        try:
            async for message in self._ws:
                if isinstance(message, bytes):
                    message = message.decode("utf-8", "replace")
                if message == "pong":
                    continue
                self.frames_to_device += 1
                try:
                    outcome = self._send_to_device(message)
                    if inspect.isawaitable(outcome):
                        await outcome
                except Exception as exc:  # noqa: BLE001 — the device is gone; the relay ends with it
                    logger.warning("relay: sending to the device failed: %s", exc)
                    break
        except websockets.exceptions.ConnectionClosed:
            pass
        code = getattr(self._ws, "close_code", None)
        reason = getattr(self._ws, "close_reason", "") or ""
        await self._finish(code, reason)

    async def _keepalive(self) -> None:
        try:
            while not self._closed.is_set():
                await asyncio.sleep(self._keepalive_s)
                await self._ws.send("ping")
        except (websockets.exceptions.ConnectionClosed, asyncio.CancelledError):
            pass

    async def _finish(self, code: Optional[int], reason: str) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self.close_code, self.close_reason = code, reason
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current and not task.done():
                task.cancel()
        if self._ws is not None:
            try:
                await self._ws.close()
            except Exception:  # noqa: BLE001
                pass
        logger.info("relay closed (%s %s)", code, reason)
        if self.on_close is not None:
            outcome = self.on_close(code, reason)
            if inspect.isawaitable(outcome):
                await outcome
