"""Shared test helpers: the service's address from the environment, unique ids, a closed port, polling, and
stand-ins for xiaozhi-esp32-server's ``Action``/``ActionResponse`` (plugins_func/register.py)."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from enum import Enum
from typing import Any, Awaitable, Callable, TypeVar

from xiaozhi_mcp_service import ClientOptions, ServiceClient

SERVICE_URL = os.environ.get("XIAOZHI_MCP_SERVICE_URL", "")
SERVICE_KEY = os.environ.get("XIAOZHI_MCP_SERVICE_KEY", "")
NEEDS_SERVICE = "XIAOZHI_MCP_SERVICE_URL and XIAOZHI_MCP_SERVICE_KEY name a running service"

T = TypeVar("T")


def service_client(**options: Any) -> ServiceClient:
    return ServiceClient(SERVICE_URL, SERVICE_KEY, ClientOptions(**options))


def unique(prefix: str = "py") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (a port just bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def poll(read: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout_s: float = 10.0) -> T:
    """Reads until ``done`` holds (returns that value) or the timeout passes (returns the last value)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    value = await read()
    while not done(value) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        value = await read()
    return value


class Action(Enum):
    """Shaped like xiaozhi-esp32-server's Action."""

    ERROR = (-1, "错误")
    NOTFOUND = (0, "没有找到函数")
    NONE = (1, "啥也不干")
    RESPONSE = (2, "直接回复")
    REQLLM = (3, "调用函数后再请求llm生成回复")
    RECORD = (4, "记录工具调用到对话历史，不调用LLM")


class ActionResponse:
    """Shaped like xiaozhi-esp32-server's ActionResponse."""

    def __init__(self, action: Action, result: Any = None, response: Any = None) -> None:
        self.action = action
        self.result = result
        self.response = response

    def __repr__(self) -> str:
        return f"ActionResponse({self.action.name}, result={self.result!r}, response={self.response!r})"


GATEWAY_TYPES = (Action, ActionResponse)
